import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock.js';
import { clockedLruOptions } from '../clockedLru.js';

/** Options of a {@link MissCache}. */
export interface MissCacheOptions {
  /** Most (relay, soul) misses remembered; the least recently used is dropped first. */
  maxEntries: number;
  /** How long a miss is answered from memory, on the client's clock. */
  ttlMs: number;
  clock: Clock;
}

const SEP = '\u0000';

/**
 * Remembers which souls a relay answered "Not found" for, so a repeated read of a never-written
 * soul (3 s at the relay) is answered `null` from memory. Keyed by relay + soul, bounded (LRU),
 * expiring after `ttlMs`, no timers. It never hides a write made through the same client: a write
 * of a soul forgets its misses when it starts and when it ends, and a read that overlapped a
 * write of its soul does not remember its miss.
 */
export class MissCache {
  private readonly misses: LRUCache<string, true>;
  /** soul → write epoch of its latest write start or end (bounded like the misses). */
  private readonly writes: LRUCache<string, number>;
  private readonly relaysBySoul = new Map<string, Set<string>>();
  private epoch = 0;

  constructor(private readonly options: MissCacheOptions) {
    this.misses = new LRUCache<string, true>(
      clockedLruOptions<string, true>(options.clock, options.maxEntries, options.ttlMs, (_value, key) => this.untrack(key)),
    );
    this.writes = new LRUCache<string, number>({ max: options.maxEntries });
  }

  /** True when `relay` answered "Not found" for `soul` within the TTL and nothing wrote it since. */
  has(relay: string, soul: string): boolean {
    return this.misses.size > 0 && this.misses.get(relay + SEP + soul) === true;
  }

  /** A token to take before sending a read; pass it to {@link MissCache.remember}. */
  begin(): number {
    return this.epoch;
  }

  /** Remembers a miss, unless a write of `soul` started or ended since the read's token. */
  remember(relay: string, soul: string, token: number): void {
    // More writes than the write log holds since the token: be safe, remember nothing.
    if (this.epoch - token >= this.options.maxEntries) return;
    if ((this.writes.get(soul) ?? Number.NEGATIVE_INFINITY) > token) return;
    this.misses.set(relay + SEP + soul, true);
    let relays = this.relaysBySoul.get(soul);
    if (!relays) this.relaysBySoul.set(soul, (relays = new Set()));
    relays.add(relay);
  }

  /** A write of `soul` is starting or has ended (whatever its outcome): forget its misses on every relay. */
  written(soul: string): void {
    this.writes.set(soul, ++this.epoch);
    const relays = this.relaysBySoul.get(soul);
    if (!relays) return;
    for (const relay of [...relays]) this.misses.delete(relay + SEP + soul);
  }

  /** Misses remembered (expired ones may count until touched). */
  get size(): number {
    return this.misses.size;
  }

  /** Forgets everything. */
  clear(): void {
    this.misses.clear();
    this.relaysBySoul.clear();
  }

  private untrack(key: string): void {
    const at = key.indexOf(SEP);
    const relay = key.slice(0, at);
    const soul = key.slice(at + 1);
    const relays = this.relaysBySoul.get(soul);
    if (!relays) return;
    relays.delete(relay);
    if (relays.size === 0) this.relaysBySoul.delete(soul);
  }
}
