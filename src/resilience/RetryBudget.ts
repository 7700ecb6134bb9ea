import type { Clock } from '../clock.js';

/** Options of a {@link RetryBudget}. */
export interface RetryBudgetOptions {
  /** Retries may be at most this share of the requests sent in the window (0..1). */
  ratio: number;
  windowMs: number;
  /** Retries always allowed per window, whatever the ratio. */
  minPerWindow: number;
  clock: Clock;
}

const BUCKETS = 10;

/**
 * Caps retries to a share of recent traffic, so a degraded relay never meets a retry storm.
 * Requests and retries are counted in ten buckets over a sliding window; a retry is allowed
 * while `retries < minPerWindow + ratio × requests`.
 */
export class RetryBudget {
  private readonly requests = new Float64Array(BUCKETS);
  private readonly retries = new Float64Array(BUCKETS);
  private readonly bucketMs: number;
  private bucketStart = 0;
  private head = 0;
  /** Retries refused since creation. */
  denied = 0;

  constructor(private readonly options: RetryBudgetOptions) {
    this.bucketMs = Math.max(1, options.windowMs / BUCKETS);
    this.bucketStart = options.clock.now();
  }

  /** Counts one first attempt of a request. */
  recordRequest(): void {
    this.rotate();
    this.requests[this.head]! += 1;
  }

  /** Takes a retry from the budget; false (and counted as denied) when it is spent. */
  tryAcquire(): boolean {
    this.rotate();
    const allowed = this.options.minPerWindow + this.options.ratio * sum(this.requests);
    if (sum(this.retries) + 1 > allowed) {
      this.denied++;
      return false;
    }
    this.retries[this.head]! += 1;
    return true;
  }

  /** Retries in the window divided by requests in the window (0 when idle). */
  used(): number {
    this.rotate();
    const requests = sum(this.requests);
    return requests === 0 ? 0 : sum(this.retries) / requests;
  }

  private rotate(): void {
    const now = this.options.clock.now();
    let steps = Math.floor((now - this.bucketStart) / this.bucketMs);
    if (steps <= 0) return;
    this.bucketStart += steps * this.bucketMs;
    if (steps > BUCKETS) steps = BUCKETS;
    for (let i = 0; i < steps; i++) {
      this.head = (this.head + 1) % BUCKETS;
      this.requests[this.head] = 0;
      this.retries[this.head] = 0;
    }
  }
}

function sum(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}
