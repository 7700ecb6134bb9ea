import * as z from 'zod/mini';
import { GunRelayError, type GunRelayErrorCode, type Operation } from '../errors.js';
import type { GunNode } from './input.js';
import { reasonSuffix } from './relayReason.js';
import type { JsonBounds } from './jsonBounds.js';
import { isPlainObject, parseJsonSafe } from './safeJson.js';

/**
 * A node as read back from the relay: `_` removed, nested objects as links, `data`/`oip` possibly
 * parsed. Typed as a {@link GunNode} so a node read is writable as it is: `to.put(soul, node)`.
 * (The values are whatever JSON the relay holds; a put still validates them.)
 */
export type RelayNode = GunNode;

/** One entry of `GET /list`, normalised from either of the relay's two entry shapes. */
export interface ListEntry {
  soul: string;
  /**
   * The node's fields as the relay stored them: `data` / `oip` are the JSON strings a record was
   * written with (parsed with `list(..., { decode: true })`), or, after a relay restart, the raw
   * GUN node's values (links kept). Typed as a {@link RelayNode}: writable as it is, `to.put(e.soul, e.data)`.
   */
  data: RelayNode;
  /** The relay's `recordType`, else the stored `oip.recordType`; `null` when neither says. Always present. */
  recordType: string | null;
  /** When the relay stored the entry, as it reports it (its `Date.now()`, or the time of its last restart). */
  storedAt: number | string | undefined;
  /** True when every field of the node is null (the soul was deleted but stays listed). */
  tombstoned: boolean;
}

const putOk = z.object({ success: z.literal(true) });
const getOk = z.object({ success: z.literal(true), data: z.record(z.string(), z.unknown()) });
/** The list envelope; entries are checked one by one (see {@link readListResponse}). */
const listOk = z.object({ success: z.literal(true), records: z.array(z.unknown()) });
/** Objects and arrays one response may hold per allowed entry (a raw GUN list entry has about six). */
export const CONTAINERS_PER_ENTRY = 16;

/** Default of the `maxListEntries` option: the most entries of any array or object in one response. */
export const DEFAULT_MAX_LIST_ENTRIES = 10_000;

/** A `/get` answer may hold one entry of an array or object per this many bytes (beyond `maxListEntries`). */
export const BYTES_PER_NODE_ENTRY = 16;
/** A `/get` answer may hold one object or array per this many bytes (beyond 16 × `maxListEntries`). */
export const BYTES_PER_NODE_CONTAINER = 32;

/**
 * The bounds of a `/get` answer of `length` characters: a node's keys are bounded by its bytes,
 * not by a page size. Any array or object may hold `maxEntries` entries, or one per
 * {@link BYTES_PER_NODE_ENTRY} bytes of the body if more; the body may hold 16 × `maxEntries`
 * objects and arrays, or one per {@link BYTES_PER_NODE_CONTAINER} bytes if more. A registry index
 * (a link object of ~76 bytes per entry) or a deletion index (~42 bytes per flag) of any size
 * passes; a body of tiny entries or empty objects does not.
 */
export function nodeBounds(length: number, maxEntries: number): JsonBounds {
  return {
    maxEntries: Math.max(maxEntries, Math.floor(length / BYTES_PER_NODE_ENTRY)),
    maxContainers: Math.max(CONTAINERS_PER_ENTRY * maxEntries, Math.floor(length / BYTES_PER_NODE_CONTAINER)),
  };
}

/** Parses a JSON body; `__proto__`, `constructor` and `prototype` keys are dropped at every depth. Throws if not JSON. */
export function parseJson(text: string): unknown {
  const parsed = parseJsonSafe(text);
  if (!parsed.ok) throw new SyntaxError(parsed.reason);
  return parsed.value;
}

function badResponse(op: Operation, soul: string | undefined, status: number, text: string, why: string): GunRelayError {
  return new GunRelayError('BAD_RESPONSE', `${op}: unexpected relay response (${why})${reasonSuffix(text)}`, {
    op,
    soul,
    status,
    bodyExcerpt: text,
  });
}

/**
 * Parses and checks one response body. The cost is bounded before anything is built: nesting
 * deeper than 64 levels, or more entries or containers than `bounds`, is `BAD_RESPONSE` after a
 * linear scan (see {@link jsonBoundsProblem}); zod then checks the envelope.
 */
function parseOrThrow<T>(schema: z.ZodMiniType<T>, op: Operation, soul: string | undefined, status: number, text: string, bounds: JsonBounds): T {
  const parsed = parseJsonSafe(text, bounds);
  if (!parsed.ok) throw badResponse(op, soul, status, text, parsed.reason);
  const result = schema.safeParse(parsed.value);
  if (!result.success) {
    const success = (parsed.value as { success?: unknown } | null)?.success;
    throw badResponse(op, soul, status, text, success === false ? 'success: false' : 'unexpected shape');
  }
  return result.data;
}

/** Checks a 200 answer to `POST /put`. */
export function readPutResponse(soul: string, op: Operation, status: number, text: string): void {
  parseOrThrow(putOk, op, soul, status, text, listBounds(DEFAULT_MAX_LIST_ENTRIES));
}

/** The bounds of a `/list` (or `/put`) answer: `maxEntries` per array or object, 16 × that many containers. */
function listBounds(maxEntries: number): JsonBounds {
  return { maxEntries, maxContainers: CONTAINERS_PER_ENTRY * maxEntries };
}

/** Decodes a 200 answer to `GET /get` into the node's fields (without `_`), within {@link nodeBounds}. */
export function readGetResponse(soul: string, op: Operation, status: number, text: string, maxEntries = DEFAULT_MAX_LIST_ENTRIES): RelayNode {
  const { data } = parseOrThrow(getOk, op, soul, status, text, nodeBounds(text.length, maxEntries));
  delete data['_'];
  return data as RelayNode;
}

/**
 * Decodes a 200 answer to `GET /list`, tolerating both entry shapes the relay produces. More
 * than `maxEntries` entries is `BAD_RESPONSE` before parsing; entries are validated one at a
 * time and the first bad one ends the check (one issue, never one per entry).
 */
export function readListResponse(status: number, text: string, maxEntries = DEFAULT_MAX_LIST_ENTRIES): ListEntry[] {
  const { records } = parseOrThrow(listOk, 'list', undefined, status, text, listBounds(maxEntries));
  const entries: ListEntry[] = new Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const entry = toListEntry(records[i]);
    if (typeof entry === 'string') throw badResponse('list', undefined, status, text, `entry ${i}: ${entry}`);
    entries[i] = entry;
  }
  return entries;
}

/**
 * Removes GUN's `_` from a node and the nested objects in it (the relay lists nodes as they were
 * put, and the SDK sends each nested object with `_: {"#": <its soul>}`), in place.
 */
function dropGunMetadata(node: Record<string, unknown>): void {
  delete node['_'];
  for (const key in node) {
    const value = node[key];
    if (isPlainObject(value)) dropGunMetadata(value);
  }
}

/**
 * One `/list` entry checked by hand (a plain loop costs a fraction of a schema that copies every
 * record), or why it is not one: `soul` a string, `data` an object or absent, `recordType` a
 * string or absent, `storedAt` a number, a string or absent (`null` counts as absent).
 */
function toListEntry(raw: unknown): ListEntry | string {
  if (!isPlainObject(raw)) return 'not an object';
  const { soul, data: rawData, recordType, storedAt } = raw;
  if (typeof soul !== 'string') return 'soul is not a string';
  if (rawData != null && !isPlainObject(rawData)) return 'data is not an object';
  if (recordType != null && typeof recordType !== 'string') return 'recordType is not a string';
  if (storedAt != null && typeof storedAt !== 'number' && typeof storedAt !== 'string') return 'storedAt is not a number or string';
  // The parsed body is ours alone: the entry keeps its object instead of a copy.
  const data: Record<string, unknown> = rawData ?? {};
  dropGunMetadata(data);
  let live = 0;
  let size = 0;
  for (const key of Object.keys(data)) {
    size++;
    if (data[key] !== null) live++;
  }
  return {
    soul,
    data: data as RelayNode,
    recordType: recordType ?? null,
    storedAt: (storedAt as number | string | null | undefined) ?? undefined,
    tombstoned: size > 0 && live === 0,
  };
}

/**
 * Reads what a non-2xx answer's `error` field is: a string (GUN's message about the data), an
 * object (an internal relay failure such as a disk error), or absent. Large bodies, and the head
 * of a body (`whole: false`), are sniffed from their first characters instead of parsed.
 */
export function errorFieldKind(text: string, whole = true): 'string' | 'object' | 'none' {
  if (whole && text.length < 16_384) {
    try {
      const body = JSON.parse(text) as { error?: unknown } | null;
      const e = body?.error;
      if (typeof e === 'string') return 'string';
      if (typeof e === 'object' && e !== null) return 'object';
      return 'none';
    } catch {
      return 'none';
    }
  }
  const m = /^\s*\{\s*"error"\s*:\s*(["{])/.exec(text.slice(0, 64));
  if (!m) return 'none';
  return m[1] === '"' ? 'string' : 'object';
}

/**
 * Classifies an HTTP answer that is not a success. Soul-level (`SOUL_REJECTED`): 400, or 500 whose
 * `error` is GUN's message about the data. Everything else is about the relay. `whole: false`:
 * `text` is only the head of a larger body.
 */
export function classifyStatus(status: number, text: string, whole = true): GunRelayErrorCode {
  if (status === 400) return 'SOUL_REJECTED';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 500) return errorFieldKind(text, whole) === 'string' ? 'SOUL_REJECTED' : 'RELAY_ERROR';
  if (status >= 500) return 'RELAY_ERROR';
  return 'BAD_RESPONSE';
}

/** True when a 404 body is the relay's `{"error":"Not found"}` (a missing soul), not a missing endpoint. */
export function isSoulNotFound(text: string): boolean {
  try {
    return (parseJson(text) as { error?: unknown } | null)?.error === 'Not found';
  } catch {
    return false;
  }
}

/** The error for a 404 that is not about a soul: the base URL points at no relay endpoint. */
export function endpointMissing(op: Operation, soul: string | undefined, status: number, text: string, relay?: string): GunRelayError {
  return new GunRelayError('BAD_RESPONSE', `${op}: the relay has no such endpoint (answered ${status}${reasonSuffix(text)}); baseUrl must be the relay's root URL, e.g. http://gun-relay:8765`, {
    op,
    soul,
    status,
    bodyExcerpt: text,
    relay,
  });
}
