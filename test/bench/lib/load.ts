/** Outcome of a bounded load run. */
export interface LoadResult {
  /** Operations completed (fulfilled or rejected). */
  ops: number;
  rejected: number;
  ms: number;
  /** CPU time this process spent (user + system), in microseconds. */
  cpuUs: number;
}

/**
 * Runs `fn(i)` for i = 0..count-1 with at most `concurrency` in flight, stopping early (no new
 * operation is started) once `deadlineMs` has passed. Rejections are counted, not thrown.
 */
export async function runLoad(
  count: number,
  concurrency: number,
  fn: (i: number) => Promise<unknown>,
  deadlineMs = 60_000,
): Promise<LoadResult> {
  let next = 0;
  let rejected = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  const stopAt = started + deadlineMs;
  const worker = async (): Promise<void> => {
    while (next < count && performance.now() < stopAt) {
      const i = next++;
      try {
        await fn(i);
      } catch {
        rejected++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const used = process.cpuUsage(cpu);
  return { ops: next, rejected, ms: performance.now() - started, cpuUs: used.user + used.system };
}

/** Operations per second of a load result. */
export function rate(r: LoadResult): number {
  return (r.ops / r.ms) * 1000;
}
