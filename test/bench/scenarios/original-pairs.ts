/**
 * The SDK's `GunHelper` against the original helpers/gun.js failure path, as whole processes
 * (see ../original-pairs.ts): CPU per failed delete (the first `calls`, and the warm `extra` after
 * them), start-up CPU and peak RSS, as ratios of alternating pairs run in this job.
 */
import { runPairs } from '../original-pairs.js';

export function run(params: Record<string, unknown>) {
  return runPairs(Number(params['pairs']), Number(params['calls']), Number(params['concurrency']), undefined, Number(params['extra'] ?? 0));
}
