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
import { RedisKeys } from './keys.js';
import { CLEAR, LIST_LIVE, RECORD_FAILURE, SEED, type RedisConnection } from './scripts.js';
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
}

/** A quarantine or clear as published on the channel (fields written by the Lua scripts). */
interface Change {
  t: 'q' | 'c';
  op: string;
  soul: string;
  src: string;
  f?: number;
  nw?: number;
  ttl?: number;
  c?: string;
  s?: string;
  r?: string;
  fa?: string;
  la?: string;
  why?: string;
}

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
  private readonly onMessage = (channel: string, text: string): void => {
    if (channel === this.keys.channel) this.onChange(text);
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
    const link: Link = { worker: n === 0 ? this.workerId : `${this.workerId}#${n}`, sink, config, queue, loads: 0 };
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

  /** Queues a resync ahead of every write; a failed one is tried again a second later while subscribed. */
  private scheduleResync(link: Link): void {
    link.queue.pushFirst((redis) =>
      this.resync(redis, link).catch((error: unknown) => {
        const retry = setTimeout(() => {
          if (this.subscribed && this.links.has(link)) this.scheduleResync(link);
        }, 1_000);
        retry.unref();
        throw error;
      }),
    );
  }

  private async recordFailure(redis: RedisConnection, link: Link, w: LedgerFailureWrite): Promise<void> {
    const { threshold, ttlMs } = link.config;
    const args = [this.keys.member(w.op, w.soul), w.op, w.soul, Math.round(w.at), ttlMs, threshold, this.quorum, link.worker, w.code, w.status ?? '', w.reason ?? '', this.keys.channel];
    const [failures, workers, quarantined] = (await RECORD_FAILURE.run(redis, [this.keys.entry(w.op, w.soul), this.keys.index], args)) as number[];
    // Our own publication is ignored on receipt; apply the fleet's count here instead.
    if (quarantined === 1) {
      link.sink.quarantine({ ...sharedOf(w), failures: failures ?? 0, workers: workers ?? 1, remainingMs: ttlMs });
    }
  }

  private async clear(redis: RedisConnection, link: Link, op: LedgerOperation, soul: string, reason: 'success' | 'forgive'): Promise<void> {
    await CLEAR.run(redis, [this.keys.entry(op, soul), this.keys.index], [this.keys.member(op, soul), op, soul, reason, link.worker, this.keys.channel]);
  }

  /** After (re)subscribing: reseed what this worker holds (Redis may have lost it), then load the fleet's. */
  private async resync(redis: RedisConnection, link: Link): Promise<void> {
    if (this.quorum === 1) {
      for (const e of link.sink.localQuarantine()) {
        if (e.remainingMs < 1) continue;
        const args = [this.keys.member(e.op, e.soul), e.op, e.soul, e.failures, Math.floor(e.remainingMs), e.lastCode, e.lastStatus ?? '', e.lastReason ?? ''];
        args.push(Math.round(e.firstFailureAt), Math.round(e.lastFailureAt), link.worker, this.keys.channel);
        await SEED.run(redis, [this.keys.entry(e.op, e.soul), this.keys.index], args);
      }
    }
    const members = (await LIST_LIVE.run(redis, [this.keys.index], [this.options.maxLoadedEntries ?? 10_000])) as string[];
    const pipeline = redis.pipeline();
    for (const m of members) pipeline.hgetall(this.keys.entryOf(m)).pttl(this.keys.entryOf(m));
    const replies = (await pipeline.exec()) ?? [];
    for (let i = 0; i + 1 < replies.length; i += 2) {
      const hash = replies[i]![1] as Record<string, string> | null;
      const pttl = replies[i + 1]![1] as number;
      if (hash === null || hash['q'] !== '1' || !hash['op'] || !hash['soul'] || typeof pttl !== 'number' || pttl <= 0) continue;
      link.sink.quarantine(entryOfHash(hash, pttl));
    }
    link.loads++;
  }

  private onChange(text: string): void {
    let change: Change;
    try {
      change = JSON.parse(text) as Change;
    } catch {
      return;
    }
    if (typeof change.op !== 'string' || typeof change.soul !== 'string' || change.op === '' || change.soul === '') return;
    for (const link of this.links) {
      if (change.src === link.worker) continue;
      if (change.t === 'q' && typeof change.f === 'number' && typeof change.ttl === 'number') {
        link.sink.quarantine({
          op: change.op,
          soul: change.soul,
          failures: change.f,
          workers: change.nw ?? 1,
          remainingMs: change.ttl,
          lastCode: change.c || 'SOUL_REJECTED',
          lastStatus: change.s ? Number(change.s) : undefined,
          lastReason: change.r || undefined,
          firstFailureAt: Number(change.fa) || 0,
          lastFailureAt: Number(change.la) || 0,
        });
      } else if (change.t === 'c') {
        link.sink.clear(change.op, change.soul, change.why === 'forgive' ? 'forgive' : 'success');
      }
    }
  }
}

function sharedOf(w: LedgerFailureWrite): Omit<SharedLedgerEntry, 'failures' | 'workers' | 'remainingMs'> {
  return { op: w.op, soul: w.soul, lastCode: w.code, lastStatus: w.status, lastReason: w.reason, firstFailureAt: w.at, lastFailureAt: w.at };
}

function entryOfHash(h: Record<string, string>, remainingMs: number): SharedLedgerEntry {
  return {
    op: h['op'] ?? '',
    soul: h['soul'] ?? '',
    failures: Number(h['f']) || 0,
    workers: Number(h['nw']) || 1,
    remainingMs,
    lastCode: h['c'] || 'SOUL_REJECTED',
    lastStatus: h['s'] ? Number(h['s']) : undefined,
    lastReason: h['r'] || undefined,
    firstFailureAt: Number(h['fa']) || 0,
    lastFailureAt: Number(h['la']) || 0,
  };
}
