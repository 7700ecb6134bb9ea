import { systemClock, type Clock } from '../clock.js';
import { GunRelayError } from '../errors.js';
import type { LeaseStore } from './LeaseStore.js';

interface Lease {
  holder: string;
  expiresAt: number;
}

/**
 * A {@link LeaseStore} in this process's memory, on an injected clock: leases expire when the
 * clock passes their TTL. Enough for several loops in one process and for tests; a fleet of
 * processes needs a shared store (`gun-relay-client/redis`).
 */
export class MemoryLeaseStore implements LeaseStore {
  private readonly leases = new Map<string, Lease>();
  private readonly clock: Clock;

  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock;
  }

  /** Takes the lease if it is free, expired, or already held by `holder` (then its TTL restarts). */
  async acquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    checkTtl(ttlMs);
    const current = this.live(name);
    if (current && current.holder !== holder) return false;
    this.leases.set(name, { holder, expiresAt: this.clock.now() + ttlMs });
    return true;
  }

  /** Restarts the TTL if `holder` still holds the lease; false when it expired or another took it. */
  async extend(name: string, holder: string, ttlMs: number): Promise<boolean> {
    checkTtl(ttlMs);
    const current = this.live(name);
    if (!current || current.holder !== holder) return false;
    current.expiresAt = this.clock.now() + ttlMs;
    return true;
  }

  /** Deletes the lease only if `holder` holds it. */
  async release(name: string, holder: string): Promise<boolean> {
    const current = this.live(name);
    if (!current || current.holder !== holder) return false;
    this.leases.delete(name);
    return true;
  }

  /** Who holds lease `name` now, if anyone (for tests and diagnostics). */
  holderOf(name: string): string | undefined {
    return this.live(name)?.holder;
  }

  private live(name: string): Lease | undefined {
    const lease = this.leases.get(name);
    if (lease && lease.expiresAt <= this.clock.now()) {
      this.leases.delete(name);
      return undefined;
    }
    return lease;
  }
}

function checkTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) {
    throw new GunRelayError('INVALID_INPUT', `lease: ttlMs must be a positive integer, got ${String(ttlMs)}`, { field: 'ttlMs' });
  }
}
