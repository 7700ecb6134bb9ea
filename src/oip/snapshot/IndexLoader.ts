import { GunRelayError } from '../../errors.js';
import { isForbiddenKey, isPlainObject, parseScannedJson } from '../../protocol/safeJson.js';
import { CompactIndex, EntryKind } from './CompactIndex.js';
import type { FieldVisitor, RawField } from './GetBodyParser.js';

/**
 * Turns the fields of an index answer into {@link CompactIndex} entries as they stream in, into
 * a staging index of its own: nothing of an answer reaches the snapshot until the whole answer
 * was accepted ({@link IndexLoader.commit}), so a read that fails (a `success: false` after the
 * data, a body that breaks off, a retried attempt) leaves the snapshot as it was.
 * The common entry, the link `{"#":"<index soul>/<key>"}`, is recognised by the parser comparing
 * bytes (`RawField.ownLink`): no string or object is made for it; cross-linked keys never get here. Other values are parsed (bounded, as every relay JSON)
 * and kept by kind. GUN's `_` field, when an answer carries one, gives the states of its
 * fields (used for the merge when it comes first, as GUN writes it; recorded when it comes later).
 */
export class IndexLoader implements FieldVisitor {
  /** The current attempt's entries. */
  private index = new CompactIndex();
  private states: Map<string, number> | undefined;
  /** True when `_` came after fields: its states are recorded at the end instead of used in the merge. */
  private lateStates = false;
  /** Fields seen by the current attempt. */
  fields = 0;

  constructor(private readonly soul: string) {}

  /** An attempt's body begins: what an earlier attempt staged is dropped. */
  start(): void {
    if (this.index.entries > 0) this.index = new CompactIndex();
    this.states = undefined;
    this.lateStates = false;
    this.fields = 0;
  }

  field(f: RawField): void {
    this.fields++;
    const keyLength = f.keyEnd - f.keyStart;
    if (keyLength === 1 && f.keyBuf[f.keyStart] === 0x5f /* _ */ && !f.keyEscaped) return this.metadata(f);
    if (f.keyEscaped || keyLength === 9 || keyLength === 11) return this.slow(f);
    const state = this.states ? this.states.get(f.key()) : undefined;
    if (f.ownLink) this.index.applyBytes(f.keyBuf, f.keyStart, f.keyEnd, EntryKind.Link, state);
    else if (f.valueIs('null')) this.index.applyBytes(f.keyBuf, f.keyStart, f.keyEnd, EntryKind.Tombstone, state);
    else if (f.valueIs('true')) this.index.applyBytes(f.keyBuf, f.keyStart, f.keyEnd, EntryKind.True, state);
    else this.slow(f);
  }

  /**
   * The answer was accepted: merges the staged entries into `target` (through its monotone
   * merge), then records states that came after their fields. Returns the index that now holds
   * them: the staging index itself when `target` was empty (a first load copies nothing).
   */
  commit(target: CompactIndex): CompactIndex {
    const late = this.lateStates ? this.states : undefined;
    const staged = this.index;
    this.index = new CompactIndex();
    this.states = undefined;
    this.lateStates = false;
    let into = staged;
    if (target.entries > 0) {
      into = target;
      for (let e = 0; e < staged.entries; e++) {
        const kind = staged.kind(e);
        into.apply(staged.key(e), kind, staged.state(e), kind === EntryKind.Other ? staged.otherJson(e) : undefined);
      }
    }
    if (late) {
      for (const [key, state] of late) {
        const e = into.find(key);
        if (e >= 0 && into.state(e) === undefined) into.setState(e, state);
      }
    }
    return into;
  }

  /** Any other field: decoded and parsed, then kept by kind. */
  private slow(f: RawField): void {
    const key = f.key();
    if (isForbiddenKey(key)) return;
    const parsed = parseScannedJson(f.valueJson());
    if (!parsed.ok) throw this.bad(parsed.reason);
    const value = parsed.value;
    const state = this.states?.get(key);
    let kind: EntryKind;
    if (value === null) kind = EntryKind.Tombstone;
    else if (value === true) kind = EntryKind.True;
    else if (value === false) kind = EntryKind.False;
    else if (isPlainObject(value) && Object.keys(value).length === 1 && value['#'] === `${this.soul}/${key}`) kind = EntryKind.Link;
    else kind = EntryKind.Other;
    this.index.apply(key, kind, state, kind === EntryKind.Other ? JSON.stringify(value) : undefined);
  }

  /** GUN's metadata field: keeps `_['>']`, the state of each field. */
  private metadata(f: RawField): void {
    const parsed = parseScannedJson(f.valueJson());
    if (!parsed.ok) throw this.bad(parsed.reason);
    const meta = parsed.value;
    const states = isPlainObject(meta) ? meta['>'] : undefined;
    if (!isPlainObject(states)) return;
    const kept = new Map<string, number>();
    for (const key of Object.keys(states)) {
      const state = states[key];
      if (typeof state === 'number' && Number.isFinite(state)) kept.set(key, state);
    }
    this.states = kept;
    this.lateStates = this.fields > 1;
  }

  private bad(why: string): GunRelayError {
    return new GunRelayError('BAD_RESPONSE', `get: unexpected relay response (${why})`, { op: 'get', soul: this.soul, status: 200 });
  }
}
