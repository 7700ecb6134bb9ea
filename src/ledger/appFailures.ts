import { GunRelayError } from '../errors.js';
import { assertSoul } from '../protocol/input.js';
import { MAX_LEDGER_NAME_LENGTH, MAX_LEDGER_REASON_LENGTH } from './snapshot.js';

/** A failure the app records against a soul for an operation it defines (`recordFailure`). */
export interface AppFailure {
  /** The app's stable code for what failed, e.g. `'ES_MAPPING'` (1–64 characters). */
  code: string;
  /** Free text for operators; cut to 256 characters. */
  reason?: string | undefined;
}

/** What `recordFailure()` did. */
export interface AppFailureResult {
  op: string;
  soul: string;
  /** The soul's consecutive failures for `op`, this one included. */
  failures: number;
  /** True when `isQuarantined(op, soul)` is now true. */
  quarantined: boolean;
}

/** Checks an app operation name: a non-empty string of at most 64 characters. */
export function checkLedgerOperation(op: unknown, method: string): string {
  if (typeof op !== 'string' || op.length === 0 || op.length > MAX_LEDGER_NAME_LENGTH) {
    throw new GunRelayError('INVALID_INPUT', `${method}: op must be a string of 1 to ${MAX_LEDGER_NAME_LENGTH} characters`, { field: 'op' });
  }
  return op;
}

/** Checks a soul given to a ledger method with the calls' rules (INVALID_INPUT naming `method`). */
export function checkLedgerSoul(soul: unknown, method: string): asserts soul is string {
  try {
    assertSoul(soul, 'get');
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/^get: /, '') : 'invalid soul';
    throw new GunRelayError('INVALID_INPUT', `${method}: ${message}`, { field: 'soul' });
  }
}

/** Validates `recordFailure()`'s arguments; returns the code and the (cut) reason. */
export function checkAppFailure(op: unknown, soul: unknown, failure: unknown): { op: string; code: string; reason: string | undefined } {
  const name = checkLedgerOperation(op, 'recordFailure');
  checkLedgerSoul(soul, 'recordFailure');
  const f = failure as Partial<AppFailure> | null;
  if (typeof f !== 'object' || f === null || typeof f.code !== 'string' || f.code.length === 0 || f.code.length > MAX_LEDGER_NAME_LENGTH) {
    throw new GunRelayError('INVALID_INPUT', `recordFailure: failure.code must be a string of 1 to ${MAX_LEDGER_NAME_LENGTH} characters`, {
      field: 'failure.code',
    });
  }
  if (f.reason !== undefined && typeof f.reason !== 'string') {
    throw new GunRelayError('INVALID_INPUT', 'recordFailure: failure.reason must be a string', { field: 'failure.reason' });
  }
  return { op: name, code: f.code, reason: f.reason === undefined ? undefined : f.reason.slice(0, MAX_LEDGER_REASON_LENGTH) };
}
