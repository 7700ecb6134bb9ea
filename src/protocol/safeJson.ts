import { GunRelayError } from '../errors.js';
import { jsonBoundsProblem, type JsonBounds } from './jsonBounds.js';

/**
 * Keys that are never copied out of untrusted input. `__proto__` would replace an object's
 * prototype when assigned; `constructor`/`prototype` are the stepping stones of the classic
 * `a.constructor.prototype.x = …` pollution in naive deep-merge code downstream.
 */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** True for a key that the codec drops from every decoded object (`__proto__`, `constructor`, `prototype`). */
export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN_KEYS.has(key);
}

/** True when `text` may spell a forbidden key: literally, or through a `\\u` escape. */
function mayHoldForbiddenKey(text: string): boolean {
  return text.includes('\\u') || text.includes('__proto__') || text.includes('constructor') || text.includes('prototype');
}

/**
 * Deletes forbidden keys from freshly parsed JSON, at every depth, without recursion. (A
 * `JSON.parse` reviver does the same but costs a function call per value, ten times the parse.)
 */
function dropForbiddenKeys(root: unknown): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      for (const item of v) if (item !== null && typeof item === 'object') stack.push(item);
    } else if (v !== null && typeof v === 'object') {
      const record = v as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        if (FORBIDDEN_KEYS.has(key)) delete record[key];
        else if (record[key] !== null && typeof record[key] === 'object') stack.push(record[key]);
      }
    }
  }
}

/** Result of {@link parseJsonSafe}: the parsed value, or `ok: false` with why (not JSON, or out of bounds). */
export type SafeParseResult = { ok: true; value: unknown } | { ok: false; reason: string };

/**
 * `JSON.parse` that drops forbidden keys at every depth and never throws, for text whose nesting a
 * scanner already bounded (a field of a body `GetBodyParser` streamed): no second bounds scan.
 */
export function parseScannedJson(text: string): SafeParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  if (mayHoldForbiddenKey(text)) dropForbiddenKeys(value);
  return { ok: true, value };
}

/**
 * `JSON.parse` that drops forbidden keys at every depth and never throws. The text is first
 * checked against `bounds` (nesting at most {@link MAX_JSON_DEPTH} unless told otherwise), so no
 * parsed value is deep enough to overflow recursive code with a `RangeError`.
 */
export function parseJsonSafe(text: string, bounds?: JsonBounds): SafeParseResult {
  const problem = jsonBoundsProblem(text, bounds);
  if (problem !== undefined) return { ok: false, reason: problem };
  return parseScannedJson(text);
}

/** True for `{}`-like objects (prototype `Object.prototype` or `null`), false for arrays, Dates, Buffers... */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A deep copy of already-parsed input with forbidden keys removed, built from fresh plain
 * objects and arrays. Non-plain objects and primitives are kept as they are. A cycle is
 * INVALID_INPUT (relay JSON has none; only an in-process caller can build one).
 */
export function sanitize(value: unknown, field: string, seen: Set<object> = new Set()): unknown {
  if (value === null || typeof value !== 'object') return value;
  const isArray = Array.isArray(value);
  if (!isArray && !isPlainObject(value)) return value;
  if (seen.has(value)) {
    throw new GunRelayError('INVALID_INPUT', `Cyclic value at ${field}`, { field });
  }
  seen.add(value);
  try {
    if (isArray) return value.map((item, i) => sanitize(item, `${field}[${i}]`, seen));
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) continue;
      out[key] = sanitize(value[key], `${field}.${key}`, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/**
 * Decodes one stored JSON field: a string is parsed once, and a second time when the first
 * parse yields a string that itself parses to an object or array (the legacy double encoding).
 * A string that is not JSON is returned unchanged; anything else is {@link sanitize}d.
 */
export function decodeJsonField(value: unknown, field: string): unknown {
  if (typeof value !== 'string') return sanitize(value, field);
  const first = parseJsonSafe(value);
  return first.ok ? unwrapDoubleEncoded(first.value) : value;
}

/**
 * When `value` is a string holding a JSON object or array, that object or array (one layer of
 * legacy double encoding removed); otherwise `value` unchanged.
 */
export function unwrapDoubleEncoded(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const head = value.trimStart()[0];
  if (head !== '{' && head !== '[') return value;
  const inner = parseJsonSafe(value);
  return inner.ok && inner.value !== null && typeof inner.value === 'object' ? inner.value : value;
}

/**
 * Canonical JSON: the value as `JSON.stringify` sees it (`toJSON`, dropped `undefined`s...),
 * with object keys sorted by UTF-16 code units at every depth and no whitespace. Equal data
 * gives equal text whatever the key order. Cycles, BigInts and non-JSON roots are INVALID_INPUT.
 */
export function canonicalJson(value: unknown, field = 'recordData'): string {
  try {
    const text = JSON.stringify(value);
    if (text === undefined) {
      throw new GunRelayError('INVALID_INPUT', `${field} is not JSON-serializable`, { field });
    }
    return writeCanonical(JSON.parse(text) as unknown);
  } catch (error) {
    if (error instanceof GunRelayError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new GunRelayError('INVALID_INPUT', `${field} is not JSON-serializable: ${reason}`, {
      field,
    });
  }
}

function writeCanonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(writeCanonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${writeCanonical(record[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * `JSON.stringify` for a value the relay will store as a string field; `undefined`, functions,
 * cycles and BigInts are INVALID_INPUT instead of silently vanishing or throwing a TypeError.
 */
export function stringifyField(value: unknown, field: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new GunRelayError('INVALID_INPUT', `${field} is not JSON-serializable: ${reason}`, {
      field,
    });
  }
  if (text === undefined) {
    throw new GunRelayError('INVALID_INPUT', `${field} is missing or not JSON-serializable`, {
      field,
    });
  }
  return text;
}
