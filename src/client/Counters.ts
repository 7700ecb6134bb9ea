import type { CountedOperation, OperationCounters } from '../events.js';

const OPERATIONS: readonly CountedOperation[] = ['put', 'get', 'delete', 'list'];

function zero(): OperationCounters {
  return { calls: 0, attempts: 0, successes: 0, failures: 0, skipped: 0 };
}

/** Call counters per operation; plain numbers, so the skip path allocates nothing. */
export class Counters {
  readonly byOperation: Record<CountedOperation, OperationCounters>;

  constructor() {
    this.byOperation = { put: zero(), get: zero(), delete: zero(), list: zero() };
  }

  /** Totals over every operation. */
  totals(): OperationCounters {
    const t = zero();
    for (const op of OPERATIONS) {
      const c = this.byOperation[op];
      t.calls += c.calls;
      t.attempts += c.attempts;
      t.successes += c.successes;
      t.failures += c.failures;
      t.skipped += c.skipped;
    }
    return t;
  }

  /** A deep copy, safe to hand to listeners. */
  copy(): Record<CountedOperation, OperationCounters> {
    const out = {} as Record<CountedOperation, OperationCounters>;
    for (const op of OPERATIONS) out[op] = { ...this.byOperation[op] };
    return out;
  }
}
