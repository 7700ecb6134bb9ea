import type { GunRelayClient } from '../client/GunRelayClient.js';
import type { CountedOperation, ListenerErrorEvent, OperationCounters } from '../events.js';

/** What `run(cycle)` gets: one cycle of a {@link SyncLoop}. */
export interface Cycle {
  /** Aborts when the cycle times out, loses its lease or the loop stops without draining. */
  readonly signal: AbortSignal;
  /** The loop's client seen through this cycle: its calls count in this cycle's report and stop with `signal`. */
  readonly client: GunRelayClient;
  /** 1 for the loop's first cycle. */
  readonly number: number;
  /** When the cycle started, epoch ms. */
  readonly startedAt: number;
}

/**
 * How a cycle ended. `ok`: `run` resolved. `failed`: it threw. `timedOut`: it outlived
 * `cycleTimeoutMs` and was aborted. `leaseLost`: its lease could not be extended, so it was
 * aborted. `leaseUnavailable`: another holder has the lease; `run` was not called. `stopped`:
 * `stop()` aborted it.
 */
export type CycleOutcome = 'ok' | 'failed' | 'timedOut' | 'leaseLost' | 'leaseUnavailable' | 'stopped';

/** The `cycle` event: one cycle's outcome and its own counters (calls made through `cycle.client`). */
export interface CycleReport<R = unknown> {
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
  /** What `run` resolved with (outcome `ok` only). */
  result?: R | undefined;
}

/** The `cycleStart` event. */
export interface CycleStartEvent {
  name: string;
  number: number;
  /** Epoch ms. */
  startedAt: number;
}

/** Every event a {@link SyncLoop} emits, with its listener signature. */
export interface SyncLoopEvents<R = unknown> {
  cycleStart: (event: CycleStartEvent) => void;
  cycle: (report: CycleReport<R>) => void;
  listenerError: (event: ListenerErrorEvent) => void;
}

/**
 * What `health()` says. `starting`: no cycle finished yet, still within the freshness window.
 * `ok`: the last cycle succeeded recently. `degraded`: the last cycle did not succeed but one did
 * within the window. `standby`: another holder has the lease. `stale`: no success within
 * `staleAfterMs`. `stopped`: the loop is not running.
 */
export type SyncLoopStatus = 'starting' | 'ok' | 'degraded' | 'standby' | 'stale' | 'stopped';

/** A {@link SyncLoop}'s health, judged against its own interval, with the reasons. */
export interface SyncLoopHealth {
  name: string;
  status: SyncLoopStatus;
  /** False only when `stale` or `stopped`. */
  healthy: boolean;
  /** Human-readable reasons for the status, most important first. */
  reasons: string[];
  /** A cycle is running now. */
  running: boolean;
  /** Cycles finished. */
  cycles: number;
  /** Epoch ms of the last successful cycle's end. */
  lastSuccessAt: number | undefined;
  /** Whole ms since then. */
  sinceLastSuccessMs: number | undefined;
  /** The last cycle that did not succeed. */
  lastError: { at: number; number: number; outcome: CycleOutcome; code: string | undefined; message: string } | undefined;
  /** Cycles that took longer than the interval. */
  overruns: number;
  /** Cycles aborted at `cycleTimeoutMs`. */
  timeouts: number;
  /** Cycles since the last success that failed, timed out or lost their lease. */
  consecutiveFailures: number;
  /** The freshness rule: stale after this long without a successful cycle. */
  staleAfterMs: number;
}
