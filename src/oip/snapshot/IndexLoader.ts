import { GunRelayError } from '../../errors.js';
import { isForbiddenKey, isPlainObject, parseScannedJson } from '../../protocol/safeJson.js';
import { CompactIndex, EntryKind } from './CompactIndex.js';
import type { FieldVisitor, RawField } from './GetBodyParser.js';

/**
 * Turns the fields of an index answer into {@link CompactIndex} entries as they stream in.
 * The common entry, the link `{"#":"<index soul>/<key>"}`, is recognised by the parser comparing
 * bytes (`RawField.ownLink`): no string or object is made for it; cross-linked keys never get here. Other values are parsed (bounded, as every relay JSON)
 * and kept by kind. GUN's `_` field, when an answer carries one, gives the states of its
 * fields (used for the merge when it comes first, as GUN writes it; recorded when it comes later).
 */
export class IndexLoader implements FieldVisitor {
  private states: Map<string, number> | undefined;
  /** True when `_` came after fields: its states are recorded at the end instead of used in the merge. */
  private lateStates = false;
  /** Fields seen by the current read. */
  fields = 0;

  constructor(
    private readonly index: CompactIndex,
    private readonly soul: string,
  ) {}

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

  /** The read is over: states that came after their fields are recorded. */
  finish(): void {
    const late = this.lateStates ? this.states : undefined;
    this.states = undefined;
    this.lateStates = false;
    if (!late) return;
    for (const [key, state] of late) {
      const e = this.index.find(key);
      if (e >= 0 && this.index.state(e) === undefined) this.index.setState(e, state);
    }
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
