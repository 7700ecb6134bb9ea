import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { LedgerOperation } from '../../events.js';
import type {
  LedgerFailureWrite,
  LedgerStore,
  LedgerStoreConfig,
  LedgerStoreLink,
  LedgerStoreSink,
  LedgerStoreStats,
  SharedLedgerEntry,
} from '../LedgerStore.js';
import { cleanReason, entryOf, excerpt, MAX_FIELD_BYTES, MAX_MEMBER_BYTES, parseChange } from './entries.js';
import { RedisKeys } from './keys.js';
import { CLEAR, ENTRY_FIELDS, LIST_LIVE, LOAD_ENTRIES, RECORD_FAILURE, SEED, type RedisConnection } from './scripts.js';
import { WriteQueue } from './WriteQueue.js';

/** Options of a {@link RedisLedgerStore}. */
export interface RedisLedgerStoreOptions {
  /** The caller's ioredis connection (`Redis` or `Cluster`); the store never closes it. */
  redis: RedisConnection;
  /** Connection for pub/sub; default `redis.duplicate()` (created, and closed by `close()`, by the store). */
  subscriber?: RedisConnection;
  /** Namespace of every key and of the channel (default `gun-relay`). */
  prefix?: string;
  /** This worker's name in quorum counts (default `hostname:pid:random`). */
  workerId?: string;
  /** A soul is quarantined fleet-wide only once this many distinct workers saw it fail (default 1). */
  quarantineAfterWorkers?: number;
  /** Most writes waiting for Redis per client; beyond it the oldest is dropped (default 1,000). */
  maxQueuedWrites?: number;
  /** A write not answered within this time counts as an error (default 1,000 ms). */
  writeTimeoutMs?: number;
  /** Most live entries loaded at start and after a reconnect (default 10,000). */
  maxLoadedEntries?: number;
}

interface Link {
  worker: string;
  sink: LedgerStoreSink;
  config: LedgerStoreConfig;
  queue: WriteQueue;
  loads: number;
  /** Wait before the next try of a failed load, ms (doubles up to 30 s; reset by a success). */
  retryMs: number;
}

/** Most junk reports a store sends its clients per second. */
const JUNK_REPORTS_PER_SECOND = 10;

/** Entries read per LOAD_ENTRIES call. */
const LOAD_BATCH = 100;

/**
 * A {@link LedgerStore} on Redis, for a fleet of worker processes. Failures are counted per
 * (operation, soul) in one hash per entry with its own TTL, updated atomically by Lua scripts;
 * quarantines and clears are published on a channel and applied by every worker's client;
 * a worker loads the live quarantine at start and after each reconnect, and reseeds what it
 * knows when Redis lost its data. Redis is never on a call's path: writes go through a bounded
 * queue, and skips are decided by each client's in-process ledger.
 */
export class RedisLedgerStore implements LedgerStore {
  /** The key layout in use. */
  readonly keys: RedisKeys;
  private readonly redis: RedisConnection;
  private readonly subscriber: RedisConnection;
  private readonly ownsSubscriber: boolean;
  private readonly workerId: string;
  private readonly quorum: number;
  private readonly options: RedisLedgerStoreOptions;
  private readonly links = new Set<Link>();
  private subscribed = false;
  private closed = false;
  private linksMade = 0;
  private junkSeen = 0;
  private junkWindow = { start: -Infinity, reported: 0, unreported: 0 };
  // Runs inside ioredis's socket handler: nothing a message holds may throw out of it.
  private readonly onMessage = (channel: string, text: string): void => {
    try {
      if (channel === this.keys.channel) this.onChange(text);
    } catch {
      this.junkSeen++;
    }
  };
  private readonly onSubscriberReady = (): void => this.subscribe();
  private readonly onSubscriberClose = (): void => {
    this.subscribed = false;
  };
  private readonly onRedisReady = (): void => {
    for (const link of this.links) link.queue.wake();
  };
  // ioredis reports connection errors as events; without a listener Node would throw them.
  private readonly onSubscriberError = (): void => undefined;

  constructor(options: RedisLedgerStoreOptions) {
    this.options = options;
    this.redis = options.redis;
    this.keys = new RedisKeys(options.prefix ?? 'gun-relay');
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.quorum = options.quarantineAfterWorkers ?? 1;
    this.ownsSubscriber = options.subscriber === undefined;
    this.subscriber = options.subscriber ?? this.redis.duplicate();
    this.subscriber.on('message', this.onMessage);
    this.subscriber.on('ready', this.onSubscriberReady);
    this.subscriber.on('close', this.onSubscriberClose);
    this.subscriber.on('error', this.onSubscriberError);
    this.redis.on('ready', this.onRedisReady);
    if (this.subscriber.status === 'ready') this.subscribe();
  }

  /** Connects one client; each connected client counts as a distinct worker (`workerId`, then `workerId#n`). */
  connect(sink: LedgerStoreSink, config: LedgerStoreConfig): LedgerStoreLink {
    const queue = new WriteQueue(this.redis, {
      maxQueued: this.options.maxQueuedWrites ?? 1_000,
      timeoutMs: this.options.writeTimeoutMs ?? 1_000,
      maxUnanswered: 16,
    });
    const n = this.linksMade++;
    const link: Link = { worker: n === 0 ? this.workerId : `${this.workerId}#${n}`, sink, config, queue, loads: 0, retryMs: 1_000 };
    this.links.add(link);
    if (this.subscribed) this.scheduleResync(link);
    return {
      recordFailure: (write) => queue.push((redis) => this.recordFailure(redis, link, write)),
      clear: (op, soul, reason) => queue.push((redis) => this.clear(redis, link, op, soul, reason)),
      stats: (): LedgerStoreStats => ({
        connected: this.subscribed && this.redis.status === 'ready',
        queued: queue.length,
        ...queue.counters,
        loads: link.loads,
        junk: this.junkSeen,
      }),
      close: () => {
        queue.close();
        this.links.delete(link);
      },
    };
  }

  /** Closes every link and the subscriber connection the store created. The caller's `redis` stays open. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const link of this.links) link.queue.close();
    this.links.clear();
    this.redis.off('ready', this.onRedisReady);
    this.subscriber.off('message', this.onMessage);
    this.subscriber.off('ready', this.onSubscriberReady);
    this.subscriber.off('close', this.onSubscriberClose);
    if (this.ownsSubscriber) {
      this.subscriber.disconnect();
    } else {
      this.subscriber.unsubscribe(this.keys.channel).catch(() => undefined);
      this.subscriber.off('error', this.onSubscriberError);
    }
  }

  private subscribe(): void {
    if (this.closed) return;
    this.subscriber.subscribe(this.keys.channel).then(
      () => {
        this.subscribed = true;
        // Whatever was published while we were not listening is learned by loading it.
        for (const link of this.links) this.scheduleResync(link);
      },
      () => undefined,
    );
  }

  /**
   * Queues a resync ahead of every write; a failed one (Redis unreachable or failing) is tried
   * again while subscribed, a second later, then waiting twice as long each time up to 30 s.
   */
  private scheduleResync(link: Link): void {
    link.queue.pushFirst((redis) =>
      this.resync(redis, link).then(
        () => {
          link.retryMs = 1_000;
        },
        (error: unknown) => {
          const retry = setTimeout(() => {
            if (this.subscribed && this.links.has(link)) this.scheduleResync(link);
          }, link.retryMs);
          retry.unref();
          link.retryMs = Math.min(30_000, link.retryMs * 2);
          throw error;
        },
      ),
    );
  }

  /**
   * Reports junk found in Redis to every connected client (its `ledgerStoreJunk` event), at most
   * {@link JUNK_REPORTS_PER_SECOND} a second (a flood is counted in `junk`, and the next report
   * says how many went unreported); never throws.
   */
  private junk(source: 'message' | 'entry' | 'index', detail: string): void {
    this.junkSeen++;
    const now = performance.now();
    if (now - this.junkWindow.start >= 1_000) this.junkWindow = { start: now, reported: 0, unreported: this.junkWindow.unreported };
    if (this.junkWindow.reported >= JUNK_REPORTS_PER_SECOND) {
      this.junkWindow.unreported++;
      return;
    }
    this.junkWindow.reported++;
    if (this.junkWindow.unreported > 0) detail += ` (and ${this.junkWindow.unreported} earlier junk item(s) not reported one by one)`;
    this.junkWindow.unreported = 0;
    for (const link of this.links) {
      try {
        link.sink.junk?.({ source, detail });
      } catch {
        // a sink that throws is its own problem; the store goes on
      }
    }
  }

  private async recordFailure(redis: RedisConnection, link: Link, w: LedgerFailureWrite): Promise<void> {
    const { threshold, ttlMs } = link.config;
    const args = [this.keys.member(w.op, w.soul), w.op, w.soul, Math.round(w.at), ttlMs, threshold, this.quorum, link.worker, w.code, w.status ?? '', cleanReason(w.reason) ?? '', this.keys.channel];
    const [failures, workers, quarantined, replaced] = (await RECORD_FAILURE.run(redis, [this.keys.entry(w.op, w.soul), this.keys.index], args)) as number[];
    if (replaced === 1) this.junk('entry', `replaced a key of ${w.op} ${excerpt(w.soul)} that was not a ledger entry, or an index that was not a sorted set`);
    // Our own publication is ignored on receipt; apply the fleet's count here instead.
    if (quarantined === 1) {
      link.sink.quarantine({ ...sharedOf(w), failures: failures ?? 0, workers: workers ?? 1, remainingMs: ttlMs });
    }
  }

  private async clear(redis: RedisConnection, link: Link, op: LedgerOperation, soul: string, reason: 'success' | 'forgive'): Promise<void> {
    const [, replaced] = (await CLEAR.run(redis, [this.keys.entry(op, soul), this.keys.index], [this.keys.member(op, soul), op, soul, reason, link.worker, this.keys.channel])) as number[];
    if (replaced === 1) this.junk('entry', `replaced a key of ${op} ${excerpt(soul)} that was not a ledger entry, or an index that was not a sorted set`);
  }

  /** After (re)subscribing: reseed what this worker holds (Redis may have lost it), then load the fleet's. */
  private async resync(redis: RedisConnection, link: Link): Promise<void> {
    if (this.quorum === 1) {
      for (const e of link.sink.localQuarantine()) {
        if (e.remainingMs < 1) continue;
        const args = [this.keys.member(e.op, e.soul), e.op, e.soul, e.failures, Math.floor(e.remainingMs), e.lastCode, e.lastStatus ?? '', cleanReason(e.lastReason) ?? ''];
        args.push(Math.round(e.firstFailureAt), Math.round(e.lastFailureAt), link.worker, this.keys.channel);
        const [, replaced] = (await SEED.run(redis, [this.keys.entry(e.op, e.soul), this.keys.index], args)) as number[];
        if (replaced === 1) this.junk('entry', `replaced a key of ${e.op} ${excerpt(e.soul)} that was not a ledger entry, or an index that was not a sorted set`);
      }
    }
    const listed = (await LIST_LIVE.run(redis, [this.keys.index], [this.options.maxLoadedEntries ?? 10_000, MAX_MEMBER_BYTES])) as Array<string | number>;
    const [kind, tooLong] = listed;
    if (kind !== 'zset' && kind !== 'none') this.junk('index', `the index ${this.keys.index} was a ${excerpt(kind)}, not a sorted set: deleted`);
    if (typeof tooLong === 'number' && tooLong > 0) this.junk('index', `${tooLong} index member(s) longer than ${MAX_MEMBER_BYTES} bytes: not loaded`);
    const members = listed.slice(2).map(String);
    const width = 2 + ENTRY_FIELDS.length;
    for (let at = 0; at < members.length; at += LOAD_BATCH) {
      const keys = members.slice(at, at + LOAD_BATCH).map((m) => this.keys.entryOf(m));
      const rows = (await LOAD_ENTRIES.run(redis, keys, [MAX_FIELD_BYTES])) as Array<string | number>;
      for (let i = 0; i < keys.length; i++) {
        const row = rows.slice(i * width, (i + 1) * width);
        const [type, pttl] = row;
        if (type === 'none') continue; // expired since it was listed
        if (type !== 'hash') {
          this.junk('entry', `${excerpt(keys[i])} is ${type === 'long' ? 'a hash with a field over ' + MAX_FIELD_BYTES + ' bytes' : `a ${excerpt(type)}, not a hash`}: not loaded`);
          continue;
        }
        const fields: Record<string, unknown> = {};
        ENTRY_FIELDS.forEach((f, j) => (fields[f] = row[2 + j]));
        if (fields['q'] !== '1') continue; // counted, not quarantined yet
        const entry = entryOf(fields, typeof pttl === 'number' && pttl > 0 ? pttl : Number.NaN);
        if (typeof entry === 'string') this.junk('entry', `${excerpt(keys[i])}: its ${entry}: not loaded`);
        else link.sink.quarantine(entry);
      }
    }
    link.loads++;
  }

  private onChange(text: string): void {
    const change = parseChange(text);
    if ('junk' in change) {
      this.junk('message', `ignored ${change.junk}`);
      return;
    }
    for (const link of this.links) {
      if (change.src === link.worker) continue;
      try {
        if (change.t === 'q') link.sink.quarantine(change.entry);
        else link.sink.clear(change.op, change.soul, change.why);
      } catch {
        // the client's ledger never throws here; if a custom sink does, the next message still applies
      }
    }
  }
}

function sharedOf(w: LedgerFailureWrite): Omit<SharedLedgerEntry, 'failures' | 'workers' | 'remainingMs'> {
  return { op: w.op, soul: w.soul, lastCode: w.code, lastStatus: w.status, lastReason: w.reason, firstFailureAt: w.at, lastFailureAt: w.at };
}
