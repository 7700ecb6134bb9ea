import type { LedgerOperation } from '../../events.js';

/**
 * The Redis key layout of one namespace. Every ledger key carries the hash tag
 * `{<prefix>:ledger}`, so the entries, the index and the scripts touching both live in one
 * Redis Cluster slot.
 *
 * - `{<prefix>:ledger}:e:<op length>:<op>:<soul>` — a hash per entry, with its own TTL (PEXPIRE).
 * - `{<prefix>:ledger}:index` — a sorted set of entry members scored by expiry (Redis time, ms).
 * - `{<prefix>:ledger}:changes` — the pub/sub channel of quarantines and clears.
 * - `<prefix>:lease:<name>` — a lease: a string holding the holder, with a PX expiry.
 * - `{<prefix>:lease:<name>}:rest` — the rest after a cycle (the last holder, PX the rest), or
 *   `''` while the store fences grants after losing its data.
 * - `{<prefix>:lease:<name>}:fence` — the fencing-token counter of the lease (no expiry).
 *
 * The rest and fence keys hash to the lease key's Redis Cluster slot (its hash tag, or the whole
 * key when it has none), so one script touches all three.
 */
export class RedisKeys {
  private readonly tag: string;

  constructor(readonly prefix: string) {
    this.tag = `{${prefix}:ledger}`;
  }

  /** The index member of an entry: `<op length>:<op>:<soul>` (unambiguous for any op). */
  member(op: LedgerOperation, soul: string): string {
    return `${op.length}:${op}:${soul}`;
  }

  /** The hash of an entry. */
  entry(op: LedgerOperation, soul: string): string {
    return this.entryOf(this.member(op, soul));
  }

  /** The hash of an index member. */
  entryOf(member: string): string {
    return `${this.tag}:e:${member}`;
  }

  /** The sorted set listing entries by expiry. */
  get index(): string {
    return `${this.tag}:index`;
  }

  /** The channel quarantines and clears are published on. */
  get channel(): string {
    return `${this.tag}:changes`;
  }

  /** The key of lease `name`. */
  lease(name: string): string {
    return `${this.prefix}:lease:${name}`;
  }

  /** The rest key of lease `name`. */
  leaseRest(name: string): string {
    return `{${slotTag(this.lease(name))}}:rest`;
  }

  /** The fencing-token counter of lease `name`. */
  leaseFence(name: string): string {
    return `{${slotTag(this.lease(name))}}:fence`;
  }
}

/** What Redis Cluster hashes of `key`: the content of its first non-empty `{…}`, else the whole key. */
function slotTag(key: string): string {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}
