import type { LRUCache } from 'lru-cache';
import type { Clock } from './clock.js';

/**
 * lru-cache options for a bounded cache whose TTL runs on an injected {@link Clock}: no timers
 * (`ttlAutopurge: false`, exact `ttlResolution: 0`), an entry's age is not renewed by reads, and
 * an expired entry is never returned. Used by the failure ledger and the miss cache.
 */
export function clockedLruOptions<K extends {}, V extends {}>(
  clock: Clock,
  maxEntries: number,
  ttlMs: number,
  dispose?: LRUCache.Disposer<K, V>,
): LRUCache.Options<K, V, unknown> {
  return {
    max: maxEntries,
    ttl: ttlMs,
    ttlResolution: 0,
    ttlAutopurge: false,
    updateAgeOnGet: false,
    allowStale: false,
    // lru-cache treats a start time of 0 as "no TTL"; keep clock readings positive.
    perf: { now: () => clock.now() + 1 },
    ...(dispose ? { dispose } : {}),
  };
}
