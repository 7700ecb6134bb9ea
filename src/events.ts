import type { CountedOperation, OperationCounters, ReadGuardCounters } from './callCounters.js';
import type { FailureScope, GunRelayErrorCode, Operation } from './errors.js';
import type { FleetLedgerStats, LedgerOperation, QuarantineEvent, RecoverEvent } from './ledger/types.js';
import type { ClassifierProblem } from './relays/classifiers.js';
import type { LedgerStoreJunk } from './stores/LedgerStore.js';

export type { LedgerFailureCode, LedgerOperation, QuarantineEvent, RecoverEvent } from './ledger/types.js';

export type { CountedOperation, OperationCounters, ReadGuardCounters };

/** What `stats()` returns and the `stats` event carries. */
export interface StatsSnapshot extends OperationCounters, ReadGuardCounters {
  /** Entries in the failure ledger (soul × operation). */
  trackedSouls: number;
  /** Ledger entries at or above `failureThreshold` (their soul is being skipped). */
  quarantinedSouls: number;
  /** The same counters split by operation. */
  byOperation: Record<CountedOperation, OperationCounters>;
  /** HTTP requests sent, retries included. */
  requests: number;
  /** Reads the relay answered "Not found" (a never-written soul costs the relay 3 s each). */
  misses: number;
  /** Gets answered `null` from the miss cache (option `missCache`), without a request. */
  missCacheHits: number;
  /** Gets that shared an identical get already in flight instead of sending their own. */
  coalescedReads: number;
  /** Gets made through a sync cycle's client answered from that cycle's earlier read of the soul, without a request. */
  cycleReadHits: number;
  /** Reads answered with another soul's data (a foreign child link, a record naming another soul) and read again. */
  identityRereads: number;
  /** Of those, reads whose second answer was still another soul's data: failed `IDENTITY_MISMATCH`. */
  identityMismatches: number;
  /** Keys dropped from read answers as cross-linked: a link into another key's child of the same node (see the `crossLink` event). */
  crossLinkedKeys: number;
  /** Response body bytes received. */
  bytesIn: number;
  /** Request body bytes sent (every attempt). */
  bytesOut: number;
  /** Sockets to the relays: `open` (busy or idle) and `idle` (kept alive for reuse). */
  sockets: { open: number; idle: number };
  /** Retries sent (relay-level failures only). */
  retries: number;
  /** Retries refused because the retry budget was spent. */
  retriesDenied: number;
  /** Share of the budget window's requests that were retries, 0..1. */
  retryBudgetUsed: number;
  /** Calls waiting for a free slot. */
  queueDepth: number;
  /** Requests on the wire right now. */
  inFlight: number;
  /**
   * Soul-level refusals held until their relay accepts another soul's request of the same kind
   * (then they count) or `attributionWindowMs` passes (then they never do). Bounded by
   * `maxTrackedSouls` per relay and kind.
   */
  pendingRefusals: number;
  /** Each relay's breaker state, by redacted base URL. */
  breakers: Record<string, BreakerState>;
  /** The `ledgerStore` link's counters (absent without a store). */
  ledgerStore?: FleetLedgerStats;
}

/** A relay circuit breaker's state. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Payload of the `skip` event: a call answered from the ledger, no request sent. */
export interface SkipEvent {
  /** For a put: the digest of the write that is quarantined (a different write to the soul is still sent). */
  write?: string;
  op: LedgerOperation;
  soul: string;
  /** Consecutive failures recorded for this soul and operation. */
  failures: number;
  /** Total skips since the client was created. */
  skippedTotal: number;
  /** The relay the call was meant for (its pin, else the first relay); nothing was sent to it. */
  relay: string;
}

/** Payload of the `failure` event: one call failed. */
export interface FailureEvent {
  op: Operation;
  soul: string | undefined;
  code: GunRelayErrorCode;
  scope: FailureScope;
  status: number | undefined;
  /**
   * `true`: counted against the soul in the ledger now. `'pending'`: a refusal held until the
   * relay accepts another soul's request of the same kind (then it counts, without another
   * event) or `attributionWindowMs` passes (then it never does). `false`: not about the soul.
   */
  counted: boolean | 'pending';
  /** The soul's consecutive failure count after this one (0 when not counted now). */
  failures: number;
  /** True the first time this soul fails for this operation since it was last clear (counted now or pending). */
  first: boolean;
  /** The relay that refused or failed (several, comma-separated, when none could be tried). */
  relay: string | undefined;
}



/** Payload of the `settle` event: every call, once, when it settles. */
export interface SettleEvent {
  op: Operation;
  soul: string | undefined;
  /** The result outcome (`written`, `deleted`, `absent`, `skipped`, `found`, `missing`, `listed`) or `error`. */
  outcome: string;
  code: GunRelayErrorCode | undefined;
  /** Whole milliseconds from the call to its settling (0 for a skip). */
  durationMs: number;
  /** The relay that answered or refused; for a skip, the one it was meant for. */
  relay: string | undefined;
}

/** Payload of the `retry` event: a relay-level failure is being retried. */
export interface RetryEvent {
  op: Operation;
  soul: string | undefined;
  relay: string;
  attempt: number;
  delayMs: number;
  code: GunRelayErrorCode;
}

/** Payload of the `breaker` event: a relay's breaker changed state. */
export interface BreakerEvent {
  relay: string;
  from: BreakerState;
  to: BreakerState;
  /** Consecutive relay-level failures that led here. */
  failures: number;
}

/**
 * Payload of the `suspectRead` event: a read answered a miss, or a node with fewer live keys, for
 * a soul this client saw present or wrote recently (option `readGuard`). Emitted per such answer.
 */
export interface SuspectReadEvent {
  op: Operation;
  soul: string;
  /** The relay that answered. */
  relay: string;
  reason: 'miss' | 'short';
  /** Live keys in the answer (0 for a miss). */
  keys: number;
  /** Fewest live keys this client expected. */
  expectedKeys: number;
  /** 0 for the call's first answer, 1 for the first re-read's, … */
  attempt: number;
  /** `reread`: read again after `delayMs`. `confirmed`: no re-read left; the call answers the best answer it had. */
  action: 'reread' | 'confirmed';
  /** Pause before the re-read (0 when confirmed). */
  delayMs: number;
}

/**
 * Payload of the `crossLink` event: a read's answer held keys linked into another key's child of
 * the same node (`{"#": "<soul>/<other key>"}`, as the relay's disk store adds to large nodes).
 * They were dropped from what the read returns. Emitted once per such answer.
 */
export interface CrossLinkEvent {
  op: Operation;
  soul: string;
  /** The relay that answered. */
  relay: string;
  /** Keys dropped. */
  count: number;
  /** The first of them (at most 8), each with the soul it linked to. */
  keys: Array<{ key: string; target: string }>;
}

/** Payload of the `listenerError` event: a listener threw; the call it ran in was not affected. */
export interface ListenerErrorEvent {
  event: string;
  error: unknown;
}

/** Payload of the `ledgerStoreJunk` event: the `ledgerStore` found junk in its backend and ignored or replaced it. */
export type LedgerStoreJunkEvent = LedgerStoreJunk;
/** Payload of the `classifierError` event: a relay's `classify` hook threw or answered an unknown verdict. */
export type ClassifierErrorEvent = ClassifierProblem;

/** Every event a {@link GunRelayClient} emits, with its listener signature. */
export interface ClientEvents {
  stats: (stats: StatsSnapshot) => void;
  skip: (event: SkipEvent) => void;
  failure: (event: FailureEvent) => void;
  quarantine: (event: QuarantineEvent) => void;
  recover: (event: RecoverEvent) => void;
  settle: (event: SettleEvent) => void;
  retry: (event: RetryEvent) => void;
  breaker: (event: BreakerEvent) => void;
  suspectRead: (event: SuspectReadEvent) => void;
  crossLink: (event: CrossLinkEvent) => void;
  listenerError: (event: ListenerErrorEvent) => void;
  ledgerStoreJunk: (event: LedgerStoreJunkEvent) => void;
  /** The profile's own verdict was used instead; the failure's code is the profile's. */
  classifierError: (event: ClassifierErrorEvent) => void;
}
