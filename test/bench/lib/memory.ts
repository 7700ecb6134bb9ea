import { GCProfiler, getHeapSpaceStatistics } from 'node:v8';
import { setImmediate as tick } from 'node:timers/promises';

/** Heap figures after a forced full GC, in bytes. */
export interface MemorySample {
  heapUsed: number;
  /** Memory held outside the V8 heap by JS objects (Buffers, ArrayBuffers). */
  external: number;
  arrayBuffers: number;
  /** Compiled code (V8's code spaces): grows while the JIT warms up, whatever the program retains. */
  code: number;
  /** `heapUsed - code + external`: what retained data costs, wherever it lives (heap or Buffers). */
  total: number;
}

function codeBytes(): number {
  let n = 0;
  for (const s of getHeapSpaceStatistics()) if (s.space_name.startsWith('code')) n += s.space_used_size;
  return n;
}

function gcFn(): () => void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('benchmarks need --expose-gc (run them through `npm run bench`)');
  return gc;
}

/**
 * Forces full collections until the heap stops shrinking, letting the event loop turn in between
 * so closed sockets and settled promises are released too.
 */
export async function settledMemory(): Promise<MemorySample> {
  const gc = gcFn();
  let previous = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 6; i++) {
    await tick();
    gc();
    const used = process.memoryUsage().heapUsed;
    if (i >= 2 && previous - used < 4096) break;
    previous = used;
  }
  const m = process.memoryUsage();
  const code = codeBytes();
  return { heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, code, total: m.heapUsed - code + m.external };
}

/** `after - before`, field by field. */
export function memoryDelta(before: MemorySample, after: MemorySample): MemorySample {
  return {
    heapUsed: after.heapUsed - before.heapUsed,
    external: after.external - before.external,
    arrayBuffers: after.arrayBuffers - before.arrayBuffers,
    code: after.code - before.code,
    total: after.total - before.total,
  };
}

/**
 * Bytes allocated on the V8 heap while `fn` runs: growth of the used heap plus everything the
 * collections that ran meanwhile freed (from `v8.GCProfiler`).
 */
export async function measureAllocation(fn: () => Promise<void>): Promise<number> {
  const profiler = new GCProfiler();
  const start = process.memoryUsage().heapUsed;
  profiler.start();
  await fn();
  const end = process.memoryUsage().heapUsed;
  const report = profiler.stop();
  let freed = 0;
  for (const s of report?.statistics ?? []) {
    freed += s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize;
  }
  return end - start + freed;
}
