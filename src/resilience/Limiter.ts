import { GunRelayError, type Operation } from '../errors.js';

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * Bounds concurrent requests to `maxInFlight`, with at most `maxQueue` calls waiting (FIFO).
 * Beyond that a call fails at once with `QUEUE_FULL`. A waiting call can be aborted.
 */
export class Limiter {
  private running = 0;
  private readonly waiting: Waiter[] = [];
  private head = 0;

  constructor(
    private readonly maxInFlight: number,
    private readonly maxQueue: number,
  ) {}

  /** Requests currently holding a slot. */
  get inFlight(): number {
    return this.running;
  }

  /** Calls waiting for a slot. */
  get queueDepth(): number {
    return this.waiting.length - this.head;
  }

  /** Takes a slot, waiting if needed. Resolves synchronously-fast when a slot is free. */
  acquire(op: Operation, soul: string | undefined, signal: AbortSignal | undefined): Promise<void> | undefined {
    if (this.running < this.maxInFlight && this.queueDepth === 0) {
      this.running++;
      return undefined;
    }
    if (this.queueDepth >= this.maxQueue) {
      throw new GunRelayError('QUEUE_FULL', `${op}: ${this.maxInFlight} requests in flight and ${this.maxQueue} waiting`, { op, soul });
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.waiting.indexOf(waiter, this.head);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
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
      if (next.onAbort) next.signal?.removeEventListener('abort', next.onAbort);
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
    pending.forEach((w) => {
      if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
      w.reject(error());
    });
  }
}
