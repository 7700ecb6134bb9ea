/**
 * Where sync workers agree who runs a job: a named lease held by one holder for a TTL. The
 * in-memory store serves one process; `gun-relay-client/redis` serves a fleet.
 */
export interface LeaseStore {
  /** Takes lease `name` for `holder` for `ttlMs` if free or already held by `holder`. True when held. */
  acquire(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Extends the lease if `holder` still holds it; false when it was lost. */
  extend(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Compare-and-delete: releases only if `holder` holds it. True when released. */
  release(name: string, holder: string): Promise<boolean>;
}
