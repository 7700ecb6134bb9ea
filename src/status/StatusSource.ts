import type { BreakerState } from '../events.js';
import type { QuarantinedSoul } from '../ledger/FailureLedger.js';
import type { CycleReport } from '../sync/report.js';

/** What the page charts of a cycle (a `SyncLoop`'s `CycleReport` and an `OipSyncWorker`'s report are both one). */
export type StatusCycle = Pick<CycleReport, 'number' | 'startedAt' | 'durationMs' | 'outcome' | 'error' | 'requests'> & Partial<Pick<CycleReport, 'misses' | 'retries'>>;

/** What `/healthz` serves, whole: an object with `healthy` (a `SyncLoop`'s `health()` is one). */
export interface StatusHealth {
  /** False answers 503. */
  healthy: boolean;
  /** The loop's name. */
  name?: string;
  /** E.g. `ok`, `degraded`, `stale`. */
  status?: string;
  /** Why, most important first. */
  reasons?: string[];
  /** Cycles finished. */
  cycles?: number;
  /** Cycles since the last success that did not succeed. */
  consecutiveFailures?: number;
}

/** One relay's state on the status page. */
export interface StatusRelay {
  /** What the relay is to the worker, e.g. `local` or `peer`. */
  role: string;
  /** Its URL, credentials removed. */
  relay: string;
  /** True when its last probe answered (absent when the source does not probe). */
  ok?: boolean | undefined;
  /** Its breaker's state. */
  breaker: BreakerState;
  /** Whole ms the last probe took. */
  latencyMs?: number | undefined;
  /** Why it is not ok (an error code). */
  error?: string | undefined;
}

/**
 * What the status endpoint shows, read-only: a `SyncLoop` with its clients
 * (`syncLoopStatusSource`) or an `OipSyncWorker` is one. The endpoint knows nothing else of them.
 */
export interface StatusSource {
  /** The health JSON of `/healthz`. */
  health(): StatusHealth;
  /** The last cycles' reports, oldest first (the page charts them). */
  recentCycles(): readonly StatusCycle[];
  /** The souls the failure ledger skips now, with their reasons. */
  quarantined(): readonly QuarantinedSoul[];
  /** Each relay's state (may probe: the endpoint calls it at most once per `relaysEveryMs`). */
  relays(): Promise<readonly StatusRelay[]> | readonly StatusRelay[];
}
