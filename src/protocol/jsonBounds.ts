/**
 * The JSON bounds every parse of relay input keeps, and the structural characters both scanners
 * of relay JSON use: this one over a whole body's text, and `GetBodyParser` over a streamed body's
 * bytes (which checks the same nesting bound as it goes, so its fields need no second scan).
 *
 * A linear pre-scan of JSON text that bounds what parsing it may cost, before `JSON.parse`
 * materialises anything: nesting depth (a deeply nested body would overflow recursive code
 * further on with a raw `RangeError`) and the entries of each array or object (a body of millions
 * of tiny entries would cost far more time and memory than its bytes, and V8 parses an object with
 * a million keys superlinearly). It does not validate the JSON: `JSON.parse` still does.
 */

/** Deepest nesting of objects and arrays accepted in any JSON the SDK parses from a relay. */
export const MAX_JSON_DEPTH = 64;

/** Limits for {@link jsonBoundsProblem}. */
export interface JsonBounds {
  /** Deepest nesting accepted; default {@link MAX_JSON_DEPTH}. */
  maxDepth?: number | undefined;
  /** Most elements any array, or keys any object, may hold; default unlimited. */
  maxEntries?: number | undefined;
  /** Most objects and arrays in the whole text; default unlimited. */
  maxContainers?: number | undefined;
}

/** The structural characters of JSON, as UTF-16 code units and UTF-8 bytes alike (all ASCII). */
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
export const OPEN_ARRAY = 0x5b;
export const CLOSE_ARRAY = 0x5d;
export const COMMA = 0x2c;
export const COLON = 0x3a;

/** True for JSON's whitespace (space, line feed, carriage return, tab). */
export function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Matches the reasons {@link jsonBoundsProblem} gives for too many entries or containers (the
 * bounds a reader that parses field by field does not need): how a caller tells "the client's own
 * bound on a buffered body" from a malformed answer.
 */
export const ENTRY_BOUND_REASON = /\((an array or object with more than \d+ entries|more than \d+ objects and arrays)\)/;

/**
 * Why `text` is out of bounds, else `undefined`. Stops at the first violation, so rejecting a
 * hostile body costs at most one pass over the part read so far; string contents are skipped with
 * `indexOf`. O(length) time, O(depth) memory.
 */
export function jsonBoundsProblem(text: string, bounds: JsonBounds = {}): string | undefined {
  const maxDepth = bounds.maxDepth ?? MAX_JSON_DEPTH;
  const maxEntries = bounds.maxEntries ?? Infinity;
  let containersLeft = bounds.maxContainers ?? Infinity;
  // Per open container: the commas seen so far in it (entries - 1).
  const commas: number[] = [];
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = endOfString(text, i);
      if (i < 0) return undefined; // unterminated: JSON.parse reports it
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (commas.length >= maxDepth) return `nested deeper than ${maxDepth} levels`;
      if (--containersLeft < 0) return `more than ${bounds.maxContainers} objects and arrays`;
      commas.push(0);
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      commas.pop();
    } else if (c === COMMA && commas.length > 0) {
      const top = commas.length - 1;
      if (++commas[top]! >= maxEntries) return `an array or object with more than ${maxEntries} entries`;
    }
  }
  return undefined;
}

/** Index of the quote that closes the string opening at `start`, or -1. */
function endOfString(text: string, start: number): number {
  let at = start;
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at < 0) return -1;
    let slashes = 0;
    while (text.charCodeAt(at - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return at;
  }
}
