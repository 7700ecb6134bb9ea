/**
 * Issue 13, the fleet: (1) the skip path with a RedisLedgerStore attached against the same
 * client without one, interleaved chunks of sequential skipped deletes; (2) failing requests
 * fleet-wide for 10 poisoned souls with W = 1 and 4 workers (each its own client, Redis
 * connection and store, as separate processes would have), with and without the store, in
 * lock-step rounds over each worker's rotated order. Starts its own redis-server (ephemeral port).
 */
import { Redis } from 'ioredis';
import type { GunRelayClient } from '../../../src/index.js';
import type * as RedisSubpath from '../../../src/stores/redis/index.js';
import { sdk, sdkTesting } from '../lib/sdk.js';

const redisEntry = new URL('../../../dist/redis/index.js', import.meta.url);
const { RedisLedgerStore } = (await import(redisEntry.href)) as typeof RedisSubpath;

export interface FleetParams {
  souls: number;
  /** Skip-path chunks per variant, and sequential deletes per chunk. */
  chunks: number;
  deletesPerChunk: number;
  /** Rounds over the poisoned souls per worker, and the pause between lock-steps. */
  rounds: number;
  paceMs: number;
  workers: number[];
}

const until = async (check: () => boolean, ms: number): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
};

export async function run(p: FleetParams, urls: Record<string, string>) {
  const server = await sdkTesting.startRedisServer();
  const connections: Redis[] = [];
  const closers: Array<() => void> = [];
  const connect = (): Redis => {
    const r = new Redis({ host: server.host, port: server.port, maxRetriesPerRequest: 1 });
    r.on('error', () => undefined);
    connections.push(r);
    return r;
  };
  const worker = async (prefix: string | undefined): Promise<GunRelayClient> => {
    const store = prefix === undefined ? undefined : new RedisLedgerStore({ redis: connect(), prefix });
    // attributionWindowMs: 0: the relay here refuses every soul, and this job measures the ledger's skip path.
    const client = new sdk.GunRelayClient({ baseUrl: urls['reject']!, retry: false, attributionWindowMs: 0, ...(store ? { ledgerStore: store } : {}) });
    closers.push(() => client.close(), () => store?.close());
    if (store) await until(() => (client.stats().ledgerStore?.loads ?? 0) >= 1, 5_000);
    return client;
  };
  try {
    const skip = await skipPath(p, worker);
    const fleet: Array<{ workers: number; store: boolean; failing: number; calls: number }> = [];
    for (const w of p.workers) {
      for (const store of [false, true]) {
        const clients = await Promise.all(Array.from({ length: w }, () => worker(store ? `fleet-${w}` : undefined)));
        const souls = Array.from({ length: p.souls }, (_, i) => `poisoned-${w}-${store}:${i}`);
        let calls = 0;
        for (let step = 0; step < p.rounds * p.souls; step++) {
          await Promise.all(
            clients.map((c, i) => {
              calls++;
              const soul = souls[(step + Math.round((i * p.souls) / w)) % p.souls]!;
              return c.delete(soul, { keys: ['tags'] }).catch(() => undefined);
            }),
          );
          await new Promise((r) => setTimeout(r, p.paceMs));
        }
        const failing = clients.reduce((n, c) => n + c.stats().byOperation.delete.attempts, 0);
        fleet.push({ workers: w, store, failing, calls });
      }
    }
    return { ...p, skip, fleet };
  } finally {
    for (const close of closers) close();
    for (const r of connections) r.disconnect();
    await server.close();
  }
}

/** Sequential skipped deletes on a client with the store and one without, interleaved chunk by chunk. */
async function skipPath(p: FleetParams, worker: (prefix: string | undefined) => Promise<GunRelayClient>) {
  const plain = await worker(undefined);
  const shared = await worker('skip');
  const souls = Array.from({ length: p.souls }, (_, i) => `skip:${i}`);
  for (const c of [plain, shared]) {
    for (let r = 0; r < 3; r++) for (const s of souls) await c.delete(s, { keys: ['tags'] }).catch(() => undefined);
  }
  const opts = { keys: ['tags'] };
  const timed = async (c: GunRelayClient): Promise<number> => {
    let skipped = 0;
    const t = performance.now();
    for (let i = 0; i < p.deletesPerChunk; i++) {
      const r = await c.delete(souls[i % souls.length]!, opts);
      if (r.outcome === 'skipped') skipped++;
    }
    if (skipped !== p.deletesPerChunk) throw new Error(`only ${skipped} of ${p.deletesPerChunk} deletes were skipped`);
    return (p.deletesPerChunk * 1000) / (performance.now() - t);
  };
  await timed(plain);
  await timed(shared);
  const withStore: number[] = [];
  const without: number[] = [];
  for (let c = 0; c < p.chunks; c++) {
    if (c % 2 === 0) {
      withStore.push(await timed(shared));
      without.push(await timed(plain));
    } else {
      without.push(await timed(plain));
      withStore.push(await timed(shared));
    }
  }
  return { withStore, without, redisWrites: shared.stats().ledgerStore?.written ?? 0 };
}
