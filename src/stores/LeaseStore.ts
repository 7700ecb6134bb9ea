/** A granted lease: held by the caller until its TTL runs out unless extended. */
export interface LeaseGrant {
  granted: true;
  /**
   * The grant's fencing token: every grant of a lease gets a larger one than the grants before
   * it, so a consumer that can compare tokens can refuse a stale holder's late writes.
   */
  token: number;
}

/** A refused acquire. */
export interface LeaseRefusal {
  granted: false;
  /**
   * `held`: another holder's cycle runs. `resting`: the fleet's last cycle ended less than its
   * rest (the loop's interval) ago. `fenced`: the store lost its data (Redis restarted empty),
   * so it grants nothing until any lease granted before could have run out.
   */
  reason: 'held' | 'resting' | 'fenced';
  /** Who holds the lease or ran the last cycle, when the store knows. */
  holder?: string | undefined;
  /** When an acquire may succeed, as far as the store can tell (ms). */
  retryInMs?: number | undefined;
}

/** What `acquire` answers. */
export type LeaseAnswer = LeaseGrant | LeaseRefusal;

/**
 * Where sync workers agree who runs a job: a named lease held by one holder for a TTL. The
 * in-memory store serves one process; `gun-relay-client/redis` serves a fleet.
 */
export interface LeaseStore {
  /**
   * Takes lease `name` for `holder` for `ttlMs` if it is free (or already `holder`'s) and no
   * rest is running. A store written before 0.2 answers `true`/`false` (no token, no reason).
   * Rejects when the store cannot be reached: that is not "another holder has it".
   */
  acquire(name: string, holder: string, ttlMs: number): Promise<LeaseAnswer | boolean>;
  /** Extends the lease if `holder` still holds it; false when it was lost. */
  extend(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /**
   * Compare-and-delete: releases only if `holder` holds it. True when released. With `restMs`,
   * no holder (this one included) is granted the lease for that long: the fleet rests between
   * cycles as one loop would. A store written before 0.2 ignores `restMs`.
   */
  release(name: string, holder: string, restMs?: number): Promise<boolean>;
}

/** An answer of any store, old (`true`/`false`) or new, as a {@link LeaseAnswer}. */
export function leaseAnswerOf(answer: unknown): LeaseAnswer {
  if (answer === true) return { granted: true, token: 0 };
  if (typeof answer === 'object' && answer !== null && (answer as LeaseAnswer).granted === true) {
    const token = (answer as LeaseGrant).token;
    return { granted: true, token: Number.isSafeInteger(token) ? token : 0 };
  }
  if (typeof answer === 'object' && answer !== null && (answer as LeaseAnswer).granted === false) {
    const r = answer as LeaseRefusal;
    const reason = r.reason === 'resting' || r.reason === 'fenced' ? r.reason : 'held';
    const holder = typeof r.holder === 'string' ? r.holder.slice(0, 200).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?') : undefined;
    const retryInMs = typeof r.retryInMs === 'number' && Number.isFinite(r.retryInMs) && r.retryInMs >= 0 ? r.retryInMs : undefined;
    return { granted: false, reason, holder, retryInMs };
  }
  return { granted: false, reason: 'held' };
}
