/**
 * Scenario 5, soak: mixed operations against a server that fails 30 % of requests (500s with
 * a 64 KiB GUN message or a disk error, connection resets, hangs that end in client timeouts).
 * Heap after forced GC every `sampleEvery` operations; a least-squares slope in bytes/op.
 */
import { sdk } from '../lib/sdk.js';
import { runLoad } from '../lib/load.js';
import { settledMemory, type MemorySample } from '../lib/memory.js';
import { linearFit, seededRandom } from '../lib/stats.js';

export interface SoakParams {
  ops: number;
  warmupOps: number;
  sampleEvery: number;
  concurrency: number;
  souls: number;
  timeoutMs: number;
  seed: number;
}

export async function run(p: SoakParams, urls: Record<string, string>) {
  const MiB = 1024 * 1024;
  const transport = new sdk.AxiosTransport({ maxSockets: p.concurrency, maxContentLength: 8 * MiB, maxBodyLength: 8 * MiB });
  const client = new sdk.GunRelayClient({
    baseUrl: urls['soak']!,
    transport,
    maxInFlight: p.concurrency,
    timeoutMs: p.timeoutMs,
    // Short backoff so the soak does not idle. The breaker is on but with a threshold above the
    // number of calls in flight: on two shared cores the process is sometimes descheduled for longer
    // than the timeout, every call in flight then times out at once, and a lower threshold (tried:
    // 5, 8, 20) opens it so often that most operations fail fast without a request, which would
    // soak the cheap path instead of the HTTP error paths.
    retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 10 },
    breaker: { threshold: 100, halfOpenAfterMs: 10 },
  });
  // A worker listens to its client; count events (holding nothing) so emission is exercised.
  const events: Record<string, number> = {};
  for (const e of ['failure', 'retry', 'breaker', 'quarantine', 'recover', 'skip'] as const) {
    events[e] = 0;
    client.on(e, () => void events[e]!++);
  }
  const outcomes: Record<string, number> = {};
  const tally = (k: string) => void (outcomes[k] = (outcomes[k] ?? 0) + 1);
  const random = seededRandom(p.seed);
  const souls = Array.from({ length: p.souls }, (_, i) => `a1b2c3d4e5f6:soak-${i}`);
  const op = async (): Promise<void> => {
    const r = random();
    const soul = souls[Math.floor(random() * souls.length)]!;
    try {
      if (r < 0.4) tally(`put:${(await client.put(soul, { title: 'record', n: r, ok: true })).outcome}`);
      else if (r < 0.7) tally(`get:${(await client.get(soul)) === null ? 'missing' : 'found'}`);
      else if (r < 0.8) tally(`delete:${(await client.delete(soul, { keys: ['title', 'n'] })).outcome}`);
      else if (r < 0.9) tally(`delete:${(await client.delete(soul)).outcome}`);
      else tally(`list:${(await client.list('a1b2c3d4e5f6', { limit: 10 })).length}`);
    } catch (error) {
      tally(`error:${(error as { code?: string }).code ?? 'unknown'}`);
    }
  };

  await runLoad(p.warmupOps, p.concurrency, op, 120_000);
  const samples: Array<{ ops: number; memory: MemorySample; trackedSouls: number; inFlight: number; queueDepth: number; openSockets: number }> = [];
  const sample = async (ops: number) => {
    const memory = await settledMemory();
    const s = client.stats();
    // Idle keep-alive sockets (each with its parser and buffers) vary from sample to sample.
    samples.push({ ops, memory, trackedSouls: s.trackedSouls, inFlight: s.inFlight, queueDepth: s.queueDepth, openSockets: transport.openSockets() });
  };
  await sample(0);
  let done = 0;
  const started = performance.now();
  while (done < p.ops) {
    const block = Math.min(p.sampleEvery, p.ops - done);
    const load = await runLoad(block, p.concurrency, op, 120_000);
    done += load.ops;
    await sample(done);
    if (load.ops < block) break; // deadline hit: report what was done
  }
  const ms = performance.now() - started;
  const xs = samples.map((s) => s.ops);
  const total = linearFit(xs, samples.map((s) => s.memory.total));
  const heap = linearFit(xs, samples.map((s) => s.memory.heapUsed));
  const stats = client.stats();
  client.close();
  return { ...p, done, ms, samples, fit: { total, heap }, events, outcomes, retries: stats.retries, retriesDenied: stats.retriesDenied };
}
