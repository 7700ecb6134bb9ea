import { epochNow } from '../clock.js';
import type { ResolvedSyncLoopOptions } from './options.js';
import type { CycleReport, SyncLoopHealth, SyncLoopStatus } from './types.js';

/** A {@link SyncLoop}'s health bookkeeping: updated once per cycle, judged against the loop's interval. */
export class LoopHealth {
  private loopStartedAt: number | undefined;
  private lastSuccessAt: number | undefined;
  private lastError: SyncLoopHealth['lastError'];
  private lastOutcome: CycleReport['outcome'] | undefined;
  /** The last cycle's lease report (a refusal says why this replica stands by). */
  private lastLease: CycleReport['lease'];
  private leaseToken: number | undefined;
  private cycles = 0;
  private overruns = 0;
  private timeouts = 0;
  private consecutiveFailures = 0;

  constructor(private readonly options: Pick<ResolvedSyncLoopOptions, 'name' | 'intervalMs' | 'staleAfterMs' | 'clock'>) {}

  /** The loop started at clock time `now`. */
  started(now: number): void {
    this.loopStartedAt = now;
  }

  /** The loop stopped. */
  stopped(): void {
    this.loopStartedAt = undefined;
  }

  /** Counts a finished cycle that ended at clock time `now`. */
  record(report: CycleReport, now: number): void {
    this.cycles++;
    this.lastOutcome = report.outcome;
    this.lastLease = report.lease;
    if (report.lease?.token !== undefined) this.leaseToken = report.lease.token;
    const standingBy = report.outcome === 'leaseUnavailable' && report.lease?.refused !== 'unreachable';
    if (report.durationMs > this.options.intervalMs) this.overruns++;
    if (report.outcome === 'timedOut') this.timeouts++;
    if (report.outcome === 'ok') {
      this.lastSuccessAt = now;
      this.consecutiveFailures = 0;
    } else if (!standingBy) {
      this.consecutiveFailures++;
      this.lastError = {
        at: this.toEpoch(now, now),
        number: report.number,
        outcome: report.outcome,
        code: report.error?.code,
        message: report.error?.message ?? report.outcome,
      };
    }
  }

  /** The health at clock time `now`. */
  report(now: number, running: boolean): SyncLoopHealth {
    const { name, staleAfterMs } = this.options;
    const since = this.lastSuccessAt === undefined ? undefined : Math.round(now - this.lastSuccessAt);
    const reasons: string[] = [];
    let status: SyncLoopStatus;
    const freshFrom = this.lastSuccessAt ?? this.loopStartedAt;
    if (this.loopStartedAt === undefined && !running) {
      status = 'stopped';
      reasons.push('the loop is not started');
    } else if (this.lastOutcome === 'leaseUnavailable' && this.lastLease?.refused !== 'unreachable') {
      // A standby replica never succeeds by design: the holder's health is the fleet's.
      status = 'standby';
      reasons.push(standbyReason(this.lastLease));
    } else if (freshFrom !== undefined && now - freshFrom > staleAfterMs) {
      status = 'stale';
      reasons.push(
        since === undefined
          ? `no successful cycle since the loop started ${Math.round(now - freshFrom)} ms ago (stale after ${staleAfterMs} ms)`
          : `last successful cycle ended ${since} ms ago (stale after ${staleAfterMs} ms)`,
      );
    } else if (this.lastOutcome === undefined) {
      status = 'starting';
      reasons.push('no cycle has finished yet');
    } else if (this.lastOutcome !== 'ok' && this.lastSuccessAt === undefined) {
      status = 'failing';
      reasons.push(`no cycle has succeeded yet; the last one ended ${this.lastOutcome}`);
    } else if (this.lastOutcome !== 'ok') {
      status = 'degraded';
      reasons.push(this.lastLease?.refused === 'unreachable' ? 'the lease store is unreachable: no cycle can be granted the lease' : `the last cycle ended ${this.lastOutcome}`);
    } else {
      status = 'ok';
      reasons.push(`last successful cycle ended ${since} ms ago`);
    }
    if (this.consecutiveFailures > 0) reasons.push(`${this.consecutiveFailures} cycle(s) in a row did not succeed`);
    if (this.lastError) reasons.push(`last error: cycle ${this.lastError.number} ${this.lastError.outcome}: ${this.lastError.message}`);
    if (this.overruns > 0) reasons.push(`${this.overruns} cycle(s) took longer than the ${this.options.intervalMs} ms interval`);
    return {
      name,
      status,
      healthy: status !== 'stale' && status !== 'stopped' && status !== 'failing',
      reasons,
      running,
      cycles: this.cycles,
      lastSuccessAt: this.lastSuccessAt === undefined ? undefined : this.toEpoch(this.lastSuccessAt, now),
      sinceLastSuccessMs: since,
      lastError: this.lastError,
      overruns: this.overruns,
      timeouts: this.timeouts,
      consecutiveFailures: this.consecutiveFailures,
      staleAfterMs,
      ...(this.leaseToken === undefined ? {} : { leaseToken: this.leaseToken }),
    };
  }

  /** Epoch ms of clock time `t`, given that clock time `now` is the present. */
  private toEpoch(t: number, now: number): number {
    return Math.round(epochNow(this.options.clock) - (now - t));
  }
}

/** Why a replica stands by, from the store's refusal. */
function standbyReason(lease: CycleReport['lease']): string {
  const who = lease?.holder ? ` (${lease.holder})` : '';
  const retry = lease?.retryInMs === undefined ? '' : `; free in about ${Math.round(lease.retryInMs)} ms`;
  if (lease?.refused === 'resting') return `standby: the fleet's last cycle${who} ended less than an interval ago${retry}`;
  if (lease?.refused === 'fenced') return `standby: the lease store lost its data (Redis restarted empty) and grants no lease until any earlier one ran out${retry}`;
  return `standby: another holder${who} has the lease${retry}`;
}
