import type { LeaseStore } from '../LeaseStore.js';
import { RedisKeys } from './keys.js';
import { LEASE_ACQUIRE, LEASE_EXTEND, LEASE_RELEASE, type LuaScript, type RedisConnection } from './scripts.js';

/** Options of a {@link RedisLeaseStore}. */
export interface RedisLeaseStoreOptions {
  /** The caller's ioredis connection (`Redis` or `Cluster`); the store never closes it. */
  redis: RedisConnection;
  /** Namespace of the lease keys (default `gun-relay`): lease `name` is the key `<prefix>:lease:<name>`. */
  prefix?: string;
  /** Longest wait for Redis per call, in ms (default 1,000); a call that takes longer answers `false`. */
  timeoutMs?: number;
}

/** Counters of a {@link RedisLeaseStore}. */
export interface RedisLeaseStoreStats {
  /** Calls that failed or timed out at Redis (answered `false`). */
  errors: number;
}

/**
 * The {@link LeaseStore} for a fleet: a lease is a Redis string holding its holder, with a PX expiry.
 * `acquire` is SET NX PX (or a PEXPIRE when the holder already holds it), `extend` and `release`
 * compare the holder before PEXPIRE or DEL, all in Lua, so a stale holder never extends or
 * releases someone else's lease. When Redis fails or is slower than `timeoutMs` the answer is
 * `false`: no holder can prove it holds the lease, so no cycle runs twice at once.
 */
export class RedisLeaseStore implements LeaseStore {
  /** The key layout in use. */
  readonly keys: RedisKeys;
  private readonly redis: RedisConnection;
  private readonly timeoutMs: number;
  private readonly counters: RedisLeaseStoreStats = { errors: 0 };

  constructor(options: RedisLeaseStoreOptions) {
    this.redis = options.redis;
    this.keys = new RedisKeys(options.prefix ?? 'gun-relay');
    this.timeoutMs = options.timeoutMs ?? 1_000;
  }

  /** Takes lease `name` for `holder` for `ttlMs` if free or already held by `holder`. True when held. */
  acquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return this.call(LEASE_ACQUIRE, name, [holder, Math.max(1, Math.ceil(ttlMs))]);
  }

  /** Extends the lease if `holder` still holds it; false when it was lost. */
  extend(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return this.call(LEASE_EXTEND, name, [holder, Math.max(1, Math.ceil(ttlMs))]);
  }

  /** Compare-and-delete: releases only if `holder` holds it. True when released. */
  release(name: string, holder: string): Promise<boolean> {
    return this.call(LEASE_RELEASE, name, [holder]);
  }

  /** The store's counters. */
  stats(): RedisLeaseStoreStats {
    return { ...this.counters };
  }

  private async call(script: LuaScript, name: string, args: Array<string | number>): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
      timer.unref();
    });
    try {
      const result = await Promise.race([script.run(this.redis, [this.keys.lease(name)], args), timeout]);
      if (result === 'timeout') {
        this.counters.errors++;
        return false;
      }
      return result === 1;
    } catch {
      this.counters.errors++;
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
