import { readReplaces } from '../../reads/monotoneMerge.js';

/** What an entry of an index holds; a registry entry's link is derived from the index soul and key. */
export const EntryKind = {
  /** `null`: the key was removed (kept, so a later short read cannot bring it back). */
  Tombstone: 0,
  /** `{"#": "<index soul>/<key>"}`: the nested entry `registerOIPRecord` writes. */
  Link: 1,
  True: 2,
  False: 3,
  /** Any other value, kept as its JSON text. */
  Other: 4,
} as const;
/** One of {@link EntryKind}'s values. */
export type EntryKind = (typeof EntryKind)[keyof typeof EntryKind];

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * The keys of one index and what each holds, packed: key bytes in one arena, one offset, one
 * kind byte and (only once an answer carried GUN states) one state per entry, and an
 * open-addressing hash table of entry numbers. About key length + 13 bytes per entry, against
 * ~160 for a `Map` of parsed link objects. Append-only: a removed key stays as a tombstone.
 * Changes go through the monotone-merge rule ({@link readReplaces}).
 */
export class CompactIndex {
  private arena = new Uint8Array(1024);
  private used = 0;
  private starts = new Uint32Array(64);
  private kinds = new Uint8Array(64);
  private states: Float64Array | undefined;
  private table = new Int32Array(128);
  private others: Map<number, string> | undefined;
  private count = 0;
  private live = 0;

  /** Entries live (not tombstoned). */
  get size(): number {
    return this.live;
  }

  /** Entries known, tombstones included. */
  get entries(): number {
    return this.count;
  }

  /** Bytes this index holds (arrays, table and kept JSON texts). */
  get retainedBytes(): number {
    let others = 0;
    if (this.others) for (const text of this.others.values()) others += 40 + text.length;
    return this.arena.byteLength + this.starts.byteLength + this.kinds.byteLength + this.table.byteLength + (this.states?.byteLength ?? 0) + others;
  }

  /** Entry number of `key`, or -1. */
  find(key: string): number {
    let h = FNV_OFFSET;
    const n = key.length;
    for (let i = 0; i < n; i++) {
      const c = key.charCodeAt(i);
      if (c >= 0x80) {
        const bytes = Buffer.from(key, 'utf8');
        return this.findBytes(bytes, 0, bytes.length);
      }
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    const mask = this.table.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const v = this.table[slot]!;
      if (v === 0) return -1;
      const e = v - 1;
      const start = this.starts[e]!;
      if (this.endOf(e) - start !== n) continue;
      let same = true;
      for (let i = 0; i < n; i++) {
        if (this.arena[start + i] !== key.charCodeAt(i)) {
          same = false;
          break;
        }
      }
      if (same) return e;
    }
  }

  /** Entry number of the key whose UTF-8 bytes are `buf[start, end)`, or -1. */
  findBytes(buf: Uint8Array, start: number, end: number): number {
    const slot = this.probe(buf, start, end, hashBytes(buf, start, end));
    const v = this.table[slot]!;
    return v === 0 ? -1 : v - 1;
  }

  /** What entry `e` holds. */
  kind(e: number): EntryKind {
    return this.kinds[e] as EntryKind;
  }

  /** The JSON text kept for an {@link EntryKind.Other} entry. */
  otherJson(e: number): string | undefined {
    return this.others?.get(e);
  }

  /** The key of entry `e`. */
  key(e: number): string {
    return Buffer.from(this.arena.buffer, this.arena.byteOffset + this.starts[e]!, this.endOf(e) - this.starts[e]!).toString('utf8');
  }

  /** Live entries' keys, one string at a time. */
  *liveKeys(): IterableIterator<string> {
    for (let e = 0; e < this.count; e++) if (this.kinds[e] !== EntryKind.Tombstone) yield this.key(e);
  }

  /**
   * Records what a read (or this process's write) showed for the key `buf[start, end)`: a new
   * key is added (tombstones too); a known one changes when {@link readReplaces} says so.
   * `json` is the value's text for {@link EntryKind.Other}. Returns the entry number.
   */
  applyBytes(buf: Uint8Array, start: number, end: number, kind: EntryKind, state?: number, json?: string): number {
    const slot = this.probe(buf, start, end, hashBytes(buf, start, end));
    const v = this.table[slot]!;
    if (v === 0) return this.append(buf, start, end, slot, kind, state, json);
    const e = v - 1;
    if (state !== undefined || this.states !== undefined) {
      const before = { live: this.kinds[e] !== EntryKind.Tombstone, state: this.state(e) };
      if (!readReplaces(before, { live: kind !== EntryKind.Tombstone, state })) return e;
    }
    this.set(e, kind, state, json);
    return e;
  }

  /** {@link CompactIndex.applyBytes} for a key given as a string. */
  apply(key: string, kind: EntryKind, state?: number, json?: string): number {
    const bytes = Buffer.from(key, 'utf8');
    return this.applyBytes(bytes, 0, bytes.length, kind, state, json);
  }

  /** GUN's state of entry `e`, when an answer carried one. */
  state(e: number): number | undefined {
    const state = this.states?.[e];
    return state === undefined || Number.isNaN(state) ? undefined : state;
  }

  /** Sets GUN's state of entry `e` (an answer's `_['>']`), without changing its value. */
  setState(e: number, state: number): void {
    this.stateArray()[e] = state;
  }

  /** Frees the spare capacity grown while loading (a copy of each array, once). */
  trim(): void {
    if (this.arena.length > this.used * 1.25 + 1024) this.arena = this.arena.slice(0, this.used);
    if (this.starts.length > this.count * 1.25 + 64) {
      this.starts = this.starts.slice(0, this.count);
      this.kinds = this.kinds.slice(0, this.count);
      if (this.states) this.states = this.states.slice(0, this.count);
    }
  }

  private set(e: number, kind: EntryKind, state: number | undefined, json: string | undefined): void {
    const wasLive = this.kinds[e] !== EntryKind.Tombstone;
    const isLive = kind !== EntryKind.Tombstone;
    this.live += (isLive ? 1 : 0) - (wasLive ? 1 : 0);
    this.kinds[e] = kind;
    if (kind === EntryKind.Other) (this.others ??= new Map()).set(e, json ?? 'null');
    else this.others?.delete(e);
    if (state !== undefined) this.stateArray()[e] = state;
  }

  private append(buf: Uint8Array, start: number, end: number, slot: number, kind: EntryKind, state: number | undefined, json: string | undefined): number {
    const e = this.count;
    const length = end - start;
    if (this.used + length > this.arena.length) this.arena = grow(this.arena, this.used + length);
    if (e >= this.starts.length) {
      this.starts = grow(this.starts, e + 1);
      this.kinds = grow(this.kinds, e + 1);
      if (this.states) this.states = growStates(this.states, e + 1);
    }
    this.arena.set(buf.subarray(start, end), this.used);
    this.starts[e] = this.used;
    this.used += length;
    this.kinds[e] = EntryKind.Tombstone;
    this.count++;
    this.table[slot] = e + 1;
    this.set(e, kind, state, json);
    if (this.count * 2 > this.table.length) this.rehash();
    return e;
  }

  /** The slot holding the key `buf[start, end)`, or the empty slot where it would go. */
  private probe(buf: Uint8Array, start: number, end: number, h: number): number {
    const mask = this.table.length - 1;
    const n = end - start;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const v = this.table[slot]!;
      if (v === 0) return slot;
      const e = v - 1;
      const at = this.starts[e]!;
      if (this.endOf(e) - at !== n) continue;
      let same = true;
      for (let i = 0; i < n; i++) {
        if (this.arena[at + i] !== buf[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return slot;
    }
  }

  private endOf(e: number): number {
    return e + 1 < this.count ? this.starts[e + 1]! : this.used;
  }

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2);
    const mask = table.length - 1;
    for (let e = 0; e < this.count; e++) {
      let slot = hashBytes(this.arena, this.starts[e]!, this.endOf(e)) & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = e + 1;
    }
    this.table = table;
  }

  private stateArray(): Float64Array {
    if (!this.states) this.states = new Float64Array(this.starts.length).fill(Number.NaN);
    return this.states;
  }
}

/** FNV-1a over bytes. */
function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, FNV_PRIME);
  return h;
}

function grow<T extends Uint8Array | Uint32Array>(array: T, needed: number): T {
  const next = new (array.constructor as new (n: number) => T)(Math.max(needed, Math.ceil(array.length * 1.5)));
  next.set(array);
  return next;
}

function growStates(array: Float64Array, needed: number): Float64Array {
  const next = new Float64Array(Math.max(needed, Math.ceil(array.length * 1.5))).fill(Number.NaN);
  next.set(array);
  return next;
}
