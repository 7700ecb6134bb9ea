import { GunRelayError, type Operation } from '../errors.js';
import type { CallOptions } from './results.js';

/** Longest per-call `timeoutMs` accepted (what a Node timer can hold). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Checks a call's own `timeoutMs` and `retry` (INVALID_INPUT before anything is sent) and returns
 * the retry limit to hand to the pool (`undefined`: the client's).
 */
export function checkCallLimits(opts: CallOptions, op: Operation): number | undefined {
  const { timeoutMs, retry } = opts;
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_TIMEOUT_MS)) {
    throw new GunRelayError('INVALID_INPUT', `${op}: timeoutMs must be a positive whole number of ms, got ${String(timeoutMs)}`, { op, field: 'timeoutMs' });
  }
  if (retry === undefined) return undefined;
  if (retry === false) return 0;
  const retries = (retry as { retries?: unknown } | null)?.retries;
  if (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 0 || retries > 10) {
    throw new GunRelayError('INVALID_INPUT', `${op}: retry must be false or { retries: 0..10 }`, { op, field: 'retry' });
  }
  return retries;
}
