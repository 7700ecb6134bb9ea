import type { CycleOutcome } from './types.js';

/** Why a cycle was aborted: the reason its signal carries. `outcome` is what the cycle report says. */
export class CycleAbort extends Error {
  override readonly name = 'CycleAbort';
  /** Stable code, like the client's `ABORTED`. */
  readonly code = 'ABORTED';
  constructor(
    readonly outcome: Extract<CycleOutcome, 'timedOut' | 'leaseLost' | 'stopped'>,
    message: string,
  ) {
    super(message);
  }
}
