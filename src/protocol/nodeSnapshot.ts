import { isPlainObject } from './safeJson.js';
import { nodeKeyProblem } from './wireSafe.js';

/** Deepest nesting of child objects accepted in a node. */
export const MAX_NODE_DEPTH = 16;

/** A value inside a node. Nested objects become child nodes (`<soul>/<key>`) on the relay. */
export type GunValue = string | number | boolean | null | { '#': string } | GunNode;
/** A node: a flat or nested object of GUN values, as written to the relay. */
export interface GunNode {
  [key: string]: GunValue;
}

/** A problem found in a node: where (dotted path, `''` for the root) and what. */
export interface NodeProblem {
  path: string;
  message: string;
}

/** Result of {@link snapshotNode}: a private copy of the node, or the first problem. */
export type NodeSnapshot = { ok: true; node: GunNode } | { ok: false; problem: NodeProblem };

interface Frame {
  source: object;
  copy: GunNode;
  path: string;
  depth: number;
}

/**
 * Validates `value` as a node and copies it in the same walk, reading every key list and every
 * property exactly once: a getter or Proxy that answers differently on a later read cannot change
 * what was validated, because only the copy is used afterwards. Only plain objects, bounded depth,
 * no cycles, no reserved or malformed keys, strings up to `maxStringLength`, finite numbers,
 * booleans, `null` and well-formed links `{"#": soul}`. A getter or trap that throws is a problem
 * too, never an escaping exception.
 */
export function snapshotNode(value: unknown, maxStringLength: number, soulProblem: (s: unknown) => string | undefined): NodeSnapshot {
  const seen = new Set<object>();
  let path = '';
  try {
    if (!isPlainObject(value)) return fail('', `a node must be a non-empty plain object, got ${describe(value)}`);
    const root: GunNode = {};
    const stack: Frame[] = [{ source: value, copy: root, path: '', depth: 1 }];
    while (stack.length > 0) {
      const frame = stack.pop()!;
      path = frame.path;
      if (seen.has(frame.source)) return fail(path, 'circular structure');
      seen.add(frame.source);
      if (frame.depth > MAX_NODE_DEPTH) return fail(path, `nested deeper than ${MAX_NODE_DEPTH} levels`);
      const keys = Object.keys(frame.source);
      if (keys.length === 0) return fail(path, 'objects must not be empty (the relay never answers an empty object)');
      if (keys.includes('#')) {
        // GUN reads any object with a "#" key as a link; accept only a well-formed one, and none at the root.
        if (frame.depth === 1) return fail('#', 'key "#" is reserved for links');
        const target = (frame.source as Record<string, unknown>)['#'];
        if (keys.length !== 1 || soulProblem(target) !== undefined) return fail(path, 'a link must be exactly {"#": "<soul>"} with a valid soul');
        frame.copy['#'] = target as string;
        continue;
      }
      for (const key of keys) {
        path = frame.path ? `${frame.path}.${key}` : key;
        const keyProblem = nodeKeyProblem(key);
        if (keyProblem) return fail(path, keyProblem);
        const child = (frame.source as Record<string, unknown>)[key];
        if (typeof child === 'string') {
          if (child.length > maxStringLength) return fail(path, `string longer than ${maxStringLength} characters`);
          frame.copy[key] = child;
        } else if (typeof child === 'number') {
          if (!Number.isFinite(child)) return fail(path, `${child} is not a finite number`);
          frame.copy[key] = child;
        } else if (typeof child === 'boolean' || child === null) {
          frame.copy[key] = child;
        } else if (isPlainObject(child)) {
          const copy: GunNode = {};
          frame.copy[key] = copy;
          stack.push({ source: child, copy, path, depth: frame.depth + 1 });
        } else {
          return fail(path, `${describe(child)} is not allowed (GUN takes strings, finite numbers, booleans, null, links and plain objects)`);
        }
      }
    }
    return { ok: true, node: root };
  } catch (error) {
    return fail(path, `reading the node threw: ${error instanceof Error ? error.message : typeof error}`);
  }
}

function fail(path: string, message: string): NodeSnapshot {
  return { ok: false, problem: { path, message } };
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') {
    const name = (Object.getPrototypeOf(v) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    return `a ${typeof name === 'string' ? name : 'non-plain'} object`;
  }
  return `a ${typeof v}`;
}
