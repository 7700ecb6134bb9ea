import { GunRelayError } from '../errors.js';
import type { PreparedWrite } from '../protocol/preparedWrite.js';
import type { WritePlan } from '../protocol/nestedWrite.js';
import type { CallOptions } from './results.js';

/**
 * Sends a {@link WritePlan} as one call: step by step (children before their parent), at most
 * `concurrency` writes of a step at a time (a node of thousands of nested objects never fills the
 * client's queue), every write to the relay that took the first one. The first failure starts no
 * further write and ends the call once the running ones have settled, so no write of the call is
 * still running when it fails; the caller's node is then not written and keeps its old value. The
 * error names the caller's soul.
 */
export async function writePlanned(
  plan: WritePlan,
  opts: CallOptions,
  concurrency: number,
  write: (w: PreparedWrite, opts: CallOptions) => Promise<string>,
): Promise<string> {
  const root = plan.steps[plan.steps.length - 1]![0]!.soul;
  let pinned = opts;
  let relay = '';
  for (const step of plan.steps) {
    let next = 0;
    let failure: { error: unknown; soul: string } | undefined;
    const lane = async (): Promise<void> => {
      while (failure === undefined && next < step.length) {
        const w = step[next++]!;
        try {
          relay = await write(w, pinned);
          if (pinned.relay === undefined) pinned = { ...opts, relay };
        } catch (error) {
          failure ??= { error, soul: w.soul };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, step.length)) }, lane));
    if (failure !== undefined) throw childFailure(failure.error, root, failure.soul);
  }
  return relay;
}

function childFailure(error: unknown, root: string, written: string): unknown {
  if (!(error instanceof GunRelayError) || written === root) return error;
  return new GunRelayError(error.code, `${error.message} (writing the nested node ${written}; ${root} itself was not written)`, { ...error.details(), soul: root });
}
