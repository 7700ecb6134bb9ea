import { GunRelayError, isGunRelayError, type GunRelayErrorCode } from '../errors.js';

/** helpers/gun.js's message when the relay refused the connection (callers match on it). */
export const RELAY_NOT_ACCESSIBLE = 'GUN relay not accessible - check if gun-relay service is running';
/** helpers/gun.js's message when the relay did not answer in time (callers match on it). */
export const RELAY_TIMEOUT = 'GUN relay timeout - service may be overloaded';

const LEGACY_MESSAGES: Partial<Record<GunRelayErrorCode, string>> = {
  CONNECTION_REFUSED: RELAY_NOT_ACCESSIBLE,
  // Every breaker open: the relay kept failing, so it is "not accessible" to the caller too.
  RELAY_UNAVAILABLE: RELAY_NOT_ACCESSIBLE,
  TIMEOUT: RELAY_TIMEOUT,
};

/**
 * Thrown by the facade for a call the failure ledger skipped, when skips are set to throw (and
 * always for a skipped put). `code` is `SKIPPED`: the relay refused this soul repeatedly and
 * nothing was sent this time.
 */
export class GunSkippedError extends GunRelayError {
  /** Always true: nothing was sent for this call. */
  readonly skipped = true as const;
  /** Consecutive failures cached for the soul. */
  readonly failures: number;

  /** The message never names the soul (it is in `soul`), so it cannot contain `404` or `not found`. */
  constructor(op: 'put' | 'delete', soul: string, failures: number) {
    super('SKIPPED', `GUN ${op} skipped: this soul failed ${failures} times recently (cached failures); nothing was sent`, {
      op,
      soul,
    });
    this.failures = failures;
  }
}

/** The same error with helpers/gun.js's message for refused connections and timeouts; others unchanged. */
export function toLegacyError(error: unknown): unknown {
  if (!isGunRelayError(error)) return error;
  const message = LEGACY_MESSAGES[error.code];
  if (message !== undefined) return new GunRelayError(error.code, message, error.details());
  const worded = inFacadeTerms(error.message);
  return worded === error.message ? error : new GunRelayError(error.code, worded, error.details());
}

/** A client message in the facade's terms: its users set `GUN_PEERS`, never the client's `baseUrl`. */
export function inFacadeTerms(text: string): string {
  return text.replace(/\bbaseUrl\b/g, 'GUN_PEERS');
}
