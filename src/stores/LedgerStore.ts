import type { LedgerFailureCode, LedgerOperation, LedgerStoreStats } from '../ledger/types.js';

export type { LedgerStoreStats } from '../ledger/types.js';

/**
 * A ledger entry as the fleet sees it. Expiry travels as `remainingMs` (time left, measured by
 * the store), never as an absolute time, so workers with skewed wall clocks agree on it; the
 * epoch-ms fields are for display only.
 */
export interface SharedLedgerEntry {
  op: LedgerOperation;
  soul: string;
  /** Failures counted fleet-wide (the sum over workers). */
  failures: number;
  /** Distinct workers that recorded a failure. */
  workers: number;
  /** Milliseconds until the entry expires. */
  remainingMs: number;
  lastCode: LedgerFailureCode;
  lastStatus?: number | undefined;
  lastReason?: string | undefined;
  /** Wall-clock time (epoch ms) of the first and latest failure, as their workers saw it. */
  firstFailureAt: number;
  lastFailureAt: number;
}

/** One failure, as a worker writes it through its link. */
export interface LedgerFailureWrite {
  op: LedgerOperation;
  soul: string;
  code: LedgerFailureCode;
  status?: number | undefined;
  reason?: string | undefined;
  /** Wall-clock time (epoch ms) on the writing worker. */
  at: number;
}

/** How the client's ledger hears about the fleet: called by the link, never awaited. */
export interface LedgerStoreSink {
  /** The entry is quarantined fleet-wide: skip it locally for `remainingMs`. */
  quarantine(entry: SharedLedgerEntry): void;
  /** Another worker cleared the entry (a success or `forgive`). */
  clear(op: LedgerOperation, soul: string, reason: 'success' | 'forgive'): void;
  /** The local quarantine (entries at the threshold), so a store that lost its data can be reseeded. */
  localQuarantine(): SharedLedgerEntry[];
  /** The store found junk (a message, key or value none of its writers makes) and ignored or replaced it. Optional. */
  junk?(report: LedgerStoreJunk): void;
}

/** Junk a store found in its backend: where, and a short printable description. */
export interface LedgerStoreJunk {
  /** A channel message, an entry, or the index. */
  source: 'message' | 'entry' | 'index';
  /** What was wrong and what the store did (bounded, control characters replaced). */
  detail: string;
}

/** What the client's ledger needs to know to connect. */
export interface LedgerStoreConfig {
  /** The client's `failureThreshold`. */
  threshold: number;
  /** The client's `failureTtlMs`. */
  ttlMs: number;
}


/**
 * One client's connection to a {@link LedgerStore}. Every method returns at once and never
 * throws: the client's calls never wait for the store.
 */
export interface LedgerStoreLink {
  /** Counts a soul-level failure fleet-wide. */
  recordFailure(write: LedgerFailureWrite): void;
  /** Clears an entry fleet-wide (the soul succeeded here, or was forgiven). */
  clear(op: LedgerOperation, soul: string, reason: 'success' | 'forgive'): void;
  /** The link's counters. */
  stats(): LedgerStoreStats;
  /** Stops applying changes and drops pending writes. Idempotent. */
  close(): void;
}

/**
 * Where a fleet of workers keeps one failure ledger. The client keeps its own in-process ledger
 * (skips are decided locally, synchronously) and writes failures and clears through the link;
 * the store calls the sink with other workers' quarantines and clears.
 */
export interface LedgerStore {
  /** Connects one client's ledger. */
  connect(sink: LedgerStoreSink, config: LedgerStoreConfig): LedgerStoreLink;
}
