import type { Clock } from '../../clock.js';

/**
 * When each cached index is read again. An index's next read is due `ttlMs` after its last one,
 * shortened by up to `jitter` × `ttlMs`: evenly by position for a batch read together (so indexes
 * first read in one cycle do not all expire in the same later cycle), at random afterwards. A cycle
 * reads at most its budget of due indexes, those overdue longest first; the rest wait for the next.
 */
export class RefreshPlan {
  private readonly dueAt = new Map<string, number>();

  constructor(private readonly options: { clock: Clock; random: () => number; jitter: number }) {}

  /** True when `key` was never read (its first read is not subject to the budget). */
  isNew(key: string): boolean {
    return !this.dueAt.has(key);
  }

  /** True when `key` was read and its next read is due. */
  isDue(key: string): boolean {
    const at = this.dueAt.get(key);
    return at !== undefined && this.options.clock.now() >= at;
  }

  /** Of `keys`, the due ones to read this cycle: at most `budget`, overdue longest first. */
  choose(keys: Iterable<string>, budget: number): string[] {
    const due = [...keys].filter((k) => this.isDue(k));
    due.sort((a, b) => this.dueAt.get(a)! - this.dueAt.get(b)!);
    return due.slice(0, Math.max(0, budget));
  }

  /**
   * Records a read of `key` now: its next read is due after `ttlMs` less up to `jitter` of it.
   * `position` (`index` of `count` read together) spreads a batch evenly instead of at random.
   */
  read(key: string, ttlMs: number, position?: { index: number; count: number }): void {
    const u = position && position.count > 0 ? (position.index + 0.5) / position.count : this.options.random();
    this.dueAt.set(key, this.options.clock.now() + Math.round(ttlMs * (1 - this.options.jitter * Math.min(1, Math.max(0, u)))));
  }

  /** The clock time `key`'s next read is due, if it was read. */
  nextDue(key: string): number | undefined {
    return this.dueAt.get(key);
  }
}
