/**
 * The source of time for everything in the SDK that waits or expires: ledger TTLs, breaker
 * cool-downs, retry backoff, stats windows. Inject a {@link ManualClock} in tests so nothing
 * sleeps for real.
 */
export interface Clock {
  /** Milliseconds since an arbitrary origin; only differences are used. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds; rejects with the signal's reason if it aborts first.
   * The real clock's timer keeps the process alive, as the pending call waiting on it should.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Calls `fn` once after `ms` milliseconds unless cancelled first. The system clock's timer is
   * unref'd: a scheduled job never keeps the process alive by itself. Optional: a clock without
   * it (one written before 0.2) gets the system clock's timer through {@link setClockTimer}.
   */
  setTimer?(ms: number, fn: () => void): TimerHandle;
  /**
   * Epoch milliseconds (the `Date.now()` scale), for the absolute times the SDK reports (`retryAt`,
   * `lastFailureAt`, ...). Optional: without it, {@link epochNow} uses `Date.now()`.
   */
  wallNow?(): number;
}

/** A timer from {@link Clock.setTimer}. */
export interface TimerHandle {
  /** Stops the timer if it has not fired yet; idempotent. */
  cancel(): void;
}

/** Epoch milliseconds from `clock.wallNow()` when the clock has one, else `Date.now()`. */
export function epochNow(clock: Pick<Clock, 'wallNow'>): number {
  return clock.wallNow ? clock.wallNow() : Date.now();
}

/** `clock.setTimer(ms, fn)`, or the system clock's unref'd timer when the clock has none. */
export function setClockTimer(clock: Pick<Clock, 'setTimer'>, ms: number, fn: () => void): TimerHandle {
  return clock.setTimer ? clock.setTimer(ms, fn) : systemTimer(ms, fn);
}

function systemTimer(ms: number, fn: () => void): TimerHandle {
  const timer = setTimeout(fn, Math.max(0, ms));
  timer.unref();
  return { cancel: () => clearTimeout(timer) };
}

/** The wall clock: `performance.now()` and `setTimeout`; epoch times from `Date.now()`. */
export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  sleep(ms, signal) {
    if (ms <= 0 && !signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
  setTimer: systemTimer,
};

interface Sleeper {
  at: number;
  resolve: () => void;
}

/** Where a {@link ManualClock}'s epoch time starts by default: 2026-01-01T00:00:00Z. */
export const MANUAL_CLOCK_EPOCH = Date.UTC(2026, 0, 1);

/**
 * A clock that moves only when told to. `advance(ms)` wakes every sleeper whose time has come,
 * in order, and lets their continuations run before returning. Its epoch time (`wallNow()`)
 * starts at `epochStart` and moves with it, so reported absolute times are deterministic too.
 */
export class ManualClock implements Clock {
  private current: number;
  private readonly epochOffset: number;
  private sleepers: Sleeper[] = [];

  constructor(start = 0, epochStart = MANUAL_CLOCK_EPOCH) {
    this.current = start;
    this.epochOffset = epochStart - start;
  }

  now(): number {
    return this.current;
  }

  /** Epoch milliseconds: `epochStart` plus the time advanced since construction. */
  wallNow(): number {
    return this.current + this.epochOffset;
  }

  /** Number of sleeps and timers that have not yet been woken, aborted or cancelled. */
  get pendingSleeps(): number {
    return this.sleepers.length;
  }

  /** When each pending sleep and timer is due, on `now()`'s scale, earliest first. */
  get wakeTimes(): number[] {
    return this.sleepers.map((s) => s.at).sort((a, b) => a - b);
  }

  /** Calls `fn` when {@link ManualClock.advance} reaches `now() + ms` (at the next advance when `ms <= 0`). */
  setTimer(ms: number, fn: () => void): TimerHandle {
    const sleeper: Sleeper = { at: this.current + Math.max(0, ms), resolve: fn };
    this.sleepers.push(sleeper);
    return {
      cancel: () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
      },
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      if (ms <= 0) {
        resolve();
        return;
      }
      const sleeper: Sleeper = {
        at: this.current + Math.max(0, ms),
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sleepers.push(sleeper);
    });
  }

  /** Moves time forward by `ms`, waking due sleepers in time order. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      const due = this.sleepers
        .filter((s) => s.at <= target)
        .sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.sleepers = this.sleepers.filter((s) => s !== due);
      this.current = Math.max(this.current, due.at);
      due.resolve();
      await flushMicrotasks();
    }
    this.current = target;
    await flushMicrotasks();
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
  await new Promise<void>((r) => setImmediate(r));
}
