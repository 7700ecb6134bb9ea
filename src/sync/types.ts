import type { GunRelayClient } from '../client/GunRelayClient.js';
import type { ListenerErrorEvent } from '../events.js';
import type { CycleLeaseReport, CycleOutcome, CycleReport } from './report.js';

export type { CycleLeaseReport, CycleOutcome, CycleReport };

/** What `run(cycle)` gets: one cycle of a {@link SyncLoop}. */
export interface Cycle {
  /** Aborts when the cycle times out, loses its lease or the loop stops without draining. */
  readonly signal: AbortSignal;
  /** The loop's client seen through this cycle: its calls count in this cycle's report and stop with `signal`. */
  readonly client: GunRelayClient;
  /**
   * Another client (e.g. one per peer) seen through this cycle, as `client` is: its calls count in
   * this cycle's report too, and stop with `signal`.
   */
  view(client: GunRelayClient): GunRelayClient;
  /** 1 for the loop's first cycle. */
  readonly number: number;
  /** When the cycle started, epoch ms. */
  readonly startedAt: number;
  /**
   * With a lease store, the fencing token of this cycle's grant (larger for every later grant).
   * The relay cannot check it; pass it to systems that can (see docs/fleet.md).
   */
  readonly leaseToken?: number | undefined;
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
 * within the window. `failing`: cycles finished but none ever succeeded (not healthy).
 * within the window. `standby`: the lease store answered that another worker holds the lease
 * (or ran the fleet's last cycle within the interval): healthy however long it lasts, the
 * holder's own health is the fleet's. `stale`: no success within `staleAfterMs`. `stopped`: the loop is not running.
 */
export type SyncLoopStatus = 'starting' | 'ok' | 'degraded' | 'failing' | 'standby' | 'stale' | 'stopped';

/** A {@link SyncLoop}'s health, judged against its own interval, with the reasons. */
export interface SyncLoopHealth {
  name: string;
  status: SyncLoopStatus;
  /** False when `failing`, `stale` or `stopped`. */
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
  /** With a lease store: the fencing token of this loop's last grant. */
  leaseToken?: number | undefined;
}
