import type { GunRelayErrorCode, Operation } from '../errors.js';

/** What a relay's acceptance vouches for: a put for puts, a delete for deletes, any read (a list too) for reads. */
export type AttributionKind = 'put' | 'delete' | 'read';

/** A soul-level refusal waiting for evidence, as the client's ledger will count it. */
export interface HeldRefusal {
  /** The ledger operation (`put`, `delete`, `get`). */
  readonly op: Operation;
  readonly soul: string;
  /** The ledger key: the soul, or a put's write key. */
  readonly key: string;
  readonly code: GunRelayErrorCode;
  readonly status: number | undefined;
  /** Clock time the client saw the refusal. */
  readonly at: number;
}

/**
 * One relay's evidence for one kind of request. A refusal of a soul is held here until the same
 * relay accepts **another** soul's request of the same kind after it, within `windowMs` on the
 * client's clock: then it is handed back to be counted. A refusal no such acceptance follows is
 * dropped uncounted. Refusals of one ledger key between two acceptances are held as one (the
 * latest), so a relay that refuses everyone for a while adds at most one failure per key when
 * it recovers. At most `maxHeld` refusals are held; the oldest is dropped first.
 */
export class Attribution {
  /** By `op + '\0' + key`, oldest first. */
  private readonly held = new Map<string, HeldRefusal>();

  constructor(
    private readonly windowMs: number,
    private readonly maxHeld: number,
  ) {}

  /** Holds a refusal; true when the key already had one held (this one replaces it). */
  hold(refusal: HeldRefusal): boolean {
    const id = refusal.op + '\u0000' + refusal.key;
    const had = this.held.delete(id);
    this.held.set(id, refusal);
    if (this.held.size > this.maxHeld) this.held.delete(this.held.keys().next().value!);
    return had;
  }

  /**
   * The relay accepted a request of `soul` (`undefined`: a list, another soul for everyone).
   * Returns the held refusals of other souls it confirms, removed; expired ones are dropped.
   */
  accepted(soul: string | undefined, now: number): HeldRefusal[] | undefined {
    if (this.held.size === 0) return undefined;
    let confirmed: HeldRefusal[] | undefined;
    for (const [id, refusal] of this.held) {
      if (now - refusal.at > this.windowMs) this.held.delete(id);
      else if (refusal.soul !== soul) {
        (confirmed ??= []).push(refusal);
        this.held.delete(id);
      }
    }
    return confirmed;
  }

  /** Drops the refusal held for `op` and `key` (it succeeded, or was forgiven). */
  drop(op: string, key: string): void {
    if (this.held.size > 0) this.held.delete(op + '\u0000' + key);
  }

  /** Drops every refusal held for `soul` (`forgive`). */
  dropSoul(soul: string): void {
    for (const [id, refusal] of this.held) if (refusal.soul === soul) this.held.delete(id);
  }

  /** Refusals held now (expired ones are dropped first). */
  size(now: number): number {
    for (const [id, refusal] of this.held) {
      if (now - refusal.at <= this.windowMs) break;
      this.held.delete(id);
    }
    return this.held.size;
  }
}
