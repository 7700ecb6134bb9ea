import { epochNow, type Clock } from '../clock.js';
import type { FleetLedgerStats, LedgerFailureCode, LedgerOperation, QuarantineEvent, RecoverEvent } from './types.js';
import type { LedgerStore, LedgerStoreJunk, LedgerStoreLink, SharedLedgerEntry } from '../stores/LedgerStore.js';
import { FailureLedger, type RecordedFailure } from './FailureLedger.js';
import { trustedFleetEntry } from './snapshot.js';


/** Options of a {@link Quarantine}. */
export interface QuarantineOptions {
  threshold: number;
  ttlMs: number;
  maxEntries: number;
  clock: Clock;
  store?: LedgerStore | undefined;
  /** Emits the client's `quarantine` and `recover` events. */
  emit: {
    quarantine(event: QuarantineEvent): void;
    recover(event: RecoverEvent): void;
    junk(event: LedgerStoreJunk): void;
  };
}

/**
 * The client's failure ledger with its events and, optionally, its fleet: failures, clears and
 * forgives are written through the store's link, and the fleet's quarantines and clears are
 * applied locally. Skips are always decided by the local ledger, synchronously.
 */
export class Quarantine {
  /** The in-process ledger (read directly on the skip path). */
  readonly ledger: FailureLedger;
  private readonly options: QuarantineOptions;
  private readonly link: LedgerStoreLink | undefined;
  private applied = 0;

  constructor(options: QuarantineOptions) {
    this.options = options;
    this.ledger = new FailureLedger({ threshold: options.threshold, ttlMs: options.ttlMs, maxEntries: options.maxEntries, clock: options.clock });
    this.link = options.store?.connect(
      {
        quarantine: (entry) => this.applyQuarantine(entry),
        clear: (op, soul, reason) => this.applyClear(op, soul, reason),
        localQuarantine: () => this.localQuarantine(),
        junk: (report) => options.emit.junk({ source: report.source, detail: report.detail }),
      },
      { threshold: options.threshold, ttlMs: options.ttlMs },
    );
  }

  /** Counts a soul-level failure (and writes it through); emits `quarantine` when it crosses the threshold. */
  fail(op: LedgerOperation, soul: string, code: LedgerFailureCode, status: number | undefined, reason?: string): RecordedFailure {
    const now = this.options.clock.now();
    const recorded = this.ledger.recordFailure(op, soul, code, status, now, reason);
    this.link?.recordFailure({ op, soul, code, status, reason, at: epochNow(this.options.clock) });
    if (recorded.quarantined) {
      const retryAt = Math.round(epochNow(this.options.clock)) + this.options.ttlMs;
      this.options.emit.quarantine({ op, soul, failures: recorded.failures, code, retryAt, ...(reason === undefined ? {} : { reason }) });
    }
    return recorded;
  }

  /** Clears an entry after a success (fleet-wide when it had failures); emits `recover`. Returns the failures it had. */
  succeed(op: LedgerOperation, soul: string): number {
    const previousFailures = this.ledger.clear(op, soul);
    if (previousFailures > 0) {
      this.link?.clear(op, soul, 'success');
      this.options.emit.recover({ op, soul, previousFailures, reason: 'success' });
    }
    return previousFailures;
  }

  /** Clears the soul for every operation, here and fleet-wide. True if it had failures here. */
  forgive(soul: string, ops: Iterable<LedgerOperation>): boolean {
    const cleared = this.ledger.clearSoul(soul);
    if (this.link !== undefined) for (const op of ops) this.link.clear(op, soul, 'forgive');
    for (const { op, failures } of cleared) this.options.emit.recover({ op, soul, previousFailures: failures, reason: 'forgive' });
    return cleared.length > 0;
  }

  /** The store link's counters, when a store is attached. */
  stats(): FleetLedgerStats | undefined {
    return this.link === undefined ? undefined : { ...this.link.stats(), applied: this.applied };
  }

  /** Detaches from the store. */
  close(): void {
    this.link?.close();
  }

  private applyQuarantine(given: SharedLedgerEntry): void {
    const entry = trustedFleetEntry(given);
    if (entry === undefined || !this.ledger.acceptsOperation(entry.op)) return;
    const now = this.options.clock.now();
    this.applied++;
    if (this.ledger.applyShared(entry, now, this.options.ttlMs)) {
      this.options.emit.quarantine({
        op: entry.op,
        soul: entry.soul,
        failures: entry.failures,
        code: entry.lastCode,
        retryAt: Math.round(epochNow(this.options.clock) + entry.remainingMs),
        fleet: true,
        ...(entry.lastReason === undefined ? {} : { reason: entry.lastReason }),
      });
    }
  }

  private applyClear(op: LedgerOperation, soul: string, reason: 'success' | 'forgive'): void {
    this.applied++;
    const previousFailures = this.ledger.clear(op, soul);
    if (previousFailures > 0) this.options.emit.recover({ op, soul, previousFailures, reason, fleet: true });
  }

  private localQuarantine(): SharedLedgerEntry[] {
    const wallNow = epochNow(this.options.clock);
    const now = this.options.clock.now();
    return this.ledger.quarantined(now, wallNow).map((q) => ({
      op: q.op,
      soul: q.soul,
      failures: q.failures,
      workers: 1,
      remainingMs: q.remainingMs,
      lastCode: q.lastCode,
      lastStatus: q.lastStatus,
      lastReason: q.lastReason,
      firstFailureAt: q.firstFailureAt,
      lastFailureAt: q.lastFailureAt,
    }));
  }
}
