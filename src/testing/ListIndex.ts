import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isPlainObject } from '../protocol/safeJson.js';
import type { GunHost } from './GunHost.js';

/** One row of `GET /list`: the soul, its data, its record type and when it was stored. */
export interface ListEntry {
  /** The record's soul, `<publisherHash>:...`. */
  soul: string;
  /** The node as sent (merged over earlier puts), or after a restart the raw gun node. */
  data: unknown;
  /** Top-level `recordType` of the data, else `null` (always `null` for OIP records). */
  recordType: string | null;
  /** `Date.now()` of the last accepted put (or of the restart). */
  storedAt: number;
}

/**
 * The relay's per-publisher index behind `GET /list` (prefix = soul part before the first `:`).
 * Kept beside gun's data (not inside it) and written to disk when the relay closes with its data.
 */
export class ListIndex {
  private readonly byPrefix = new Map<string, Map<string, ListEntry>>();

  /** The index prefix of a soul, or `null` for souls without `:` (never listed). */
  static prefixOf(soul: unknown): string | null {
    if (typeof soul !== 'string') return null;
    const colon = soul.indexOf(':');
    return colon > 0 ? soul.slice(0, colon) : null;
  }

  /** Every entry, in insertion order. */
  entries(): ListEntry[] {
    return [...this.byPrefix.values()].flatMap((m) => [...m.values()]);
  }

  /**
   * Records an accepted put. `data` keeps the node as sent, merged key by key over earlier puts,
   * so a tombstoned soul stays listed with null fields (as the production relay does).
   * `recordType` is the top-level `recordType` of the data, which OIP records never have: that is
   * why the production relay's `recordType` filter never matches current records.
   */
  record(soul: string, data: Record<string, unknown>, storedAt: number): void {
    const prefix = ListIndex.prefixOf(soul);
    if (prefix === null) return;
    let bucket = this.byPrefix.get(prefix);
    if (!bucket) this.byPrefix.set(prefix, (bucket = new Map()));
    const previous = bucket.get(soul);
    const merged = { ...(isPlainObject(previous?.data) ? previous.data : {}), ...data };
    const recordType = typeof merged.recordType === 'string' ? merged.recordType : null;
    bucket.set(soul, { soul, data: merged, recordType, storedAt });
  }

  /** Restores an entry as loaded from disk (or rebuilt after a restart). */
  restore(entry: ListEntry): void {
    const prefix = ListIndex.prefixOf(entry.soul);
    if (prefix === null) return;
    let bucket = this.byPrefix.get(prefix);
    if (!bucket) this.byPrefix.set(prefix, (bucket = new Map()));
    bucket.set(entry.soul, entry);
  }

  /** A page of one publisher's entries, optionally filtered by `recordType`. */
  list(prefix: string, page: { limit: number; offset: number; recordType?: string }): ListEntry[] {
    let rows = [...(this.byPrefix.get(prefix)?.values() ?? [])];
    if (page.recordType !== undefined) rows = rows.filter((r) => r.recordType === page.recordType);
    return rows.slice(page.offset, page.offset + page.limit);
  }

  /** Writes the index atomically (temp file + rename). */
  save(file: string): void {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, entries: this.entries() }));
    renameSync(tmp, file);
  }

  /** Reads a saved index; an absent or unreadable file is an empty index. */
  /**
   * The index a restarted relay starts with, from the file saved at close. `'gun-node'` (as
   * production): rows hold the raw gun node read back (`_` metadata, links) and `storedAt` is the
   * restart time. `'as-sent'`: the rows as saved.
   */
  static async rebuild(host: GunHost, file: string, mode: 'gun-node' | 'as-sent'): Promise<ListIndex> {
    const index = new ListIndex();
    const saved = ListIndex.load(file);
    if (mode === 'as-sent') {
      for (const entry of saved) index.restore(entry);
      return index;
    }
    const restartedAt = Date.now();
    // 128 reads in flight: one by one, a relay with 2,000 souls took minutes to come back.
    const nodes = new Array<unknown>(saved.length);
    let next = 0;
    const reader = async (): Promise<void> => {
      for (let i = next++; i < saved.length; i = next++) nodes[i] = (await host.get(saved[i]!.soul, 5_000)) ?? null;
    };
    await Promise.all(Array.from({ length: Math.min(128, saved.length) }, reader));
    saved.forEach((entry, i) => index.restore({ ...entry, data: nodes[i] as ListEntry['data'], storedAt: restartedAt }));
    return index;
  }

  static load(file: string): ListEntry[] {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      return [];
    }
    const entries = isPlainObject(parsed) && Array.isArray(parsed.entries) ? parsed.entries : [];
    return entries.filter(
      (e): e is ListEntry => isPlainObject(e) && typeof e.soul === 'string',
    );
  }
}
