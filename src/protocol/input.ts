import { z } from 'zod';
import { GunRelayError, type Operation } from '../errors.js';
import { isPlainObject } from './safeJson.js';

/** Longest soul the client sends, in characters. */
export const MAX_SOUL_LENGTH = 1024;
/** Deepest nesting of child objects accepted in a node. */
export const MAX_NODE_DEPTH = 16;
/** Keys the client refuses in a node: GUN metadata and prototype-polluting names. */
const FORBIDDEN_KEYS = new Set(['_', '__proto__', 'constructor', 'prototype']);

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** A soul: a non-empty string of bounded length without control characters. */
export const soulSchema = z
  .string({ error: 'soul must be a string' })
  .min(1, 'soul must not be empty')
  .max(MAX_SOUL_LENGTH, `soul must be at most ${MAX_SOUL_LENGTH} characters`)
  .refine((s) => !CONTROL_CHARS.test(s), 'soul must not contain control characters');

/** A link to another node: `{"#": soul}`. */
export const linkSchema = z.strictObject({ '#': soulSchema });

/** A GUN value that is not an object: string, finite number, boolean or `null` (a tombstone). */
const scalarSchema = z.union([z.string(), z.number().finite(), z.boolean(), z.null()]);

/** A value inside a node. Nested objects become child nodes (`<soul>/<key>`) on the relay. */
export type GunValue = string | number | boolean | null | { '#': string } | GunNode;
/** A node: a flat or nested object of GUN values, as written to the relay. */
export interface GunNode {
  [key: string]: GunValue;
}

const nodeSchema: z.ZodType<GunNode> = z.lazy(() =>
  z
    .record(z.string(), z.union([scalarSchema, linkSchema, nodeSchema]))
    .refine((o) => Object.keys(o).length > 0, 'objects must not be empty (the relay never answers an empty object)'),
);

/**
 * Walks the structure once before zod sees it, for what a schema cannot express: only plain
 * objects (no arrays, Dates, Maps, class instances), bounded depth, no cycles, no reserved keys,
 * no string longer than `maxStringLength`. Returns a message and path for the first problem.
 */
function structureProblem(value: unknown, maxStringLength: number): { path: string; message: string } | undefined {
  const stack: Array<{ v: object; path: string; depth: number }> = [];
  const seen = new Set<object>();
  if (!isPlainObject(value)) {
    return { path: '', message: `a node must be a non-empty plain object, got ${describe(value)}` };
  }
  stack.push({ v: value, path: '', depth: 1 });
  while (stack.length > 0) {
    const { v, path, depth } = stack.pop()!;
    if (seen.has(v)) return { path, message: 'circular structure' };
    seen.add(v);
    if (depth > MAX_NODE_DEPTH) return { path, message: `nested deeper than ${MAX_NODE_DEPTH} levels` };
    const keys = Object.keys(v);
    if (keys.includes('#')) {
      // GUN reads any object with a "#" key as a link; accept only a well-formed one, and none at the root.
      const target = (v as Record<string, unknown>)['#'];
      const at = path ? `${path}.#` : '#';
      if (depth === 1) return { path: at, message: 'key "#" is reserved for links' };
      if (keys.length !== 1 || !soulSchema.safeParse(target).success) {
        return { path, message: 'a link must be exactly {"#": "<soul>"} with a valid soul' };
      }
    }
    for (const key of keys) {
      const at = path ? `${path}.${key}` : key;
      if (FORBIDDEN_KEYS.has(key)) return { path: at, message: `key "${key}" is reserved` };
      if (key === '') return { path: at, message: 'keys must not be empty' };
      const child = (v as Record<string, unknown>)[key];
      if (typeof child === 'string' && child.length > maxStringLength) {
        return { path: at, message: `string longer than ${maxStringLength} characters` };
      }
      if (typeof child === 'object' && child !== null) {
        if (!isPlainObject(child)) return { path: at, message: `${describe(child)} is not allowed (GUN takes plain objects only)` };
        stack.push({ v: child, path: at, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `a ${(v as object).constructor?.name ?? 'non-plain'} object`;
  return `a ${typeof v}`;
}

/** Throws `INVALID_INPUT` unless `soul` is a valid soul. */
export function assertSoul(soul: unknown, op: Operation): asserts soul is string {
  // Fast path for the common case; the schema produces the precise message otherwise.
  if (typeof soul === 'string' && soul.length > 0 && soul.length <= MAX_SOUL_LENGTH && !CONTROL_CHARS.test(soul)) {
    return;
  }
  const result = soulSchema.safeParse(soul);
  const message = result.success ? 'invalid soul' : (result.error.issues[0]?.message ?? 'invalid soul');
  throw new GunRelayError('INVALID_INPUT', `${op}: ${message}`, {
    op,
    soul: typeof soul === 'string' ? soul.slice(0, 64) : undefined,
    field: 'soul',
  });
}

/**
 * Throws `INVALID_INPUT` unless `node` is something the relay accepts and answers: a non-empty
 * plain object of GUN values, strings no longer than `maxStringLength`.
 */
export function assertNode(node: unknown, op: Operation, soul: string, maxStringLength: number): asserts node is GunNode {
  let problem = structureProblem(node, maxStringLength);
  if (!problem) {
    const result = nodeSchema.safeParse(node);
    const issue = result.success ? undefined : result.error.issues[0];
    if (!result.success) problem = { path: issue?.path.join('.') ?? '', message: issue?.message ?? 'invalid value' };
  }
  if (problem) {
    throw new GunRelayError('INVALID_INPUT', `${op}: invalid node${problem.path ? ` at ${problem.path}` : ''}: ${problem.message}`, {
      op,
      soul,
      field: problem.path ? `node.${problem.path}` : 'node',
    });
  }
}

/** Throws `INVALID_INPUT` unless `keys` is a non-empty array of non-empty key names; returns them de-duplicated. */
export function assertDeleteKeys(keys: readonly string[], soul: string): string[] {
  // A plain loop: this runs on every delete with keys, skipped ones included.
  let ok = Array.isArray(keys) && keys.length > 0;
  for (let i = 0; ok && i < keys.length; i++) {
    const k = keys[i];
    ok = typeof k === 'string' && k !== '' && k !== '_';
  }
  if (!ok) {
    throw new GunRelayError('INVALID_INPUT', 'delete: keys must be a non-empty array of non-empty strings (not "_")', {
      op: 'delete',
      soul,
      field: 'keys',
    });
  }
  return keys.length === 1 ? [keys[0]!] : [...new Set(keys)];
}

/** Throws `INVALID_INPUT` unless `n` is an integer from `min` to 10,000 (a list `limit` or `offset`). */
export function assertListCount(n: number, field: string, min: number): number {
  if (!Number.isInteger(n) || n < min || n > 10_000) {
    throw new GunRelayError('INVALID_INPUT', `list: ${field} must be an integer from ${min} to 10000`, { op: 'list', field });
  }
  return n;
}
