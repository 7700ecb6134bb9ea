/**
 * The counters a call leaves behind, shared by `stats()` (events.ts) and sync cycle reports
 * (sync/report.ts). They live here, below both, so neither imports the other.
 */

/** Operations counted in `stats()` (the `health()` probe is not). */
export type CountedOperation = 'put' | 'get' | 'delete' | 'list';

/** Counters for one operation. */
export interface OperationCounters {
  /** Calls made by the caller (sent, skipped or failed before sending). */
  calls: number;
  /** Calls that sent at least one request to a relay. */
  attempts: number;
  /** Calls that settled with a success outcome (including `absent` and a `null` get). */
  successes: number;
  /** Calls that settled with an error after reaching, or trying to reach, a relay. */
  failures: number;
  /** Calls answered `skipped` by the failure ledger without any request. */
  skipped: number;
}

/** What the read guard (option `readGuard`) counted, in `stats()` and in each cycle report. */
export interface ReadGuardCounters {
  /** Read answers not believed at once: a miss, or fewer keys, for a soul this client saw present or wrote. */
  suspectReads: number;
  /** Of `suspectReads`, answers that were nodes with fewer keys than expected. */
  shortNodes: number;
  /** Reads sent again after a suspect answer. */
  rereads: number;
  /** Suspect misses every re-read agreed with: the call answered `null`. */
  confirmedMisses: number;
  /** Suspect short nodes every re-read agreed with: the call answered the largest of them. */
  confirmedShortNodes: number;
}
