import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock.js';
import { clockedLruOptions } from '../clockedLru.js';
import type { RelayNode } from '../protocol/responses.js';

const SEP = '\u0000';

interface Expectation {
  /** Fewest live keys the node must have. */
  keys: number;
  /** Guard epoch at which this was learnt. */
  since: number;
}

/** Options of a {@link ReadGuard} (the client's `readGuard` option). */
export interface ReadGuardOptions {
  /** Re-reads of one suspect answer before it is believed. */
  rereads: number;
  /** Pause before each re-read, on the client's clock (the relay answers reads 500 ms apart whole). */
  rereadDelayMs: number;
  /** How long a soul seen present, or written, is remembered. */
  rememberMs: number;
  /** Most souls remembered; the least recently used is dropped first. */
  maxSouls: number;
  clock: Clock;
}

/** Why an answer is not believed at once: the soul was expected present, or with more keys. */
export interface Suspicion {
  reason: 'miss' | 'short';
  /** Live keys in the answer (0 for a miss). */
  keys: number;
  /** Fewest live keys this client expects the node to have. */
  expectedKeys: number;
}

/** Keys of `node` with a value (the relay drops tombstoned keys; a proxy may not). */
export function liveKeyCount(node: RelayNode | null): number {
  if (node === null) return 0;
  let n = 0;
  for (const key in node) if (node[key] !== null && node[key] !== undefined) n++;
  return n;
}

/**
 * The read path's memory of what this client knows is there: for each soul it saw present on a
 * relay, or wrote there, recently, the fewest live keys its node must have. A relay can misread (a quick false 404,
 * or a node with part of its keys, when a freshly written node is read back to back), so an answer
 * with fewer keys than that is a {@link Suspicion}: the reader pauses and reads again before it
 * returns, caches or uses it. Bounded (LRU) and expiring on the client's clock, no timers.
 */
export class ReadGuard {
  /** relay + soul → fewest live keys expected, and the epoch at which that was learnt. */
  private readonly expected: LRUCache<string, Expectation>;
  private epoch = 0;

  constructor(readonly options: ReadGuardOptions) {
    this.expected = new LRUCache<string, Expectation>(clockedLruOptions<string, Expectation>(options.clock, options.maxSouls, options.rememberMs));
  }

  /** A token to take before sending a read; pass it to {@link ReadGuard.judge}. */
  begin(): number {
    return this.epoch;
  }

  /** True when `soul` is expected present on `relay`: a miss of it must not be remembered as absence. */
  expects(relay: string, soul: string): boolean {
    return this.expected.size > 0 && this.expected.has(relay + SEP + soul);
  }

  /**
   * Why `node`, read for `soul` from `relay` with a read sent at `token`, is not to be believed
   * yet; `undefined` when it is. What was learnt after the read was sent (a write that landed
   * while it was on the wire) does not count against it.
   */
  judge(relay: string, soul: string, node: RelayNode | null, token: number): Suspicion | undefined {
    if (this.expected.size === 0) return undefined;
    const expectation = this.expected.get(relay + SEP + soul);
    if (expectation === undefined || expectation.since > token) return undefined;
    const keys = liveKeyCount(node);
    if (keys >= expectation.keys) return undefined;
    return { reason: node === null ? 'miss' : 'short', keys, expectedKeys: expectation.keys };
  }

  /**
   * The answer a read settled on. A whole node (or a short one the re-reads agreed on) sets what
   * is expected next; a miss the re-reads agreed on changes nothing, so the soul's next miss
   * is still re-read (and never cached) until the memory of it expires.
   */
  settled(relay: string, soul: string, node: RelayNode | null): void {
    if (node === null) return;
    const keys = liveKeyCount(node);
    if (keys > 0) this.expected.set(relay + SEP + soul, { keys, since: ++this.epoch });
  }

  /**
   * `soul` was found on `relay` by a read whose keys were not counted (a streamed read): it is
   * expected present (a miss is suspect), with at least the keys already expected.
   */
  present(relay: string, soul: string): void {
    const key = relay + SEP + soul;
    this.expected.set(key, { keys: Math.max(1, this.expected.get(key)?.keys ?? 0), since: ++this.epoch });
  }

  /**
   * A write of `soul` landed with `live` keys set and `tombstones` keys nulled: the node has at
   * least the keys it set, and at most `tombstones` fewer of those seen before. When that leaves
   * nothing (a delete), the soul is forgotten: a miss of it is expected.
   */
  wrote(relay: string, soul: string, live: number, tombstones: number): void {
    const key = relay + SEP + soul;
    const before = this.expected.get(key)?.keys ?? 0;
    const keys = Math.max(live, before - tombstones);
    if (keys > 0) this.expected.set(key, { keys, since: ++this.epoch });
    else this.expected.delete(key);
  }

  /** Souls remembered (expired ones may count until touched). */
  get size(): number {
    return this.expected.size;
  }
}
