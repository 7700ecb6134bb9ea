import { systemClock, type Clock } from '../clock.js';
import { GunRelayError } from '../errors.js';
import type { LeaseAnswer, LeaseStore } from './LeaseStore.js';

interface Lease {
  holder: string;
  expiresAt: number;
}

/**
 * A {@link LeaseStore} in this process's memory, on an injected clock: leases expire when the
 * clock passes their TTL, rests when it passes theirs; fencing tokens count grants from 1.
 * Enough for several loops in one process and for tests; a fleet of processes needs a shared
 * store (`gun-relay-client/redis`).
 */
export class MemoryLeaseStore implements LeaseStore {
  private readonly leases = new Map<string, Lease>();
  private readonly rests = new Map<string, Lease>();
  private readonly clock: Clock;
  private tokens = 0;

  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock;
  }

  /** Takes the lease if it is free (or already `holder`'s, then its TTL restarts) and no rest runs. */
  async acquire(name: string, holder: string, ttlMs: number): Promise<LeaseAnswer> {
    checkTtl(ttlMs);
    const now = this.clock.now();
    const current = live(this.leases, name, now);
    if (current && current.holder !== holder) return { granted: false, reason: 'held', holder: current.holder, retryInMs: current.expiresAt - now };
    const rest = live(this.rests, name, now);
    if (rest) return { granted: false, reason: 'resting', holder: rest.holder, retryInMs: rest.expiresAt - now };
    this.leases.set(name, { holder, expiresAt: now + ttlMs });
    return { granted: true, token: ++this.tokens };
  }

  /** Restarts the TTL if `holder` still holds the lease; false when it expired or another took it. */
  async extend(name: string, holder: string, ttlMs: number): Promise<boolean> {
    checkTtl(ttlMs);
    const current = live(this.leases, name, this.clock.now());
    if (!current || current.holder !== holder) return false;
    current.expiresAt = this.clock.now() + ttlMs;
    return true;
  }

  /** Deletes the lease only if `holder` holds it; with `restMs`, nobody gets it for that long. */
  async release(name: string, holder: string, restMs?: number): Promise<boolean> {
    const now = this.clock.now();
    const current = live(this.leases, name, now);
    if (!current || current.holder !== holder) return false;
    this.leases.delete(name);
    if (restMs !== undefined && restMs > 0) this.rests.set(name, { holder, expiresAt: now + restMs });
    return true;
  }

  /** Who holds lease `name` now, if anyone (for tests and diagnostics). */
  holderOf(name: string): string | undefined {
    return live(this.leases, name, this.clock.now())?.holder;
  }
}

/** The entry of `name` unless it expired (then it is deleted). */
function live(map: Map<string, Lease>, name: string, now: number): Lease | undefined {
  const lease = map.get(name);
  if (lease && lease.expiresAt <= now) {
    map.delete(name);
    return undefined;
  }
  return lease;
}

function checkTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) {
    throw new GunRelayError('INVALID_INPUT', `lease: ttlMs must be a positive integer, got ${String(ttlMs)}`, { field: 'ttlMs' });
  }
}
