/**
 * Scenario 3, throughput overhead: `client.put` vs a raw `axios.post` vs raw `node:http` (both
 * with a keep-alive agent) against the same loopback server answering `{"success":true}`.
 */
import { fixedInputs, axiosVariant, rawHttpVariant, sdkVariant } from '../lib/variants.js';
import { interleave } from '../lib/interleave.js';

export interface ThroughputParams {
  levels: Array<{ concurrency: number; opsPerRep: number }>;
  reps: number;
  warmupOps: number;
}

export async function run(p: ThroughputParams, urls: Record<string, string>) {
  const url = urls['ok']!;
  const inputs = fixedInputs(5_000);
  const out = [];
  for (const level of p.levels) {
    const c = level.concurrency;
    // Same socket budget for all three: the SDK's default maxInFlight is 16.
    const variants = [sdkVariant('sdk', url, { maxInFlight: Math.max(16, c) }), axiosVariant(url, Math.max(16, c)), rawHttpVariant(url, Math.max(16, c))];
    out.push(await interleave(variants, inputs, { concurrency: c, opsPerRep: level.opsPerRep, reps: p.reps, warmupOps: p.warmupOps }));
    for (const v of variants) v.close();
  }
  return { ...p, levels: out };
}
