import type { CountedOperation, OperationCounters, ReadGuardCounters } from '../callCounters.js';

/**
 * How a cycle ended. `ok`: `run` resolved. `failed`: it threw. `timedOut`: it outlived
 * `cycleTimeoutMs` and was aborted. `leaseLost`: its lease could not be extended, so it was
 * aborted. `leaseUnavailable`: the lease was not granted (see `lease.refused`); `run` was not called. `stopped`:
 * `stop()` aborted it.
 */
export type CycleOutcome = 'ok' | 'failed' | 'timedOut' | 'leaseLost' | 'leaseUnavailable' | 'stopped';

/** What a cycle of a loop with a lease store learned of the lease. */
export interface CycleLeaseReport {
  /** The grant's fencing token (absent when not granted, or from a store that gives none). */
  token?: number | undefined;
  /**
   * Why `run` was not called (outcome `leaseUnavailable`): `held` — another holder's cycle runs;
   * `resting` — the fleet's last cycle ended less than an interval ago; `fenced` — the store lost
   * its data and grants nothing until earlier leases ran out; `unreachable` — the store failed.
   */
  refused?: 'held' | 'resting' | 'fenced' | 'unreachable' | undefined;
  /** Who holds the lease, or ran the last cycle, when the store said. */
  holder?: string | undefined;
  /** When the store expects the lease to be free, ms. */
  retryInMs?: number | undefined;
}

/**
 * The `cycle` event: one cycle's outcome and its own counters (calls made through `cycle.client`),
 * the read guard's among them (see `stats()`).
 */
export interface CycleReport<R = unknown> extends ReadGuardCounters {
  /** The loop's name. */
  name: string;
  number: number;
  /** Epoch ms. */
  startedAt: number;
  /** Whole ms, on the loop's clock. */
  durationMs: number;
  outcome: CycleOutcome;
  /** Why it did not end `ok`: the error's `code` when it has one, and its message. */
  error?: { code: string | undefined; message: string } | undefined;
  /** HTTP requests sent, retries included. */
  requests: number;
  /** Reads the relay answered "Not found". */
  misses: number;
  /** Gets answered from this cycle's earlier read of the same soul (no request): each soul is read once per cycle. */
  cycleReadHits: number;
  /** Reads the relay answered with another soul's data, also when read again (`IDENTITY_MISMATCH`). */
  identityMismatches: number;
  /** Keys dropped from read answers as cross-linked (see `stats()`). */
  crossLinkedKeys: number;
  /** Calls answered `skipped` by the failure ledger (no request). */
  skipped: number;
  /** Calls that failed. */
  failures: number;
  /** Retries sent. */
  retries: number;
  /** Response body bytes received. */
  bytesIn: number;
  /** Request body bytes sent. */
  bytesOut: number;
  /** The same call counters split by operation. */
  byOperation: Record<CountedOperation, OperationCounters>;
  /** With a lease store: the grant's fencing token, or why the lease was not granted. */
  lease?: CycleLeaseReport | undefined;
  /** What `run` resolved with (outcome `ok` only). */
  result?: R | undefined;
}
