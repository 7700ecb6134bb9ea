/**
 * Types of the failure ledger shared by the client's events, the ledger and the ledger stores.
 * They live here, below all three, so imports point one way.
 */
import type { GunRelayErrorCode } from '../errors.js';

/**
 * Operations whose failures are counted per soul in the failure ledger: the client's `put` and
 * `delete`, `get` when `countReadFailures` is on, and any operation the app names in
 * `recordFailure()` (`'index'`, `'es'`, …).
 */
export type LedgerOperation = 'put' | 'delete' | (string & {});

/** The code a ledger entry carries: a {@link GunRelayErrorCode}, or the app's own for app-defined failures. */
export type LedgerFailureCode = GunRelayErrorCode | (string & {});

/** Counters of one link, reported in `stats().ledgerStore`. */
export interface LedgerStoreStats {
  /** True while the backend is reachable (always true in memory). */
  connected: boolean;
  /** Writes waiting to be sent. */
  queued: number;
  /** Writes dropped because the queue was full (oldest first) or the link closed. */
  dropped: number;
  /** Writes the backend acknowledged. */
  written: number;
  /** Writes that failed or timed out at the backend (not retried). */
  writeErrors: number;
  /** Full loads of the fleet's quarantine (at start and after each reconnect). */
  loads: number;
  /** Junk found in the backend and ignored or replaced (messages, entries, index), when the store counts it. */
  junk?: number;
}

/** The ledger's part of `stats()` when a `ledgerStore` is attached. */
export interface FleetLedgerStats extends LedgerStoreStats {
  /** Quarantines and clears from other workers applied to this client's ledger. */
  applied: number;
}

/** Payload of the `quarantine` event: a soul reached the threshold and will be skipped. */
export interface QuarantineEvent {
  /** For a put: the digest of the write that is quarantined (a different write to the soul is still sent). */
  write?: string;
  op: LedgerOperation;
  soul: string;
  failures: number;
  code: LedgerFailureCode;
  /** The app's reason, for failures recorded with `recordFailure()`. */
  reason?: string;
  /** True when the quarantine came from another worker through the `ledgerStore`. */
  fleet?: true;
  /** Epoch ms at which the soul is tried again unless it fails again (`new Date(retryAt)`). */
  retryAt: number;
}

/** Payload of the `recover` event: a soul that had failures is clear again. */
export interface RecoverEvent {
  /** For a put: the digest of the write that is quarantined (a different write to the soul is still sent). */
  write?: string;
  op: LedgerOperation;
  soul: string;
  /** Failures it had before it was cleared. */
  previousFailures: number;
  reason: 'success' | 'forgive';
  /** True when another worker cleared it through the `ledgerStore`. */
  fleet?: true;
}
