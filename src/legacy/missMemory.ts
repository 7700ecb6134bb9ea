import type { Clock } from '../clock.js';

/** How old a remembered miss must be before a sweep drops it, and how often sweeps fall (the old module's hour). */
export const LEGACY_MISS_MAX_AGE_MS = 60 * 60 * 1000;
/** Most misses one instance remembers; the oldest is dropped first (as the old module's 404 cache). */
export const LEGACY_MISS_MAX_ENTRIES = 10_000;

/** Options of a {@link LegacyMissMemory}. */
export interface LegacyMissMemoryOptions {
  clock: Pick<Clock, 'now'>;
  /** A miss is dropped at the first sweep that finds it older than this; sweeps fall this far apart. */
  maxAgeMs?: number;
  maxEntries?: number;
}

/**
 * One GunHelper instance's memory of souls the relay answered "Not found" for, with the lifetime
 * helpers/gun.js's 404 cache had: sweeps fall every `maxAgeMs` from the instance's creation and
 * drop the misses older than `maxAgeMs`, so a miss is answered from memory for one to two sweeps.
 * Sweeps are computed when the memory is used (no timer runs); at most `maxEntries` are kept.
 */
export class LegacyMissMemory {
  private readonly misses = new Map<string, number>();
  private readonly clock: Pick<Clock, 'now'>;
  private readonly maxAgeMs: number;
  private readonly maxEntries: number;
  private readonly origin: number;
  private lastSweep: number;

  constructor(options: LegacyMissMemoryOptions) {
    this.clock = options.clock;
    this.maxAgeMs = options.maxAgeMs ?? LEGACY_MISS_MAX_AGE_MS;
    this.maxEntries = options.maxEntries ?? LEGACY_MISS_MAX_ENTRIES;
    this.origin = this.clock.now();
    this.lastSweep = this.origin;
  }

  /** True when `soul` is remembered missing (after any sweep that has fallen since the last use). */
  has(soul: string): boolean {
    this.sweep();
    return this.misses.has(soul);
  }

  /** Remembers that the relay answered `soul` "Not found" now. */
  remember(soul: string): void {
    this.sweep();
    this.misses.set(soul, this.clock.now());
    if (this.misses.size > this.maxEntries) {
      const oldest = this.misses.keys().next();
      if (!oldest.done) this.misses.delete(oldest.value);
    }
  }

  /** Forgets `soul` (with `forgetMissesOnWrite`, after this instance writes it). */
  forget(soul: string): void {
    this.misses.delete(soul);
  }

  /** Misses remembered now. */
  get size(): number {
    this.sweep();
    return this.misses.size;
  }

  /** Runs the latest sweep that has fallen since the last one (an entry old at an earlier sweep is old at this one too). */
  private sweep(): void {
    const now = this.clock.now();
    const due = this.origin + Math.floor((now - this.origin) / this.maxAgeMs) * this.maxAgeMs;
    if (due <= this.lastSweep) return;
    this.lastSweep = due;
    for (const [soul, at] of this.misses) if (due - at > this.maxAgeMs) this.misses.delete(soul);
  }
}
