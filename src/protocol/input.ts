import { GunRelayError } from '../errors.js';
import { nodeKeyProblem } from './wireSafe.js';

export { MAX_SOUL_LENGTH, assertSoul, soulProblem } from './soul.js';
export { MAX_NODE_DEPTH, type GunNode, type GunValue } from './nodeSnapshot.js';

/**
 * Throws `INVALID_INPUT` unless `keys` is a non-empty array of node keys (the node-key rules: not
 * empty, not `_`, `#`, `__proto__`, `constructor` or `prototype`, no control characters, no lone
 * surrogates); returns them de-duplicated, read once. A delete can therefore never send `{}`.
 */
export function assertDeleteKeys(keys: unknown, soul: string): string[] {
  let problem: string | undefined;
  const out: string[] = [];
  try {
    if (!Array.isArray(keys) || keys.length === 0) problem = 'keys must be a non-empty array of strings';
    // A plain loop: this runs on every delete with keys, skipped ones included.
    for (let i = 0; problem === undefined && i < (keys as unknown[]).length; i++) {
      const k: unknown = (keys as unknown[])[i];
      problem = typeof k === 'string' ? nodeKeyProblem(k) : 'keys must be strings';
      if (problem) problem = `keys[${i}]: ${problem}`;
      else out.push(k as string);
    }
  } catch (error) {
    problem = `reading keys threw: ${error instanceof Error ? error.message : typeof error}`;
  }
  if (problem !== undefined) {
    throw new GunRelayError('INVALID_INPUT', `delete: ${problem}`, { op: 'delete', soul, field: 'keys' });
  }
  return hasDuplicates(out) ? [...new Set(out)] : out;
}

/** Duplicate check without allocating for the usual handful of keys (this runs on the skip path too). */
function hasDuplicates(keys: readonly string[]): boolean {
  if (keys.length > 16) return new Set(keys).size !== keys.length;
  for (let i = 1; i < keys.length; i++) if (keys.lastIndexOf(keys[i]!, i - 1) >= 0) return true;
  return false;
}

/** Throws `INVALID_INPUT` unless `n` is an integer from `min` to 10,000 (a list `limit` or `offset`). */
export function assertListCount(n: unknown, field: string, min: number): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > 10_000) {
    throw new GunRelayError('INVALID_INPUT', `list: ${field} must be an integer from ${min} to 10000`, { op: 'list', field });
  }
  return n;
}
