import type { ListEntry, RelayNode } from '../protocol/responses.js';
import { parseJsonSafe } from '../protocol/safeJson.js';
import { recordTypeOf } from './records.js';

/** The record fields the relay stores as JSON strings (and its `/get` returns parsed). */
const JSON_FIELDS = ['data', 'oip'] as const;

/**
 * Finishes a list entry in place (it was just parsed from the body and is the client's alone):
 * `recordType` always filled (the relay's field, else the stored `oip.recordType`, else `null`),
 * and with `decode`, `data.data` / `data.oip` parsed from the JSON strings the relay stores, as
 * `get` returns them. A string that is not JSON is kept.
 */
export function finishListEntry(entry: ListEntry, decode: boolean): ListEntry {
  entry.recordType = recordTypeOf(entry) ?? null;
  if (!decode) return entry;
  for (const field of JSON_FIELDS) {
    const value = entry.data[field];
    if (typeof value !== 'string') continue;
    const parsed = parseJsonSafe(value);
    if (parsed.ok) entry.data[field] = parsed.value as RelayNode[string];
  }
  return entry;
}

/** True for the soul of a nested object's own node, `<soul>/<key>` (the SDK writes nested objects so). */
export function isChildSoul(soul: string): boolean {
  return soul.includes('/');
}
