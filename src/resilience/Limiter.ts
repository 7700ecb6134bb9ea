import type { Clock } from '../clock.js';
import { GunRelayError, type Operation } from '../errors.js';

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
  /** Stops the waiter's abort listener and queue-deadline sleep. */
  cleanup: () => void;
}

/**
 * Bounds concurrent requests to `maxInFlight`, with at most `maxQueue` calls waiting (FIFO).
 * Beyond that a call fails at once with `QUEUE_FULL`. A waiting call can be aborted, and one
 * whose time runs out (`waitMs`, measured on the injected clock) leaves the queue with `TIMEOUT`
 * without ever holding a slot.
 */
export class Limiter {
  private running = 0;
  private readonly waiting: Waiter[] = [];
  private head = 0;

  constructor(
    private readonly maxInFlight: number,
    private readonly maxQueue: number,
    private readonly clock: Clock,
  ) {}

  /** Requests currently holding a slot. */
  get inFlight(): number {
    return this.running;
  }

  /** Calls waiting for a slot. */
  get queueDepth(): number {
    return this.waiting.length - this.head;
  }

  /**
   * Takes a slot, waiting at most `waitMs` if needed. Returns `undefined` when a slot was free
   * (no promise, no timer); else a promise that resolves with the slot, or rejects with the
   * signal's reason or a `TIMEOUT` {@link GunRelayError} when `waitMs` passes first.
   */
  acquire(op: Operation, soul: string | undefined, signal: AbortSignal | undefined, waitMs: number): Promise<void> | undefined {
    if (this.running < this.maxInFlight && this.queueDepth === 0) {
      this.running++;
      return undefined;
    }
    if (this.queueDepth >= this.maxQueue) {
      throw new GunRelayError('QUEUE_FULL', `${op}: ${this.maxInFlight} requests in flight and ${this.maxQueue} waiting`, { op, soul });
    }
    return new Promise<void>((resolve, reject) => {
      const timer = new AbortController();
      const onAbort = (): void => leave(signal?.reason);
      const waiter: Waiter = {
        resolve,
        reject,
        cleanup: () => {
          signal?.removeEventListener('abort', onAbort);
          timer.abort();
        },
      };
      const leave = (reason: unknown): void => {
        const i = this.waiting.indexOf(waiter, this.head);
        if (i < 0) return; // already granted or rejected
        this.waiting.splice(i, 1);
        waiter.cleanup();
        reject(reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.clock.sleep(waitMs, timer.signal).then(
        () => leave(new GunRelayError('TIMEOUT', `${op}: no request slot within the call's ${waitMs} ms deadline (waited in the queue; nothing was sent)`, { op, soul })),
        () => undefined, // cancelled: the waiter got its slot or left
      );
      this.waiting.push(waiter);
    });
  }

  /** Returns a slot, handing it straight to the next waiter. */
  release(): void {
    const next = this.head < this.waiting.length ? this.waiting[this.head++] : undefined;
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
    if (next) {
      next.cleanup();
      next.resolve();
    } else {
      this.running--;
    }
  }

  /** Rejects every waiting call with `error` (used by `close()`). */
  rejectAll(error: () => unknown): void {
    const pending = this.waiting.splice(this.head);
    this.waiting.length = 0;
    this.head = 0;
    for (const w of pending) {
      w.cleanup();
      w.reject(error());
    }
  }
}
