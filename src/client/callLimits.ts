import { GunRelayError, type Operation } from '../errors.js';
import type { CallOptions, ReadLimitOptions } from './results.js';

/** Longest per-call `timeoutMs` / `attemptTimeoutMs` accepted (what a Node timer can hold). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** A call's own limits, checked, as the pool takes them (`undefined`: the client's). */
export interface CallLimits {
  /** This call's retry limit. */
  retries: number | undefined;
  /** This call's deadline for one attempt. */
  attemptTimeoutMs: number | undefined;
  /** This call's largest answer body. */
  maxContentLength: number | undefined;
}

function isWholeMs(value: unknown, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= max;
}

/**
 * Checks a call's own `timeoutMs`, `attemptTimeoutMs`, `retry` and `maxContentLength`
 * (INVALID_INPUT before anything is sent) and returns what to hand to the pool.
 */
export function checkCallLimits(opts: CallOptions & ReadLimitOptions, op: Operation): CallLimits {
  const { timeoutMs, attemptTimeoutMs, retry, maxContentLength } = opts;
  if (timeoutMs !== undefined && !isWholeMs(timeoutMs, MAX_TIMEOUT_MS)) {
    throw invalid(op, 'timeoutMs', `timeoutMs must be a positive whole number of ms, got ${String(timeoutMs)}`);
  }
  if (attemptTimeoutMs !== undefined && !isWholeMs(attemptTimeoutMs, MAX_TIMEOUT_MS)) {
    throw invalid(op, 'attemptTimeoutMs', `attemptTimeoutMs must be a positive whole number of ms, got ${String(attemptTimeoutMs)}`);
  }
  if (maxContentLength !== undefined && !isWholeMs(maxContentLength, Number.MAX_SAFE_INTEGER)) {
    throw invalid(op, 'maxContentLength', `maxContentLength must be a positive whole number of bytes, got ${String(maxContentLength)}`);
  }
  if (retry === undefined && attemptTimeoutMs === undefined && maxContentLength === undefined) return NO_LIMITS;
  return { retries: checkRetry(retry, op), attemptTimeoutMs, maxContentLength };
}

/** The limits of a call that sets none (shared: most calls, skipped ones included, allocate nothing here). */
const NO_LIMITS: CallLimits = Object.freeze({ retries: undefined, attemptTimeoutMs: undefined, maxContentLength: undefined });

function checkRetry(retry: CallOptions['retry'], op: Operation): number | undefined {
  if (retry === undefined) return undefined;
  if (retry === false) return 0;
  const retries = (retry as { retries?: unknown } | null)?.retries;
  if (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 0 || retries > 10) {
    throw invalid(op, 'retry', 'retry must be false or { retries: 0..10 }');
  }
  return retries;
}

function invalid(op: Operation, field: string, message: string): GunRelayError {
  return new GunRelayError('INVALID_INPUT', `${op}: ${message}`, { op, field });
}
