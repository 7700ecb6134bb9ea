import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock.js';
import { clockedLruOptions } from '../clockedLru.js';
import type { LedgerFailureCode, LedgerOperation } from './types.js';
import { LEDGER_SNAPSHOT_VERSION, MAX_LEDGER_OPERATIONS, type LedgerSnapshot } from './snapshot.js';

/** What the ledger keeps per soul and operation: counts and codes, nothing from the HTTP layer. */
export interface LedgerEntry {
  /** Consecutive soul-level failures. */
  failures: number;
  /** Clock time of the first failure in the current run. */
  firstFailureAt: number;
  /** Clock time of the latest failure; the TTL runs from here. */
  lastFailureAt: number;
  /** Code and status of the latest failure. */
  lastCode: LedgerFailureCode;
  lastStatus: number | undefined;
  /** The app's reason for the latest failure, when it was recorded with `recordFailure()`. */
  lastReason?: string | undefined;
}

/** A quarantined soul, as listed by `quarantined()`. Times are epoch ms, durations whole ms. */
export interface QuarantinedSoul extends LedgerEntry {
  op: LedgerOperation;
  soul: string;
  /** For a put: the digest of the write that is quarantined (soul + write is the key). */
  write?: string;
  /** Epoch ms of the first failure in the current run. */
  firstFailureAt: number;
  /** Epoch ms of the latest failure; the TTL runs from here. */
  lastFailureAt: number;
  /** Epoch ms at which the entry expires and the soul is tried again (unless it fails again). */
  retryAt: number;
  /** Whole milliseconds until `retryAt`. */
  remainingMs: number;
}

/** What {@link FailureLedger.applyShared} needs of a fleet entry. */
export interface SharedEntryView {
  op: LedgerOperation;
  soul: string;
  failures: number;
  remainingMs: number;
  lastCode: LedgerFailureCode;
  lastStatus?: number | undefined;
  lastReason?: string | undefined;
}

/** Options of a {@link FailureLedger}. */
export interface FailureLedgerOptions {
  threshold: number;
  ttlMs: number;
  maxEntries: number;
  clock: Clock;
}

/** Result of {@link FailureLedger.recordFailure}. */
export interface RecordedFailure {
  failures: number;
  /** True when this failure is the soul's first since it was last clear. */
  first: boolean;
  /** True when this failure made the soul cross the threshold. */
  quarantined: boolean;
}

const SEP = '\u0000';

/**
 * Counts consecutive soul-level failures per (operation, soul) and decides skips. An lru-cache
 * bounded to `maxEntries` with LRU eviction, TTL measured on the injected clock from the last
 * failure (an entry is expired once more than `ttlMs` has passed), and no timers: expired entries
 * are dropped when touched.
 */
export class FailureLedger {
  private readonly cache: LRUCache<string, LedgerEntry>;
  private readonly threshold: number;
  private atThreshold = 0;
  /** Every operation an entry was ever recorded for, so `clearSoul` needs no scan. */
  private readonly ops = new Set<LedgerOperation>(['put', 'delete']);

  constructor(options: FailureLedgerOptions) {
    this.threshold = options.threshold;
    this.cache = new LRUCache<string, LedgerEntry>(
      clockedLruOptions<string, LedgerEntry>(options.clock, options.maxEntries, options.ttlMs, (entry) => {
        if (entry.failures >= this.threshold) this.atThreshold--;
      }),
    );
  }

  /** The entry's failure count when the soul must be skipped for `op`, else 0. */
  skipCount(op: LedgerOperation, soul: string): number {
    if (this.cache.size === 0) return 0;
    const entry = this.cache.get(op + SEP + soul);
    return entry !== undefined && entry.failures >= this.threshold ? entry.failures : 0;
  }

  /** The entry's consecutive failures (0 when none or expired); does not touch its recency. */
  count(op: LedgerOperation, soul: string): number {
    return this.cache.size === 0 ? 0 : (this.cache.peek(op + SEP + soul)?.failures ?? 0);
  }

  /** Records a soul-level failure; the TTL restarts from now. */
  recordFailure(op: LedgerOperation, soul: string, code: LedgerFailureCode, status: number | undefined, now: number, reason?: string): RecordedFailure {
    const key = op + SEP + soul;
    const previous = this.cache.get(key);
    const failures = (previous?.failures ?? 0) + 1;
    const entry: LedgerEntry = {
      failures,
      firstFailureAt: previous?.firstFailureAt ?? now,
      lastFailureAt: now,
      lastCode: code,
      lastStatus: status,
      ...(reason === undefined ? {} : { lastReason: reason }),
    };
    this.ops.add(op);
    // set() disposes the previous value (decrementing the count if it was at threshold).
    this.cache.set(key, entry);
    if (failures >= this.threshold) this.atThreshold++;
    return { failures, first: previous === undefined, quarantined: failures === this.threshold };
  }

  /**
   * Applies a fleet-wide quarantine: the entry's count becomes at least `shared.failures` and it
   * expires in at least `shared.remainingMs`. True when the soul newly crossed the threshold here.
   */
  applyShared(shared: SharedEntryView, now: number, ttlMs: number): boolean {
    const key = shared.op + SEP + shared.soul;
    const previous = this.cache.get(key);
    const remaining = Math.min(ttlMs, Math.max(shared.remainingMs, previous === undefined ? 0 : this.cache.getRemainingTTL(key)));
    const failures = Math.max(shared.failures, previous?.failures ?? 0);
    if (previous !== undefined && previous.failures === failures && remaining <= this.cache.getRemainingTTL(key)) return false;
    const lastFailureAt = now - (ttlMs - remaining);
    const entry: LedgerEntry = {
      failures,
      firstFailureAt: previous?.firstFailureAt ?? lastFailureAt,
      lastFailureAt,
      lastCode: shared.lastCode,
      lastStatus: shared.lastStatus,
      ...(shared.lastReason === undefined ? {} : { lastReason: shared.lastReason }),
    };
    this.cache.set(key, entry, { start: lastFailureAt + 1 });
    this.ops.add(shared.op);
    if (failures >= this.threshold) this.atThreshold++;
    return failures >= this.threshold && (previous === undefined || previous.failures < this.threshold);
  }

  /** Clears the entry after a success; returns the failures it had (0 if none). */
  clear(op: LedgerOperation, soul: string): number {
    if (this.cache.size === 0) return 0;
    const key = op + SEP + soul;
    const entry = this.cache.peek(key);
    if (entry === undefined) return 0;
    this.cache.delete(key);
    return entry.failures;
  }

  /** True when `op` is already known or there is room for one more operation name (at most {@link MAX_LEDGER_OPERATIONS}). */
  acceptsOperation(op: LedgerOperation): boolean {
    return this.ops.has(op) || this.ops.size < MAX_LEDGER_OPERATIONS;
  }

  /** Every operation name an entry was recorded for. */
  operations(): Iterable<LedgerOperation> {
    return this.ops;
  }

  /** Clears the soul for every operation; returns the operations it had failures for, with their counts. */
  clearSoul(soul: string): Array<{ op: LedgerOperation; failures: number }> {
    const out: Array<{ op: LedgerOperation; failures: number }> = [];
    for (const op of this.ops) {
      const failures = this.clear(op, soul);
      if (failures > 0) out.push({ op, failures });
    }
    return out;
  }

  /** Number of entries held (expired ones count until they are touched or purged). */
  get size(): number {
    return this.cache.size;
  }

  /** Number of entries at or above the threshold. */
  get quarantinedCount(): number {
    return this.atThreshold;
  }

  /** Drops expired entries now, so `size` and `quarantinedCount` are exact. */
  purgeExpired(): void {
    this.cache.purgeStale();
  }

  /** Every soul currently skipped, most recently used first; clock times turned into epoch ms via `wallNow`. */
  quarantined(now: number, wallNow: number): QuarantinedSoul[] {
    const out: QuarantinedSoul[] = [];
    for (const [key, entry] of this.cache.entries()) {
      if (entry.failures < this.threshold) continue;
      const i = key.indexOf(SEP);
      const remaining = this.cache.getRemainingTTL(key);
      const epoch = (t: number): number => Math.round(wallNow - (now - t));
      out.push({
        ...entry,
        op: key.slice(0, i) as LedgerOperation,
        soul: key.slice(i + 1),
        firstFailureAt: epoch(entry.firstFailureAt),
        lastFailureAt: epoch(entry.lastFailureAt),
        retryAt: Math.round(wallNow + remaining),
        remainingMs: Math.ceil(remaining),
      });
    }
    return out;
  }

  /**
   * The live entries as a portable snapshot: clock times are turned into epoch milliseconds
   * through their age (the way lru-cache's own `dump()` makes TTL starts portable).
   */
  toSnapshot(now: number, wallNow: number): LedgerSnapshot {
    const entries: LedgerSnapshot['entries'] = [];
    // Oldest first, so loading them in order restores the LRU order.
    for (const [key, entry] of [...this.cache.entries()].reverse()) {
      if (this.cache.getRemainingTTL(key) <= 0) continue;
      const i = key.indexOf(SEP);
      entries.push({
        op: key.slice(0, i) as LedgerOperation,
        soul: key.slice(i + 1),
        failures: entry.failures,
        firstFailureAt: Math.round(wallNow - (now - entry.firstFailureAt)),
        lastFailureAt: Math.round(wallNow - (now - entry.lastFailureAt)),
        lastCode: entry.lastCode,
        ...(entry.lastStatus === undefined ? {} : { lastStatus: entry.lastStatus }),
        ...(entry.lastReason === undefined ? {} : { lastReason: entry.lastReason }),
      });
    }
    return { format: 'gun-relay-client/ledger', version: LEDGER_SNAPSHOT_VERSION, exportedAt: Math.round(wallNow), entries };
  }

  /** Adds a snapshot's entries whose TTL has not run out; returns how many were kept. */
  load(snapshot: LedgerSnapshot, now: number, wallNow: number, ttlMs: number): number {
    const loaded: string[] = [];
    for (const e of snapshot.entries) {
      if (!this.acceptsOperation(e.op)) continue;
      const age = wallNow - e.lastFailureAt;
      if (age > ttlMs || age < 0) continue;
      const lastFailureAt = now - age;
      const key = e.op + SEP + e.soul;
      this.cache.set(
        key,
        {
          failures: e.failures,
          firstFailureAt: now - (wallNow - e.firstFailureAt),
          lastFailureAt,
          lastCode: e.lastCode,
          lastStatus: e.lastStatus,
          ...(e.lastReason === undefined ? {} : { lastReason: e.lastReason }),
        },
        { start: lastFailureAt + 1 },
      );
      this.ops.add(e.op);
      if (e.failures >= this.threshold) this.atThreshold++;
      loaded.push(key);
    }
    // A snapshot larger than the ledger's bound keeps only its newest entries: count what stayed.
    let kept = 0;
    for (const key of loaded) if (this.cache.has(key)) kept++;
    return kept;
  }
}
