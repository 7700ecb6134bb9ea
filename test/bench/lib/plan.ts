import type { Job } from './job.js';
import type { ServerSpec } from './servers.js';

/** Every fixed input of the suite, full or quick. */
export interface PlanSettings {
  quick: boolean;
  storm: { sizes: number[]; baselineSize: number; warmup: number; concurrency: number; keep: number; maxTrackedSouls: number };
  poisoned: { souls: number; deletesPerSoul: number; chunks: number; noKeyChunks: number };
  throughput: { levels: Array<{ concurrency: number; opsPerRep: number }>; reps: number; warmupOps: number };
  resilience: { levels: Array<{ concurrency: number; opsPerRep: number }>; reps: number; warmupOps: number; poolReps: number; microChunks: number; microPuts: number };
  deleteCost: { relays: Array<{ label: string; options: Record<string, number>; perVariant: number }> };
  soak: { ops: number; warmupOps: number; sampleEvery: number; concurrency: number; souls: number; timeoutMs: number; seed: number };
  failureCost: { chunks: number; callsPerChunk: number; warmup: number; concurrency: number };
  /** Whole-process pairs against the original module's failure path (original-pairs.ts). */
  originalPairs: { pairs: number; calls: number; concurrency: number; extra: number };
  snapshotCost: { chunks: number; putsPerChunk: number };
  scale: { entries: number; rounds: number };
  scaleCycle: { entries: number; baselineEntries: number };
  fleet: { souls: number; chunks: number; deletesPerChunk: number; rounds: number; paceMs: number; workers: number[] };
  tracing: { levels: Array<{ concurrency: number; opsPerRep: number }>; reps: number; warmupOps: number; microChunks: number; microPuts: number };
  cycle: { types: number; typesWritten: number; records: number; deleteEvery: number; intervalMs: number; lateAtMs: number };
}

export const KiB = 1024;

export function settings(quick: boolean): PlanSettings {
  const levels = (c1: number, c16: number) => [
    { concurrency: 1, opsPerRep: c1 },
    { concurrency: 16, opsPerRep: c16 },
  ];
  return quick
    ? {
        quick,
        // N must exceed maxTrackedSouls for the "no growth with N" check, so quick mode lowers it.
        storm: { sizes: [2_000, 6_000], baselineSize: 1_000, warmup: 600, concurrency: 16, keep: 100, maxTrackedSouls: 2_000 },
        poisoned: { souls: 10, deletesPerSoul: 20_000, chunks: 10, noKeyChunks: 5 },
        throughput: { levels: levels(400, 1_200), reps: 3, warmupOps: 300 },
        resilience: { levels: levels(400, 1_200), reps: 6, warmupOps: 300, poolReps: 2, microChunks: 4, microPuts: 10_000 },
        deleteCost: { relays: [{ label: 'fast', options: { putDelayMs: 0, writeBatchMs: 1 }, perVariant: 8 }] },
        soak: { ops: 10_000, warmupOps: 4_000, sampleEvery: 1_000, concurrency: 64, souls: 1_000, timeoutMs: 300, seed: 5 },
        failureCost: { chunks: 4, callsPerChunk: 1_000, warmup: 1_000, concurrency: 8 },
        originalPairs: { pairs: 1, calls: 400, concurrency: 8, extra: 400 },
        snapshotCost: { chunks: 6, putsPerChunk: 20_000 },
        scale: { entries: 100_000, rounds: 2 },
        scaleCycle: { entries: 2_000, baselineEntries: 200 },
        fleet: { souls: 10, chunks: 6, deletesPerChunk: 20_000, rounds: 4, paceMs: 20, workers: [1, 4] },
        tracing: { levels: levels(400, 1_200), reps: 6, warmupOps: 300, microChunks: 4, microPuts: 10_000 },
        // The legacy cycles pay 3 s per never-written soul they read: few types and records here.
        // Cycles at t = 0, 900 s and 7,200 s (the 9th at a 900 s interval, past the original's hourly sweeps).
        cycle: { types: 8, typesWritten: 2, records: 6, deleteEvery: 5, intervalMs: 300_000, lateAtMs: 7_200_000 },
      }
    : {
        quick,
        storm: { sizes: [10_000, 100_000], baselineSize: 10_000, warmup: 2_000, concurrency: 16, keep: 100, maxTrackedSouls: 10_000 },
        poisoned: { souls: 10, deletesPerSoul: 20_000, chunks: 10, noKeyChunks: 5 },
        throughput: { levels: levels(1_500, 4_000), reps: 9, warmupOps: 1_000 },
        resilience: { levels: levels(1_000, 2_500), reps: 24, warmupOps: 1_000, poolReps: 6, microChunks: 10, microPuts: 20_000 },
        deleteCost: {
          relays: [
            { label: 'fast', options: { putDelayMs: 0, writeBatchMs: 1 }, perVariant: 30 },
            { label: 'production', options: {}, perVariant: 3 },
          ],
        },
        soak: { ops: 100_000, warmupOps: 10_000, sampleEvery: 10_000, concurrency: 64, souls: 1_000, timeoutMs: 300, seed: 5 },
        failureCost: { chunks: 12, callsPerChunk: 3_000, warmup: 3_000, concurrency: 8 },
        originalPairs: { pairs: 5, calls: 3_200, concurrency: 8, extra: 9_600 },
        snapshotCost: { chunks: 20, putsPerChunk: 50_000 },
        scale: { entries: 1_000_000, rounds: 5 },
        scaleCycle: { entries: 20_000, baselineEntries: 200 },
        fleet: { souls: 10, chunks: 20, deletesPerChunk: 50_000, rounds: 4, paceMs: 20, workers: [1, 4] },
        tracing: { levels: levels(1_000, 2_500), reps: 16, warmupOps: 1_000, microChunks: 10, microPuts: 20_000 },
        // All 37 types: the legacy cycles take minutes, as the indexer's do (245–397 s reported).
        cycle: { types: 37, typesWritten: 8, records: 24, deleteEvery: 6, intervalMs: 300_000, lateAtMs: 7_200_000 },
      };
}

const errorServer: ServerSpec = { kind: 'error', status: 500, bodyBytes: 256 * KiB };

/** The jobs of the suite, each run in its own child process, in this order. */
export function plan(s: PlanSettings): Job[] {
  const jobs: Job[] = [];
  const st = s.storm;
  for (const op of ['delete', 'put'] as const) {
    const storm = (client: 'naive' | 'plain' | 'sdk', n: number): Job => ({
      name: `storm.${op}.${client}.${n}`,
      scenario: 'storm',
      params: { client, op, n, warmup: st.warmup, concurrency: st.concurrency, keep: st.keep, maxTrackedSouls: st.maxTrackedSouls, blocks: client === 'sdk' ? 10 : 1 },
      servers: { err: errorServer },
      timeoutMs: 60_000 + n * 3,
    });
    jobs.push(storm('naive', st.baselineSize), storm('plain', st.baselineSize));
    for (const n of st.sizes) jobs.push(storm('sdk', n));
  }
  jobs.push({ name: 'poisoned', scenario: 'poisoned', params: { ...s.poisoned }, servers: { reject: { kind: 'reject', status: 500 } }, timeoutMs: 60_000 });
  jobs.push({ name: 'throughput', scenario: 'throughput', params: { ...s.throughput }, servers: { ok: { kind: 'ok' } }, timeoutMs: 120_000 });
  jobs.push({ name: 'resilience', scenario: 'resilience', params: { ...s.resilience }, servers: { ok: { kind: 'ok' } }, timeoutMs: 120_000 });
  jobs.push({ name: 'delete-cost', scenario: 'delete-cost', params: { ...s.deleteCost }, servers: {}, timeoutMs: 120_000 });
  jobs.push({ name: 'snapshot-cost', scenario: 'snapshot-cost', params: { ...s.snapshotCost }, servers: {}, timeoutMs: 120_000 });
  jobs.push({ name: 'scale', scenario: 'scale', params: { ...s.scale }, servers: { large: { kind: 'large-index', soul: 'oip:registry:index:post', entries: s.scale.entries } }, timeoutMs: 600_000 });
  jobs.push({ name: 'original-pairs', scenario: 'original-pairs', params: { ...s.originalPairs }, servers: {}, timeoutMs: 900_000 });
  jobs.push({ name: 'scale.cycle', scenario: 'scale-cycle', params: { ...s.scaleCycle }, servers: {}, timeoutMs: s.quick ? 900_000 : 3_600_000 });
  jobs.push({ name: 'failure-cost', scenario: 'failure-cost', params: { ...s.failureCost }, servers: { err: { kind: 'error', status: 500, bodyBytes: 64 * KiB } }, timeoutMs: 180_000 });
  jobs.push({ name: 'fleet', scenario: 'fleet', params: { ...s.fleet }, servers: { reject: { kind: 'reject', status: 500 } }, timeoutMs: 120_000 });
  jobs.push({ name: 'cycle', scenario: 'cycle', params: { ...s.cycle }, servers: {}, timeoutMs: s.quick ? 600_000 : 1_500_000 });
  jobs.push({ name: 'tracing', scenario: 'tracing', params: { ...s.tracing }, servers: { ok: { kind: 'ok' } }, timeoutMs: 120_000 });
  jobs.push({ name: 'soak', scenario: 'soak', params: { ...s.soak }, servers: { soak: { kind: 'soak', seed: s.soak.seed } }, timeoutMs: 180_000 });
  return jobs;
}
