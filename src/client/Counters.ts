import type { CountedOperation, OperationCounters, ReadGuardCounters } from '../callCounters.js';

const OPERATIONS: readonly CountedOperation[] = ['put', 'get', 'delete', 'list'];

function zero(): OperationCounters {
  return { calls: 0, attempts: 0, successes: 0, failures: 0, skipped: 0 };
}

/**
 * Call and traffic counters; plain numbers, so the skip path allocates nothing. The client keeps
 * one for its lifetime, and a sync cycle's view of the client one more for that cycle alone.
 */
export class Counters {
  readonly byOperation: Record<CountedOperation, OperationCounters>;
  /** HTTP requests sent, retries included. */
  requests = 0;
  /** Retries sent. */
  retries = 0;
  /** Reads the relay answered "Not found" (each can cost the relay 3 s). */
  misses = 0;
  /** Response body bytes received (answers the transport resolved with). */
  bytesIn = 0;
  /** Request body bytes sent, once per attempt. */
  bytesOut = 0;
  /** Gets answered `null` from the miss cache, without a request. */
  missCacheHits = 0;
  /** Gets that shared a request already in flight for the same soul instead of sending their own. */
  coalescedReads = 0;
  /** Read answers not believed at once (a miss or a short node of a soul expected present). */
  suspectReads = 0;
  /** Of those, nodes with fewer keys than expected. */
  shortNodes = 0;
  /** Reads sent again after a suspect answer. */
  rereads = 0;
  /** Suspect misses the re-reads agreed with. */
  confirmedMisses = 0;
  /** Suspect short nodes the re-reads agreed with. */
  confirmedShortNodes = 0;
  /** Gets answered from their sync cycle's earlier read of the soul, without a request. */
  cycleReadHits = 0;
  /** Reads answered with another soul's data and read again (see `IDENTITY_MISMATCH`). */
  identityRereads = 0;
  /** Reads answered with another soul's data also when read again: failed `IDENTITY_MISMATCH`. */
  identityMismatches = 0;
  /** Keys dropped from read answers as cross-linked (a link into another key's child of the same node). */
  crossLinkedKeys = 0;
  /** Skips over every operation (the client's counter feeds the `skip` event and `statsEvery`). */
  skippedTotal = 0;

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

  /** Counts one suspect read answer and what was done about it. */
  suspect(reason: 'miss' | 'short', action: 'reread' | 'confirmed'): void {
    this.suspectReads++;
    if (reason === 'short') this.shortNodes++;
    if (action === 'reread') this.rereads++;
    else if (reason === 'miss') this.confirmedMisses++;
    else this.confirmedShortNodes++;
  }

  /** The read guard's counters, as `stats()` and cycle reports show them. */
  guard(): ReadGuardCounters {
    const { suspectReads, shortNodes, rereads, confirmedMisses, confirmedShortNodes } = this;
    return { suspectReads, shortNodes, rereads, confirmedMisses, confirmedShortNodes };
  }

  /** A deep copy, safe to hand to listeners. */
  copy(): Record<CountedOperation, OperationCounters> {
    const out = {} as Record<CountedOperation, OperationCounters>;
    for (const op of OPERATIONS) out[op] = { ...this.byOperation[op] };
    return out;
  }
}

/** The counters a call updates: the client's, and its cycle's when the call came through a cycle view. */
export type Tallies = readonly Counters[];

/** What a sync cycle's view of the client carries: the cycle's own counters, and its abort signal. */
export interface CallScope {
  readonly tally: Counters;
  readonly signal: AbortSignal;
  /** Names the cycle in traces. */
  readonly cycle: { readonly name: string; readonly number: number };
  /** What the cycle read through each client (by the client's reader), closed when it ends. */
  readonly reads: Map<object, { close(): void }>;
  /** Why a request of the cycle must not be sent now (its lease may have lapsed); checked before each attempt. */
  readonly gate?: (() => string | undefined) | undefined;
}
