import type { ListEntry } from '../protocol/responses.js';
import { parseJsonSafe } from '../protocol/safeJson.js';
import { recordTypeOf } from './records.js';

/** The record fields the relay stores as JSON strings (and its `/get` returns parsed). */
const JSON_FIELDS = ['data', 'oip'] as const;

/**
 * A list entry as the client returns it: `recordType` always filled (the relay's field, else the
 * stored `oip.recordType`, else `null`), and with `decode`, `data.data` / `data.oip` parsed from
 * the JSON strings the relay stores, as `get` returns them. A string that is not JSON is kept.
 */
export function finishListEntry(entry: ListEntry, decode: boolean): ListEntry {
  const recordType = recordTypeOf(entry) ?? null;
  if (!decode) return { ...entry, recordType };
  const data = { ...entry.data };
  for (const field of JSON_FIELDS) {
    const value = data[field];
    if (typeof value !== 'string') continue;
    const parsed = parseJsonSafe(value);
    if (parsed.ok) data[field] = parsed.value;
  }
  return { ...entry, data, recordType };
}
