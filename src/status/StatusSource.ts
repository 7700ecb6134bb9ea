import type { BreakerState } from '../events.js';
import type { QuarantinedSoul } from '../ledger/FailureLedger.js';
import type { CycleReport } from '../sync/report.js';

/** What `/healthz` serves: any JSON object with `healthy` (a `SyncLoop`'s `health()` is one). */
export interface StatusHealth {
  /** False answers 503. */
  healthy: boolean;
  [key: string]: unknown;
}

/** One relay's state on the status page. */
export interface StatusRelay {
  /** What the relay is to the worker, e.g. `local` or `peer`. */
  role: string;
  /** Its URL, credentials removed. */
  relay: string;
  /** True when its last probe answered. */
  ok: boolean;
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
  recentReports(): readonly CycleReport[];
  /** The souls the failure ledger skips now, with their reasons. */
  quarantined(): readonly QuarantinedSoul[];
  /** Each relay's state (may probe; the endpoint calls it at most once per `relaysEveryMs`). */
  relays(): Promise<readonly StatusRelay[]> | readonly StatusRelay[];
}
