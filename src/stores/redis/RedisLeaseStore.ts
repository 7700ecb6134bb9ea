import type { LeaseAnswer, LeaseStore } from '../LeaseStore.js';
import { RedisKeys } from './keys.js';
import { LEASE_ACQUIRE, LEASE_EXTEND, LEASE_RELEASE, type LuaScript, type RedisConnection } from './scripts.js';

/** Options of a {@link RedisLeaseStore}. */
export interface RedisLeaseStoreOptions {
  /** The caller's ioredis connection (`Redis` or `Cluster`); the store never closes it. */
  redis: RedisConnection;
  /** Namespace of the lease keys (default `gun-relay`): lease `name` is the key `<prefix>:lease:<name>`. */
  prefix?: string;
  /** Longest wait for Redis per call, in ms (default 1,000); an `acquire` that takes longer rejects, an `extend` or `release` answers `false`. */
  timeoutMs?: number;
}

/** Counters of a {@link RedisLeaseStore}. */
export interface RedisLeaseStoreStats {
  /** Calls that failed or timed out at Redis (`acquire` rejected, `extend`/`release` answered `false`). */
  errors: number;
}

/**
 * The {@link LeaseStore} for a fleet: a lease is a Redis string holding its holder, with a PX
 * expiry. `acquire` is SET NX PX (or a PEXPIRE when the holder already holds it) and INCRs the
 * lease's fencing token; `extend` and `release` compare the holder before PEXPIRE or DEL, all in
 * Lua, so a stale holder never extends or releases someone else's lease. A release with a rest
 * keeps every holder out for that long. When the store finds its data lost (Redis restarted
 * empty) it grants nothing for one TTL, so a holder granted before has run out (see docs/fleet.md).
 * When Redis fails or is slower than `timeoutMs`, `acquire` rejects (the store is unreachable:
 * nobody can be granted the lease) and `extend` answers `false` (the cycle must stop).
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

  /**
   * Takes lease `name` for `holder` for `ttlMs` if free (or already `holder`'s) and no rest runs:
   * the grant with its fencing token, or why not. Rejects when Redis fails or does not answer in time.
   */
  async acquire(name: string, holder: string, ttlMs: number): Promise<LeaseAnswer> {
    const keys = [this.keys.lease(name), this.keys.leaseRest(name), this.keys.leaseFence(name)];
    const answer = await this.call(LEASE_ACQUIRE, keys, [holder, ttl(ttlMs)]);
    if (answer === undefined) throw new Error(`lease store unreachable: Redis did not answer acquire of ${name} within ${this.timeoutMs} ms`);
    if (answer instanceof Error) throw new Error(`lease store unreachable: ${answer.message.slice(0, 200)}`);
    const [granted, second, who, pttl] = answer as [number, number | string, string?, number?];
    if (granted === 1) return { granted: true, token: Number(second) };
    const reason = second === 'resting' || second === 'fenced' ? second : 'held';
    return { granted: false, reason, holder: who || undefined, retryInMs: typeof pttl === 'number' && pttl >= 0 ? pttl : undefined };
  }

  /** Extends the lease if `holder` still holds it; false when it was lost or Redis failed. */
  async extend(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return (await this.call(LEASE_EXTEND, [this.keys.lease(name)], [holder, ttl(ttlMs)])) === 1;
  }

  /** Compare-and-delete: releases only if `holder` holds it (then rests `restMs`, if given). True when released. */
  async release(name: string, holder: string, restMs = 0): Promise<boolean> {
    const rest = Number.isFinite(restMs) && restMs >= 1 ? Math.ceil(restMs) : 0;
    return (await this.call(LEASE_RELEASE, [this.keys.lease(name), this.keys.leaseRest(name)], [holder, rest])) === 1;
  }

  /** The store's counters. */
  stats(): RedisLeaseStoreStats {
    return { ...this.counters };
  }

  /** The script's answer; `undefined` when Redis did not answer in time, the error when it failed. */
  private async call(script: LuaScript, keys: string[], args: Array<string | number>): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.timeoutMs);
      timer.unref();
    });
    try {
      const result = await Promise.race([script.run(this.redis, keys, args), timeout]);
      if (result === undefined) this.counters.errors++;
      return result;
    } catch (error) {
      this.counters.errors++;
      return error instanceof Error ? error : new Error(String(error));
    } finally {
      clearTimeout(timer);
    }
  }
}

function ttl(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs));
}
