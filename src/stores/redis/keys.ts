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
}
