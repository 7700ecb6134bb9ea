/**
 * Scenario 2, poisoned souls: 10 souls whose tombstone the relay always refuses (500, GUN
 * message), 20,000 deletes each, sequential. Requests actually sent (the server counts them),
 * then the skip path's rate and allocation, interleaved with a bare async function as baseline.
 */
import type { DeleteResult } from '../../../src/index.js';
import { sdk } from '../lib/sdk.js';
import { measureAllocation } from '../lib/memory.js';

export interface PoisonedParams {
  souls: number;
  deletesPerSoul: number;
  /** The skip phase is cut into this many chunks, each timed against an equal baseline chunk. */
  chunks: number;
  /** Extra skip chunks for `delete(soul)` without keys (beyond the fixed input; nothing is sent). */
  noKeyChunks: number;
}

// The floor of any async API: an async function returning a small result object.
async function bare(soul: string, _opts?: unknown): Promise<DeleteResult> {
  return { soul, outcome: 'skipped', failures: 3, relay: 'http://127.0.0.1:1' };
}

export async function run(p: PoisonedParams, urls: Record<string, string>) {
  // attributionWindowMs: 0: the relay here refuses every soul, and this job measures the ledger's skip path.
  const client = new sdk.GunRelayClient({ baseUrl: urls['reject']!, attributionWindowMs: 0 });
  const souls = Array.from({ length: p.souls }, (_, i) => `poisoned:${String(i).padStart(4, '0')}`);
  const opts = { keys: ['title', 'tags'] };
  let failed = 0;
  let skipped = 0;
  let rounds = 0;
  // Sequential rounds until every soul is quarantined (threshold 3: three rounds, 30 requests).
  while (client.stats().quarantinedSouls < p.souls && rounds < p.deletesPerSoul) {
    for (const soul of souls) {
      try {
        const r = await client.delete(soul, opts);
        if (r.outcome === 'skipped') skipped++;
      } catch {
        failed++;
      }
    }
    rounds++;
  }
  const skipRounds = p.deletesPerSoul - rounds;
  const chunkRounds = Math.floor(skipRounds / p.chunks);

  const loop = async (fn: (soul: string, o?: { keys: string[] }) => Promise<DeleteResult>, n: number, o?: { keys: string[] }) => {
    let s = 0;
    for (let r = 0; r < n; r++) {
      for (const soul of souls) {
        const res = await fn(soul, o);
        if (res.outcome === 'skipped') s++;
      }
    }
    return s;
  };
  const viaClient = (soul: string, o?: { keys: string[] }) => client.delete(soul, o);

  const timed = async (fn: typeof viaClient, n: number, o?: { keys: string[] }) => {
    let count = 0;
    const t = performance.now();
    const bytes = await measureAllocation(async () => {
      count = await loop(fn, n, o);
    });
    const ms = performance.now() - t;
    return { calls: n * souls.length, skipped: count, ms, rate: (n * souls.length * 1000) / ms, bytesPerCall: bytes / (n * souls.length) };
  };

  // Warm the baseline the way the first rounds warmed the client.
  await loop(bare, 3, opts);
  const withKeys: Array<Awaited<ReturnType<typeof timed>>> = [];
  const baseline: Array<Awaited<ReturnType<typeof timed>>> = [];
  let done = 0;
  for (let c = 0; c < p.chunks; c++) {
    const n = c === p.chunks - 1 ? skipRounds - done : chunkRounds;
    done += n;
    // Alternate which goes first, so drift in machine load hits both sides alike.
    if (c % 2 === 0) {
      withKeys.push(await timed(viaClient, n, opts));
      baseline.push(await timed(bare, n, opts));
    } else {
      baseline.push(await timed(bare, n, opts));
      withKeys.push(await timed(viaClient, n, opts));
    }
  }
  for (const r of withKeys) skipped += r.skipped;
  const noKeys: Array<Awaited<ReturnType<typeof timed>>> = [];
  for (let c = 0; c < p.noKeyChunks; c++) noKeys.push(await timed(viaClient, chunkRounds));
  const stats = client.stats();
  client.close();
  return {
    ...p,
    deletes: p.souls * p.deletesPerSoul,
    failed,
    skipped,
    quarantined: stats.quarantinedSouls,
    clientAttempts: stats.byOperation.delete.attempts,
    withKeys,
    baseline,
    noKeys,
  };
}
