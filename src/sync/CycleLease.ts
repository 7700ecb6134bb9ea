import { setClockTimer, type TimerHandle } from '../clock.js';
import { leaseAnswerOf, type LeaseRefusal } from '../stores/LeaseStore.js';
import { CycleAbort } from './CycleAbort.js';
import type { ResolvedSyncLoopOptions } from './options.js';

/** What acquiring got: the grant's token, the store's refusal, or why the store could not be asked. */
export type LeaseAcquisition = { granted: true; token: number | undefined } | { granted: false; refusal: LeaseRefusal } | { granted: false; unreachable: string };

/** How long before its TTL runs out a lease counts as lapsed here: 1 % of the TTL, at least 50 ms, at most 10 %. */
export function leaseMarginMs(ttlMs: number): number {
  return Math.min(Math.floor(ttlMs / 10), Math.max(50, Math.ceil(ttlMs / 100)));
}

/**
 * How long the fleet rests after a cycle ends: the loop's interval, less min(100 ms, 10 %), so
 * the holder's own next cycle (one interval after its release was answered) always finds the
 * rest over, while another worker's earlier try is refused.
 */
export function fleetRestMs(intervalMs: number): number {
  return intervalMs - Math.min(100, Math.floor(intervalMs / 10));
}

/**
 * One cycle's hold on the loop's lease: acquired before `run`, extended every third of its TTL
 * while the cycle runs, released (compare-and-delete, then the rest) when it ends.
 *
 * The lease is judged held on this process's monotonic clock, never on the store's word alone:
 * it may have lapsed once the TTL, counted from when the grant (or the last confirmed
 * extension) was *asked for*, less a margin, has passed. From then on {@link CycleLease.check}
 * refuses every request of the cycle and the cycle is aborted (`leaseLost`), whether or not an
 * extension answer is still on its way. A refused or failed extension aborts it too.
 */
export class CycleLease {
  private extendTimer: TimerHandle | undefined;
  private deadlineTimer: TimerHandle | undefined;
  /** Clock time from which the lease may have lapsed. */
  private deadline = -Infinity;
  private held = false;
  private granted = false;
  private lostWhy: string | undefined;
  /** Set by {@link CycleLease.release}: the cycle is over, a grant arriving later is given back. */
  private ended = false;

  constructor(
    private readonly options: Pick<ResolvedSyncLoopOptions, 'lease' | 'name' | 'holder' | 'leaseTtlMs' | 'clock'>,
    private readonly abort: (reason: CycleAbort) => void,
  ) {}

  /** Asks the store for the lease. Never rejects: a store that fails is `unreachable`. */
  async acquire(): Promise<LeaseAcquisition> {
    const { lease, name, holder, leaseTtlMs, clock } = this.options;
    const askedAt = clock.now();
    let answer;
    try {
      answer = leaseAnswerOf(await lease!.acquire(name, holder, leaseTtlMs));
    } catch (error) {
      return { granted: false, unreachable: messageOf(error) };
    }
    if (!answer.granted) return { granted: false, refusal: answer };
    if (this.ended) {
      await Promise.resolve()
        .then(() => lease!.release(name, holder))
        .catch(() => false);
      return { granted: false, refusal: { granted: false, reason: 'held', holder } };
    }
    this.held = true;
    this.granted = true;
    this.setDeadline(askedAt + leaseTtlMs - leaseMarginMs(leaseTtlMs));
    if (this.held) this.scheduleExtend();
    return { granted: true, token: answer.token > 0 ? answer.token : undefined };
  }

  /**
   * Why a request of this cycle must not be sent now, else `undefined`: checked right before
   * each request (and each retry) is handed to the transport. Past the local deadline it aborts
   * the cycle at once, even if the deadline's timer has not fired yet (a process just resumed).
   */
  check(): string | undefined {
    if (this.held && this.options.clock.now() >= this.deadline) this.expired();
    if (this.held) return undefined;
    return this.lostWhy ?? `${this.options.name}: the cycle does not hold its lease`;
  }

  /** Stops extending and releases the lease if this cycle was granted it, then rests `restMs`. Never throws: the TTL frees it anyway. */
  async release(restMs: number): Promise<void> {
    this.ended = true;
    this.held = false;
    this.extendTimer?.cancel();
    this.deadlineTimer?.cancel();
    if (!this.granted) return;
    this.granted = false;
    const { lease, name, holder, leaseTtlMs, clock } = this.options;
    // Compare-and-delete: harmless when the lease already passed to another holder.
    const releasing = Promise.resolve()
      .then(() => lease!.release(name, holder, restMs))
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

  private setDeadline(at: number): void {
    this.deadline = at;
    this.deadlineTimer?.cancel();
    const left = at - this.options.clock.now();
    if (left <= 0) this.expired();
    else this.deadlineTimer = setClockTimer(this.options.clock, left, () => this.check());
  }

  private expired(): void {
    this.lost(`no extension was confirmed within the lease TTL (${this.options.leaseTtlMs} ms, less ${leaseMarginMs(this.options.leaseTtlMs)} ms) on this process's clock, so another holder may have it`);
  }

  private scheduleExtend(): void {
    const { lease, name, holder, leaseTtlMs, clock } = this.options;
    this.extendTimer = setClockTimer(clock, Math.max(1, Math.floor(leaseTtlMs / 3)), () => {
      this.extendTimer = undefined;
      if (this.check() !== undefined) return;
      const askedAt = clock.now();
      Promise.resolve()
        .then(() => lease!.extend(name, holder, leaseTtlMs))
        .then(
          (ok) => {
            if (!this.held) return;
            if (ok !== true) return this.lost('the lease store says another holder has it');
            this.setDeadline(Math.max(this.deadline, askedAt + leaseTtlMs - leaseMarginMs(leaseTtlMs)));
            if (this.held) this.scheduleExtend();
          },
          (error: unknown) => {
            if (this.held) this.lost(`extending it failed: ${messageOf(error)}`);
          },
        );
    });
  }

  private lost(why: string): void {
    if (!this.held) return;
    this.held = false;
    this.extendTimer?.cancel();
    this.deadlineTimer?.cancel();
    this.lostWhy = `${this.options.name}: lease lost (${why}); cycle aborted`;
    this.abort(new CycleAbort('leaseLost', this.lostWhy));
  }
}

/** A bounded, printable message of whatever a store threw. */
function messageOf(error: unknown): string {
  let text: string;
  try {
    text = error instanceof Error ? String(error.message) : String(error);
  } catch {
    text = 'an unprintable error';
  }
  return text.slice(0, 300).replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}
