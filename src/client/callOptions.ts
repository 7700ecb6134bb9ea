import { GunRelayError, type Operation } from '../errors.js';

/**
 * A call's options, checked and copied once: `undefined` or `null` means none; anything but an
 * object, a `signal` that is not an AbortSignal, or a getter that throws is `INVALID_INPUT`
 * (caller scope, nothing sent) instead of a TypeError escaping from deep inside the call.
 */
export function checkCallOptions<T extends object>(opts: unknown, op: Operation): Partial<T> {
  if (opts === undefined || opts === null) return {};
  if (typeof opts !== 'object') throw invalid(op, 'options', `options must be an object, got a ${typeof opts}`);
  let copy: Record<string, unknown>;
  try {
    copy = { ...(opts as Record<string, unknown>) };
  } catch (error) {
    throw invalid(op, 'options', `reading the options threw: ${error instanceof Error ? error.message : typeof error}`);
  }
  const signal = copy['signal'];
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalid(op, 'signal', 'signal must be an AbortSignal');
  return copy as Partial<T>;
}

function invalid(op: Operation, field: string, message: string): GunRelayError {
  return new GunRelayError('INVALID_INPUT', `${op}: ${message}`, { op, field });
}
