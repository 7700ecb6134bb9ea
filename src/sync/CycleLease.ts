import { setClockTimer, type TimerHandle } from '../clock.js';
import { CycleAbort } from './CycleAbort.js';
import type { ResolvedSyncLoopOptions } from './options.js';

/**
 * One cycle's hold on the loop's lease: acquired before `run`, extended every third of its TTL
 * while the cycle runs, released (compare-and-delete) when it ends. A failed extension, or one
 * the store refuses, aborts the cycle: another holder may be running it now.
 */
export class CycleLease {
  private timer: TimerHandle | undefined;
  private held = false;
  /** Set by {@link CycleLease.release}: the cycle is over, a grant arriving later is given back. */
  private ended = false;

  constructor(
    private readonly options: Pick<ResolvedSyncLoopOptions, 'lease' | 'name' | 'holder' | 'leaseTtlMs' | 'clock'>,
    private readonly abort: (reason: CycleAbort) => void,
  ) {}

  /** Takes the lease; false when another holder has it. */
  async acquire(): Promise<boolean> {
    const { lease, name, holder, leaseTtlMs } = this.options;
    const granted = (await lease!.acquire(name, holder, leaseTtlMs)) === true;
    if (granted && this.ended) {
      await lease!.release(name, holder).catch(() => false);
      return false;
    }
    this.held = granted;
    if (this.held) this.scheduleExtend();
    return this.held;
  }

  /** Stops extending and releases the lease if this cycle took it. Never throws: the TTL frees it anyway. */
  async release(): Promise<void> {
    this.ended = true;
    this.timer?.cancel();
    if (!this.held) return;
    this.held = false;
    const { lease, name, holder, leaseTtlMs, clock } = this.options;
    const releasing = Promise.resolve()
      .then(() => lease!.release(name, holder))
      .catch(() => false);
    // A store that never answers holds the cycle's end at most the TTL, which frees the lease anyway.
    await new Promise<void>((resolve) => {
      const bound = setClockTimer(clock, leaseTtlMs, resolve);
      void releasing.then(() => {
        bound.cancel();
        resolve();
      });
    });
  }

  private scheduleExtend(): void {
    const { lease, name, holder, leaseTtlMs, clock } = this.options;
    this.timer = setClockTimer(clock, Math.max(1, Math.floor(leaseTtlMs / 3)), () => {
      this.timer = undefined;
      lease!.extend(name, holder, leaseTtlMs).then(
        (ok) => {
          if (!this.held) return;
          if (ok) this.scheduleExtend();
          else this.lost('the lease store says another holder has it');
        },
        (error: unknown) => {
          if (this.held) this.lost(`extending it failed: ${error instanceof Error ? error.message : String(error)}`);
        },
      );
    });
  }

  private lost(why: string): void {
    this.held = false;
    this.abort(new CycleAbort('leaseLost', `${this.options.name}: lease lost (${why}); cycle aborted`));
  }
}
