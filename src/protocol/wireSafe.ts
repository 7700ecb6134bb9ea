/**
 * Checks for strings that go on the wire (souls, keys, list prefixes, header values). A string
 * with a lone UTF-16 surrogate (half an emoji, e.g. from `title.slice(0, n)`) cannot be
 * percent-encoded into a URL, so such a soul could be written in a JSON body but never read,
 * listed or deleted. Every such string is refused before anything is sent.
 */

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

type MaybeWellFormed = { isWellFormed?: () => boolean };

/** True when `s` holds no lone surrogate (`String.prototype.isWellFormed`, with a fallback). */
export function isWellFormed(s: string): boolean {
  const native = (s as unknown as MaybeWellFormed).isWellFormed;
  return typeof native === 'function' ? native.call(s) : !LONE_SURROGATE.test(s);
}

/** True when `s` holds a C0 control character or DEL. */
export function hasControlChars(s: string): boolean {
  return CONTROL_CHARS.test(s);
}

/** Keys a node and a delete never carry: GUN metadata and prototype-polluting names. */
const RESERVED_KEYS: ReadonlySet<string> = new Set(['_', '__proto__', 'constructor', 'prototype']);

/**
 * Why `key` cannot be a key of a node (or of a delete), else `undefined`. `#` is refused here;
 * a node accepts it only as the one key of a link, which the node walk checks itself.
 */
export function nodeKeyProblem(key: string): string | undefined {
  if (key === '') return 'keys must not be empty';
  if (RESERVED_KEYS.has(key) || key === '#') return `key "${key}" is reserved`;
  if (hasControlChars(key)) return 'keys must not contain control characters';
  if (!isWellFormed(key)) return 'keys must be well-formed Unicode (no lone surrogates)';
  return undefined;
}
