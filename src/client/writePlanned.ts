import { GunRelayError } from '../errors.js';
import type { PreparedWrite } from '../protocol/preparedWrite.js';
import type { WritePlan } from '../protocol/nestedWrite.js';
import type { CallOptions } from './results.js';

/**
 * Sends a {@link WritePlan} as one call: step by step (children before their parent), the writes
 * of a step together, every write to the relay that took the first one. The first failure ends
 * the call once its step has settled, so no write of the call is still running when it fails; the
 * caller's node is then not written and keeps its old value. The error names the caller's soul.
 */
export async function writePlanned(plan: WritePlan, opts: CallOptions, write: (w: PreparedWrite, opts: CallOptions) => Promise<string>): Promise<string> {
  const root = plan.steps[plan.steps.length - 1]![0]!.soul;
  let pinned = opts;
  let relay = '';
  for (const step of plan.steps) {
    const settled = await Promise.allSettled(step.map((w) => write(w, pinned)));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw childFailure(failed.reason, root, step[settled.indexOf(failed)]!.soul);
    relay = (settled[0] as PromiseFulfilledResult<string>).value;
    if (pinned.relay === undefined) pinned = { ...opts, relay };
  }
  return relay;
}

function childFailure(error: unknown, root: string, written: string): unknown {
  if (!(error instanceof GunRelayError) || written === root) return error;
  return new GunRelayError(error.code, `${error.message} (writing the nested node ${written}; ${root} itself was not written)`, { ...error.details(), soul: root });
}
