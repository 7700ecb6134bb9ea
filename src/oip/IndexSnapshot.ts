import { systemClock, type Clock } from '../clock.js';
import type { RelayNode } from '../protocol/responses.js';
import { indexAdd, indexRemove, type IndexEntry, type RegistryIo } from './indexWrites.js';

/** Per-call options of the snapshot's reads and writes. */
export interface SnapshotCallOptions {
  signal?: AbortSignal | undefined;
  /** The client to go through this time instead of the one given at construction (e.g. a sync cycle's client). */
  via?: RegistryIo | undefined;
}

/** Options of an {@link IndexSnapshot}. */
export interface IndexSnapshotOptions {
  /** A found index is read again by `ensureFresh()` once it is older than this. Default 0: every time. */
  ttlMs?: number | undefined;
  /**
   * An index the relay did not have (a never-written soul costs the relay 3 s) is read again by
   * `ensureFresh()` only once it is older than this. Default `ttlMs`. Only for an index this
   * snapshot never found: a miss of one it found keeps its entries and is read again next time.
   */
  missingTtlMs?: number | undefined;
  /** Time source for the TTLs. */
  clock?: Clock | undefined;
}

/**
 * A registry index read once and answered locally: membership (`has`), entries and keys come
 * from the last read, never from a request. `refresh()` reads it again on demand; `ensureFresh()`
 * reads it only when the TTL has run out. Writes through `add`/`remove` are single-field puts and
 * update the snapshot, so a worker never re-reads an index to see its own writes.
 */
export class IndexSnapshot {
  private entries = new Map<string, unknown>();
  private found = false;
  private readAt: number | undefined;
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly missingTtlMs: number;

  constructor(
    private readonly io: RegistryIo,
    /** The index's soul, e.g. `registryIndexSoul('post')`. */
    readonly soul: string,
    options: IndexSnapshotOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.ttlMs = options.ttlMs ?? 0;
    this.missingTtlMs = options.missingTtlMs ?? this.ttlMs;
  }

  /** Creates a snapshot and reads the index once. */
  static async load(io: RegistryIo, soul: string, options: IndexSnapshotOptions & { signal?: AbortSignal } = {}): Promise<IndexSnapshot> {
    const snapshot = new IndexSnapshot(io, soul, options);
    await snapshot.refresh({ signal: options.signal });
    return snapshot;
  }

  /** Reads the index now (one `get`, links left as links) and replaces the snapshot. */
  async refresh(opts: SnapshotCallOptions = {}): Promise<this> {
    const node = await (opts.via ?? this.io).get(this.soul, { signal: opts.signal });
    this.replace(node);
    return this;
  }

  /** Reads the index if it was never read or its TTL ran out (`missingTtlMs` when it was absent). True when it read. */
  async ensureFresh(opts: SnapshotCallOptions = {}): Promise<boolean> {
    if (this.isFresh()) return false;
    await this.refresh(opts);
    return true;
  }

  /** True when the last read is younger than its TTL. */
  isFresh(): boolean {
    if (this.readAt === undefined) return false;
    return this.clock.now() - this.readAt < (this.found ? this.ttlMs : this.missingTtlMs);
  }

  /** True when the last read found the index (the relay had a live node for it). */
  get exists(): boolean {
    return this.found;
  }

  /** Whether `key` is a live entry. Local: no request. */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** The entry as read: a link `{"#": "<index>/<key>"}` for a nested entry, a scalar for a flag. Local. */
  entry(key: string): unknown {
    return this.entries.get(key);
  }

  /** The live keys. Local. */
  keys(): string[] {
    return [...this.entries.keys()];
  }

  /** Number of live entries. */
  get size(): number {
    return this.entries.size;
  }

  /** Adds `key` with a single-field put ({@link indexAdd}) and records it here. */
  async add(key: string, entry: IndexEntry, opts: SnapshotCallOptions = {}): Promise<{ outcome: string }> {
    const result = await indexAdd(opts.via ?? this.io, this.soul, key, entry, { signal: opts.signal });
    if (result.outcome === 'written') {
      this.entries.set(key, entry);
      this.found = true;
    }
    return result;
  }

  /** Removes `key` with a single-field tombstone ({@link indexRemove}) and forgets it here. */
  async remove(key: string, opts: SnapshotCallOptions = {}): Promise<{ outcome: string }> {
    const result = await indexRemove(opts.via ?? this.io, this.soul, key, { signal: opts.signal });
    if (result.outcome === 'written') this.entries.delete(key);
    return result;
  }

  private replace(node: RelayNode | null): void {
    if (node === null && this.found) {
      // The index was here: a miss now is more likely the relay's misread than a deleted index
      // (the client re-read it first). Keep the entries and make nothing fresh, so missingTtlMs
      // never holds it and the next ensureFresh() reads again.
      this.readAt = undefined;
      return;
    }
    const entries = new Map<string, unknown>();
    if (node) for (const key of Object.keys(node)) if (node[key] !== null && node[key] !== undefined) entries.set(key, node[key]);
    this.entries = entries;
    this.found = node !== null;
    this.readAt = this.clock.now();
  }
}
