import { systemClock, type Clock } from '../clock.js';
import type { LedgerOperation } from '../ledger/types.js';
import type {
  LedgerFailureWrite,
  LedgerStore,
  LedgerStoreConfig,
  LedgerStoreLink,
  LedgerStoreSink,
  LedgerStoreStats,
  SharedLedgerEntry,
} from './LedgerStore.js';

/** Options of a {@link MemoryLedgerStore}. */
export interface MemoryLedgerStoreOptions {
  /** A soul is quarantined fleet-wide only once this many distinct clients saw it fail (default 1). */
  quarantineAfterWorkers?: number;
  /** Clock for entry expiry (default the system clock). */
  clock?: Clock;
}

interface Entry {
  shared: SharedLedgerEntry;
  expiresAt: number;
  workers: Set<number>;
}

/**
 * A {@link LedgerStore} in this process: clients connected to the same instance behave as a
 * fleet (failures summed across them, quarantines and clears delivered to all of them, in a
 * microtask). Useful for several clients in one process and for tests; a fleet of processes
 * uses `RedisLedgerStore` from `gun-relay-client/redis`.
 */
export class MemoryLedgerStore implements LedgerStore {
  private readonly entries = new Map<string, Entry>();
  private readonly sinks = new Map<number, LedgerStoreSink>();
  private readonly quorum: number;
  private readonly clock: Clock;
  private nextWorker = 0;

  constructor(options: MemoryLedgerStoreOptions = {}) {
    this.quorum = options.quarantineAfterWorkers ?? 1;
    this.clock = options.clock ?? systemClock;
  }

  /** Connects one client; its failures count as one worker's. */
  connect(sink: LedgerStoreSink, config: LedgerStoreConfig): LedgerStoreLink {
    const worker = this.nextWorker++;
    this.sinks.set(worker, sink);
    const counters: LedgerStoreStats = { connected: true, queued: 0, dropped: 0, written: 0, writeErrors: 0, loads: 1 };
    for (const e of this.live()) {
      if (e.shared.failures >= config.threshold && e.workers.size >= this.quorum) sink.quarantine(this.view(e));
    }
    return {
      recordFailure: (write) => {
        if (!this.sinks.has(worker)) return;
        counters.written++;
        const entry = this.record(write, worker, config.ttlMs);
        if (entry.shared.failures >= config.threshold && entry.workers.size >= this.quorum) this.broadcast(undefined, (s) => s.quarantine(this.view(entry)));
      },
      clear: (op, soul, reason) => {
        if (!this.sinks.has(worker)) return;
        counters.written++;
        if (this.entries.delete(key(op, soul))) this.broadcast(worker, (s) => s.clear(op, soul, reason));
      },
      stats: () => ({ ...counters }),
      close: () => {
        this.sinks.delete(worker);
      },
    };
  }

  private record(write: LedgerFailureWrite, worker: number, ttlMs: number): Entry {
    const k = key(write.op, write.soul);
    const now = this.clock.now();
    let entry = this.entries.get(k);
    if (entry !== undefined && entry.expiresAt < now) entry = undefined;
    const shared: SharedLedgerEntry = {
      op: write.op,
      soul: write.soul,
      failures: (entry?.shared.failures ?? 0) + 1,
      workers: 0,
      remainingMs: ttlMs,
      lastCode: write.code,
      lastStatus: write.status,
      lastReason: write.reason,
      firstFailureAt: entry?.shared.firstFailureAt ?? write.at,
      lastFailureAt: write.at,
    };
    const workers = entry?.workers ?? new Set<number>();
    workers.add(worker);
    shared.workers = workers.size;
    const next = { shared, expiresAt: now + ttlMs, workers };
    this.entries.delete(k);
    this.entries.set(k, next);
    return next;
  }

  private view(e: Entry): SharedLedgerEntry {
    return { ...e.shared, remainingMs: Math.max(0, e.expiresAt - this.clock.now()) };
  }

  private *live(): Iterable<Entry> {
    const now = this.clock.now();
    for (const [k, e] of this.entries) {
      if (e.expiresAt < now) this.entries.delete(k);
      else yield e;
    }
  }

  /** Calls `deliver` for every connected sink but `except`, in a microtask. */
  private broadcast(except: number | undefined, deliver: (sink: LedgerStoreSink) => void): void {
    queueMicrotask(() => {
      for (const [worker, sink] of this.sinks) if (worker !== except) deliver(sink);
    });
  }
}

function key(op: LedgerOperation, soul: string): string {
  return `${op}\u0000${soul}`;
}
