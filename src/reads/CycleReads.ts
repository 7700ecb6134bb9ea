import { LRUCache } from 'lru-cache';
import type { PoolResponse } from '../client/RelayPool.js';

const SEP = '\u0000';

/** Least memory a cycle's reads may hold: 64 Mi characters of answers. */
export const CYCLE_READS_MIN_CHARS = 64 * 1024 * 1024;

/**
 * What one sync cycle has read through one client: the answer text of each get it settled on
 * (after the read guard), so a later get of the same soul in the same cycle is decoded from it
 * instead of reading the relay again (a large index is read once per cycle, never back to back).
 * A write of the soul through the client forgets it. Bounded by the characters held (LRU); an
 * answer larger than the bound is not kept. Dropped when the cycle ends.
 */
export class CycleReads {
  private readonly answers: LRUCache<string, PoolResponse>;
  /** soul → epoch of its latest write in this cycle (a read sent before it must not be kept). */
  private readonly writes = new Map<string, number>();
  private epoch = 0;
  private closed = false;

  constructor(
    maxChars: number,
    private readonly onClose: (reads: CycleReads) => void,
  ) {
    this.answers = new LRUCache<string, PoolResponse>({
      maxSize: Math.max(CYCLE_READS_MIN_CHARS, maxChars),
      sizeCalculation: (r) => Math.max(1, r.text.length),
    });
  }

  /** The answer this cycle settled on for `soul` read from `target`, if it has one. */
  get(target: string, soul: string): PoolResponse | undefined {
    return this.closed ? undefined : this.answers.get(target + SEP + soul);
  }

  /** A token to take before sending a read; pass it to {@link CycleReads.set}. */
  begin(): number {
    return this.epoch;
  }

  /** Keeps the answer a read of `soul` from `target` settled on, unless `soul` was written since the read's `token`. */
  set(target: string, soul: string, response: PoolResponse, token: number): void {
    if (this.closed || (this.writes.get(soul) ?? -1) > token) return;
    this.answers.set(target + SEP + soul, response);
  }

  /** A write of `soul` started or ended: what was read of it is stale. */
  forget(soul: string): void {
    if (this.closed) return;
    this.writes.set(soul, ++this.epoch);
    for (const key of [...this.answers.keys()]) if (isKeyOfSoul(key, soul)) this.answers.delete(key);
  }

  /** The cycle ended: drop everything. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.answers.clear();
    this.writes.clear();
    this.onClose(this);
  }
}

/** True when `key` (`<prefix>\u0000<soul>`, the prefix free of `\u0000`) is about `soul`. */
export function isKeyOfSoul(key: string, soul: string): boolean {
  return key.length > soul.length && key.endsWith(soul) && key.indexOf(SEP) === key.length - soul.length - 1;
}
