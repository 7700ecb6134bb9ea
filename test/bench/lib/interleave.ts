import { runLoad, rate, type LoadResult } from './load.js';
import type { GunNode } from '../../../src/index.js';
import type { PutVariant } from './variants.js';

/** Per-variant repetitions of one concurrency level. */
export interface InterleavedResult {
  concurrency: number;
  opsPerRep: number;
  reps: number;
  /** ops/s per repetition, by variant name, in repetition order. */
  rates: Record<string, number[]>;
  /** Client-process CPU microseconds per operation, same layout. */
  cpuUsPerOp: Record<string, number[]>;
  rejected: Record<string, number>;
}

/**
 * Runs the variants in interleaved repetitions (A B C, B C A, C A B, …) so slow drifts in machine
 * load land on every variant alike; each repetition is `opsPerRep` puts at `concurrency`.
 */
export async function interleave(
  variants: PutVariant[],
  inputs: { souls: string[]; nodes: GunNode[] },
  o: { concurrency: number; opsPerRep: number; reps: number; warmupOps: number },
): Promise<InterleavedResult> {
  const { souls, nodes } = inputs;
  const n = souls.length;
  const go = (v: PutVariant, ops: number, offset: number): Promise<LoadResult> =>
    runLoad(ops, o.concurrency, (i) => v.put(souls[(offset + i) % n]!, nodes[(offset + i) % n]!), 30_000);
  for (const v of variants) await go(v, o.warmupOps, 0);
  const result: InterleavedResult = { concurrency: o.concurrency, opsPerRep: o.opsPerRep, reps: o.reps, rates: {}, cpuUsPerOp: {}, rejected: {} };
  for (const v of variants) {
    result.rates[v.name] = [];
    result.cpuUsPerOp[v.name] = [];
    result.rejected[v.name] = 0;
  }
  for (let r = 0; r < o.reps; r++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(r + k) % variants.length]!;
      const load = await go(v, o.opsPerRep, r * o.opsPerRep);
      result.rates[v.name]!.push(rate(load));
      result.cpuUsPerOp[v.name]!.push(load.cpuUs / load.ops);
      result.rejected[v.name]! += load.rejected;
    }
  }
  return result;
}
