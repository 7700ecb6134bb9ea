import type { Operation } from '../errors.js';
import type { OperationCounters } from '../events.js';

const OPERATIONS: readonly Operation[] = ['put', 'get', 'delete', 'list', 'health'];

function zero(): OperationCounters {
  return { calls: 0, attempts: 0, successes: 0, failures: 0, skipped: 0 };
}

/** Call counters per operation; plain numbers, so the skip path allocates nothing. */
export class Counters {
  readonly byOperation: Record<Operation, OperationCounters>;

  constructor() {
    this.byOperation = { put: zero(), get: zero(), delete: zero(), list: zero(), health: zero() };
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
  copy(): Record<Operation, OperationCounters> {
    const out = {} as Record<Operation, OperationCounters>;
    for (const op of OPERATIONS) out[op] = { ...this.byOperation[op] };
    return out;
  }
}
