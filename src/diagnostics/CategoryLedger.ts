import type { CategorySummary } from './events.js';

/** The bucket that collects every category beyond `maxCategories`. */
export const OTHER_CATEGORY = 'other';

interface CategoryTotals {
  operations: number;
  errors: number;
  rssGrowthBytes: number;
  heapGrowthBytes: number;
}

/**
 * Per-category counters with a hard bound on the number of names: a label set that grows with
 * its input is itself a leak. The first `maxCategories` distinct names get their own entry;
 * later ones share {@link OTHER_CATEGORY}.
 */
export class CategoryLedger {
  private readonly totals = new Map<string, CategoryTotals>();
  /** Attached operations settled since the last sample, waiting for that interval's growth. */
  private pending = new Map<string, number>();

  constructor(private readonly maxCategories: number) {}

  /** The entry name `category` is counted under (itself, or `other` once the bound is reached). */
  resolve(category: string): string {
    if (this.totals.has(category)) return category;
    const named = this.totals.size - (this.totals.has(OTHER_CATEGORY) ? 1 : 0);
    return category !== OTHER_CATEGORY && named >= this.maxCategories ? OTHER_CATEGORY : category;
  }

  /** Counts one finished operation, with the growth measured across it (tracked calls). */
  record(category: string, failed: boolean, rssBytes = 0, heapBytes = 0): string {
    const name = this.resolve(category);
    const entry = this.entry(name);
    entry.operations += 1;
    if (failed) entry.errors += 1;
    entry.rssGrowthBytes += rssBytes;
    entry.heapGrowthBytes += heapBytes;
    return name;
  }

  /** Counts one attached operation whose growth is shared out at the next sample. */
  recordPending(category: string, failed: boolean): void {
    const name = this.record(category, failed);
    this.pending.set(name, (this.pending.get(name) ?? 0) + 1);
  }

  /**
   * Shares an interval's growth among the pending operations in proportion to their count, and
   * clears them. Returns false (and shares nothing) when no operation was pending.
   */
  sharePending(rssBytes: number, heapBytes: number): boolean {
    const pending = this.pending;
    this.pending = new Map();
    let total = 0;
    for (const count of pending.values()) total += count;
    if (total === 0) return false;
    for (const [name, count] of pending) {
      const entry = this.entry(name);
      entry.rssGrowthBytes += (rssBytes * count) / total;
      entry.heapGrowthBytes += (heapBytes * count) / total;
    }
    return true;
  }

  /** Forgets pending operations without sharing anything (no baseline reading to compare with). */
  dropPending(): void {
    this.pending.clear();
  }

  /** Every category, largest RSS growth first. */
  snapshot(): CategorySummary[] {
    return [...this.totals]
      .map(([category, t]) => ({
        category,
        operations: t.operations,
        rssGrowthBytes: t.rssGrowthBytes,
        heapGrowthBytes: t.heapGrowthBytes,
        errors: t.errors,
        bytesPerOperation: t.operations === 0 ? 0 : t.rssGrowthBytes / t.operations,
      }))
      .sort((a, b) => b.rssGrowthBytes - a.rssGrowthBytes || a.category.localeCompare(b.category));
  }

  private entry(name: string): CategoryTotals {
    let entry = this.totals.get(name);
    if (!entry) {
      entry = { operations: 0, errors: 0, rssGrowthBytes: 0, heapGrowthBytes: 0 };
      this.totals.set(name, entry);
    }
    return entry;
  }
}
