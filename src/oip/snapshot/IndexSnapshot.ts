import { systemClock, type Clock } from '../../clock.js';
import { isGunRelayError } from '../../errors.js';
import { isPlainObject } from '../../protocol/safeJson.js';
import { crossLinkTarget } from '../../protocol/crossLinks.js';
import type { RelayNode } from '../../protocol/responses.js';
import { indexAdd, indexRemove, type IndexEntry, type RegistryIo } from '../indexWrites.js';
import { CompactIndex, EntryKind } from './CompactIndex.js';
import { GetBodyParser } from './GetBodyParser.js';
import { IndexLoader } from './IndexLoader.js';

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
  /**
   * Largest key or value of one entry a read holds, in bytes (default 16 MiB): a longer one fails
   * the read with `RESPONSE_TOO_LARGE`, so a hostile answer costs bounded memory. Registry entries
   * are links and flags of under a hundred bytes.
   */
  maxValueBytes?: number | undefined;
}

/**
 * A registry index read and answered locally: membership (`has`), entries and keys come from
 * what reads showed, never from a request. The answer is parsed as it streams in (through the
 * client's `streamGet`) into a compact store of keys and kinds, so an index of a million entries
 * costs tens of bytes each and no copy of the body. Reads merge monotonically: a key leaves only
 * by a tombstone (or a newer GUN state), never because a read came back short or missed; an
 * index once found stays found. `add`/`remove` are single-field puts that update the snapshot.
 */
export class IndexSnapshot {
  private index = new CompactIndex();
  private found = false;
  private readAt: number | undefined;
  private lastFound = false;
  private reading: { io: RegistryIo; done: Promise<void> } | undefined;
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly missingTtlMs: number;
  private readonly maxValueBytes: number | undefined;

  constructor(
    private readonly io: RegistryIo,
    /** The index's soul, e.g. `registryIndexSoul('post')`. */
    readonly soul: string,
    options: IndexSnapshotOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.ttlMs = options.ttlMs ?? 0;
    this.missingTtlMs = options.missingTtlMs ?? this.ttlMs;
    this.maxValueBytes = options.maxValueBytes;
  }

  /** Creates a snapshot and reads the index once. */
  static async load(io: RegistryIo, soul: string, options: IndexSnapshotOptions & { signal?: AbortSignal } = {}): Promise<IndexSnapshot> {
    const snapshot = new IndexSnapshot(io, soul, options);
    await snapshot.refresh({ signal: options.signal });
    return snapshot;
  }

  /**
   * Reads the index now and merges the answer in. A refresh through the same client while one
   * is in flight joins it: one read, never two back to back.
   */
  async refresh(opts: SnapshotCallOptions = {}): Promise<this> {
    const io = opts.via ?? this.io;
    if (this.reading?.io === io) {
      await this.reading.done;
      return this;
    }
    const done = this.read(io, opts.signal);
    const reading = { io, done };
    this.reading = reading;
    try {
      await done;
    } finally {
      if (this.reading === reading) this.reading = undefined;
    }
    return this;
  }

  /** Reads the index if it was never read or its TTL ran out (`missingTtlMs` when the last read missed). True when it read. */
  async ensureFresh(opts: SnapshotCallOptions = {}): Promise<boolean> {
    if (this.isFresh()) return false;
    await this.refresh(opts);
    return true;
  }

  /** True when the last read is younger than its TTL. */
  isFresh(): boolean {
    if (this.readAt === undefined) return false;
    return this.clock.now() - this.readAt < (this.lastFound ? this.ttlMs : this.missingTtlMs);
  }

  /** True once a read found the index (the relay had a live node for it), or this snapshot wrote to it. */
  get exists(): boolean {
    return this.found;
  }

  /** Whether `key` is a live entry. Local: no request. */
  has(key: string): boolean {
    const e = this.index.find(key);
    return e >= 0 && this.index.kind(e) !== EntryKind.Tombstone;
  }

  /** Whether `key` is known removed (a tombstone read or written). Local. */
  isRemoved(key: string): boolean {
    const e = this.index.find(key);
    return e >= 0 && this.index.kind(e) === EntryKind.Tombstone;
  }

  /** The entry as read: a link `{"#": "<index>/<key>"}` for a nested entry, a scalar for a flag. Local. */
  entry(key: string): unknown {
    const e = this.index.find(key);
    if (e < 0) return undefined;
    switch (this.index.kind(e)) {
      case EntryKind.Link:
        return { '#': `${this.soul}/${key}` };
      case EntryKind.True:
        return true;
      case EntryKind.False:
        return false;
      case EntryKind.Other:
        return JSON.parse(this.index.otherJson(e) ?? 'null') as unknown;
      default:
        return undefined;
    }
  }

  /** The live keys (an array made on each call; iterate {@link IndexSnapshot.liveKeys} to avoid it). Local. */
  keys(): string[] {
    return [...this.index.liveKeys()];
  }

  /** The live keys, one at a time. Local. */
  liveKeys(): IterableIterator<string> {
    return this.index.liveKeys();
  }

  /** Number of live entries. */
  get size(): number {
    return this.index.size;
  }

  /** Bytes the snapshot keeps for its entries (for memory budgets and the benchmarks). */
  get retainedBytes(): number {
    return this.index.retainedBytes;
  }

  /** Adds `key` with a single-field put ({@link indexAdd}) and records it here. */
  async add(key: string, entry: IndexEntry, opts: SnapshotCallOptions = {}): Promise<{ outcome: string }> {
    const result = await indexAdd(opts.via ?? this.io, this.soul, key, entry, { signal: opts.signal });
    if (result.outcome === 'written') {
      this.index.apply(key, entry === true ? EntryKind.True : EntryKind.Link);
      this.found = true;
    }
    return result;
  }

  /** Removes `key` with a single-field tombstone ({@link indexRemove}) and records the tombstone here. */
  async remove(key: string, opts: SnapshotCallOptions = {}): Promise<{ outcome: string }> {
    const result = await indexRemove(opts.via ?? this.io, this.soul, key, { signal: opts.signal });
    if (result.outcome === 'written') this.index.apply(key, EntryKind.Tombstone);
    return result;
  }

  private async read(io: RegistryIo, signal: AbortSignal | undefined): Promise<void> {
    try {
      await this.readOnce(io, signal);
    } catch (error) {
      // The relay kept answering "Not found" for an index this client saw (UNCONFIRMED_MISS): keep
      // the entries, and make nothing fresh, so the next ensureFresh() reads again.
      if (isGunRelayError(error) && error.code === 'UNCONFIRMED_MISS') this.readAt = undefined;
      throw error;
    }
  }

  private async readOnce(io: RegistryIo, signal: AbortSignal | undefined): Promise<void> {
    let found: boolean;
    if (io.streamGet) {
      // Entries are staged and merged only once the whole answer was accepted: a failed read
      // (a success: false after the data, a body that broke off) leaves the snapshot as it was.
      const loader = new IndexLoader(this.soul);
      const parser = new GetBodyParser(loader, { op: 'get', soul: this.soul, maxValueBytes: this.maxValueBytes, maxValueOption: 'IndexSnapshot option maxValueBytes' });
      const result = await io.streamGet(this.soul, parser, { signal });
      found = result.outcome === 'found';
      if (found) this.index = loader.commit(this.index);
    } else {
      const node = await io.get(this.soul, { signal });
      if (node) this.mergeNode(node);
      found = node !== null;
    }
    this.index.trim();
    if (!found && this.found) {
      // The index was here: a miss now is more likely the relay's misread than a deleted index.
      // Keep the entries and make nothing fresh, so missingTtlMs never holds it and the next
      // ensureFresh() reads again.
      this.readAt = undefined;
      return;
    }
    this.found ||= found;
    this.lastFound = found;
    this.readAt = this.clock.now();
  }

  /** Merges a node read with `get` (a client without `streamGet`); a cross-linked key is never an entry. */
  private mergeNode(node: RelayNode): void {
    for (const key of Object.keys(node)) {
      const value = node[key];
      if (value === undefined || crossLinkTarget(this.soul, key, value) !== undefined) continue;
      const link = isPlainObject(value) && Object.keys(value).length === 1 && value['#'] === `${this.soul}/${key}`;
      const kind = value === null ? EntryKind.Tombstone : value === true ? EntryKind.True : value === false ? EntryKind.False : link ? EntryKind.Link : EntryKind.Other;
      this.index.apply(key, kind, undefined, kind === EntryKind.Other ? JSON.stringify(value) : undefined);
    }
  }
}
