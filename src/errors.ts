/** The operation a call or an error belongs to. */
export type Operation = 'put' | 'get' | 'delete' | 'list' | 'health';

/**
 * Every code a {@link GunRelayError} can carry. Match on `code`, not on `instanceof`: codes are
 * stable across releases and across duplicated copies of the package.
 */
export const ERROR_CODES = [
  /** The caller passed a soul, node or argument the relay must never see; nothing was sent. */
  'INVALID_INPUT',
  /** The client options failed validation; `field` names the offending option. */
  'INVALID_OPTIONS',
  /** The client was closed before or during the call. */
  'CLIENT_CLOSED',
  /** The relay answered and refused this soul's request (400, or 500 with a GUN message). Counts against the soul. */
  'SOUL_REJECTED',
  /** The legacy facade (in throwing mode) refused a call for a quarantined soul; nothing was sent. */
  'SKIPPED',
  /** The relay failed for reasons not about the soul (502/503/504, a 500 whose `error` is an object, other 5xx). */
  'RELAY_ERROR',
  /** The relay answered 429. */
  'RATE_LIMITED',
  /** No connection could be made (refused, unknown host). */
  'CONNECTION_REFUSED',
  /** The connection broke before a full response arrived. */
  'CONNECTION_RESET',
  /** No complete response within the operation's timeout. */
  'TIMEOUT',
  /** The caller's AbortSignal fired. */
  'ABORTED',
  /** The relay answered with a body the protocol does not allow (not JSON, wrong shape, `success: false`, unknown status). */
  'BAD_RESPONSE',
  /** The response body was larger than `maxContentLength`; it was not buffered whole. */
  'RESPONSE_TOO_LARGE',
  /** Every relay's circuit breaker is open: the call was not sent. */
  'RELAY_UNAVAILABLE',
  /** `maxInFlight` requests are running and `maxQueue` calls are already waiting. */
  'QUEUE_FULL',
  /** An encrypted record could not be decrypted with the key supplied (wrong key or tampered data). */
  'DECRYPTION_FAILED',
  /** An encrypted record was read or written but no key was available for it. */
  'MISSING_KEY',
  /**
   * The relay answered a read with another soul's data (a link to another node's child, or a
   * record whose `meta.localId` or `oip.did` names another soul), also when read again;
   * `foreignSoul` names that soul. Nothing was returned as this soul's data.
   */
  'IDENTITY_MISMATCH',
  /**
   * The relay answered "Not found" for a soul this client saw present, or wrote, within
   * `readGuard.rememberMs`, on the first read and on every re-read. A relay's misread (the
   * production relay answers a large node whole only to its first reader, then 404 for seconds)
   * cannot be told from a delete by another writer, so the read is neither answered "absent" nor
   * cached as a miss: read again later.
   */
  'UNCONFIRMED_MISS',
] as const;

/** A stable string that says what went wrong. */
export type GunRelayErrorCode = (typeof ERROR_CODES)[number];

/**
 * Who a failure is about. `soul`: the relay refused this soul's data, so it counts in the failure
 * ledger. `relay`: the relay (or the road to it) failed, so it never counts against a soul.
 * `caller`: the call itself was wrong or cancelled.
 */
export type FailureScope = 'soul' | 'relay' | 'caller';

const SCOPE_BY_CODE: Record<GunRelayErrorCode, FailureScope> = {
  INVALID_INPUT: 'caller',
  INVALID_OPTIONS: 'caller',
  CLIENT_CLOSED: 'caller',
  ABORTED: 'caller',
  QUEUE_FULL: 'caller',
  MISSING_KEY: 'caller',
  DECRYPTION_FAILED: 'caller',
  SOUL_REJECTED: 'soul',
  SKIPPED: 'soul',
  RELAY_ERROR: 'relay',
  RATE_LIMITED: 'relay',
  CONNECTION_REFUSED: 'relay',
  CONNECTION_RESET: 'relay',
  TIMEOUT: 'relay',
  BAD_RESPONSE: 'relay',
  RESPONSE_TOO_LARGE: 'relay',
  RELAY_UNAVAILABLE: 'relay',
  IDENTITY_MISMATCH: 'relay',
  UNCONFIRMED_MISS: 'relay',
};

/** Longest `bodyExcerpt` an error keeps, in characters. */
export const BODY_EXCERPT_LIMIT = 512;

/** Fields of a {@link GunRelayError} besides its code and message. */
export interface GunRelayErrorDetails {
  op?: Operation | undefined;
  soul?: string | undefined;
  foreignSoul?: string | undefined;
  status?: number | undefined;
  bodyExcerpt?: string | undefined;
  relay?: string | undefined;
  field?: string | undefined;
  systemCode?: string | undefined;
  retries?: number | undefined;
}

/**
 * The one error class of the SDK. It carries only small, owned values (code, status, a short body
 * excerpt): never an HTTP response, request, socket, header or config, so holding an error pins no
 * response buffer.
 */
export class GunRelayError extends Error {
  override readonly name = 'GunRelayError' as const;
  /** What went wrong; see {@link GunRelayErrorCode}. */
  readonly code: GunRelayErrorCode;
  /** Whether this failure is about the soul, the relay, or the call. */
  readonly scope: FailureScope;
  /** The operation that failed. */
  readonly op: Operation | undefined;
  /** The soul the call was about, when it had one. */
  readonly soul: string | undefined;
  /** For `IDENTITY_MISMATCH`: the soul whose data the relay answered with. */
  readonly foreignSoul: string | undefined;
  /** The HTTP status, when the relay answered. */
  readonly status: number | undefined;
  /** At most {@link BODY_EXCERPT_LIMIT} characters of the response body, copied out of it. */
  readonly bodyExcerpt: string | undefined;
  /** The relay's base URL (credentials removed), when a relay was involved. */
  readonly relay: string | undefined;
  /** For `INVALID_INPUT` / `INVALID_OPTIONS`: the path of the offending field. */
  readonly field: string | undefined;
  /** For network failures: the system error code, e.g. `ECONNREFUSED`. */
  readonly systemCode: string | undefined;
  /** How many retries were made before this error was final. */
  readonly retries: number;

  constructor(code: GunRelayErrorCode, message: string, details: GunRelayErrorDetails = {}) {
    super(message);
    this.code = code;
    this.scope = SCOPE_BY_CODE[code];
    this.op = details.op;
    this.soul = details.soul;
    this.foreignSoul = details.foreignSoul;
    this.status = details.status;
    this.bodyExcerpt = details.bodyExcerpt === undefined ? undefined : excerpt(details.bodyExcerpt);
    this.relay = details.relay;
    this.field = details.field;
    this.systemCode = details.systemCode;
    this.retries = details.retries ?? 0;
  }

  /** The fields besides code and message, e.g. to build the same error with another message. */
  details(): GunRelayErrorDetails {
    return {
      op: this.op,
      soul: this.soul,
      ...(this.foreignSoul === undefined ? {} : { foreignSoul: this.foreignSoul }),
      status: this.status,
      bodyExcerpt: this.bodyExcerpt,
      relay: this.relay,
      field: this.field,
      systemCode: this.systemCode,
      retries: this.retries,
    };
  }

  /** A plain object with every field; safe to log. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, scope: this.scope, message: this.message, ...this.details() };
  }
}

/** True for any error produced by this SDK, including one from another copy of the package. */
export function isGunRelayError(value: unknown): value is GunRelayError {
  return (
    value instanceof GunRelayError ||
    (value instanceof Error &&
      value.name === 'GunRelayError' &&
      typeof (value as { code?: unknown }).code === 'string')
  );
}

/**
 * `value` as an error of this copy's {@link GunRelayError} class: itself when it is one, a copy
 * (same code, message and fields, `extra` on top) when it is a GunRelayError of another copy of
 * the package with a known code (each subpath bundle of `dist` carries its own class, so an
 * `IndexSnapshot`'s parser throws one `instanceof` does not match), else `undefined`.
 */
export function ownGunRelayError(value: unknown, extra: GunRelayErrorDetails = {}): GunRelayError | undefined {
  if (!isGunRelayError(value)) return undefined;
  const known = value instanceof GunRelayError;
  if (known && Object.keys(extra).length === 0) return value;
  const code = (value as { code: unknown }).code;
  if (!known && !(ERROR_CODES as readonly unknown[]).includes(code)) return undefined;
  const v = value as unknown as Record<string, unknown>;
  const str = (key: string): string | undefined => (typeof v[key] === 'string' ? (v[key] as string) : undefined);
  const details: GunRelayErrorDetails = {
    op: str('op') as Operation | undefined,
    soul: str('soul'),
    foreignSoul: str('foreignSoul'),
    status: typeof v['status'] === 'number' ? (v['status'] as number) : undefined,
    bodyExcerpt: str('bodyExcerpt'),
    relay: str('relay'),
    field: str('field'),
    systemCode: str('systemCode'),
    retries: typeof v['retries'] === 'number' ? (v['retries'] as number) : undefined,
  };
  if (details.foreignSoul === undefined) delete details.foreignSoul;
  return new GunRelayError(code as GunRelayErrorCode, String(value.message), { ...details, ...extra });
}

/**
 * Copies at most {@link BODY_EXCERPT_LIMIT} characters into a new, flat string. A plain
 * `slice()` of a large string can return a V8 "sliced string" that keeps the whole parent (the
 * full response body) alive; going through a Buffer guarantees an independent copy.
 */
export function excerpt(text: string): string {
  if (text.length <= 12) return text;
  const head = text.length > BODY_EXCERPT_LIMIT ? text.slice(0, BODY_EXCERPT_LIMIT) : text;
  return Buffer.from(head, 'utf8').toString('utf8');
}

/**
 * A relay URL without its credentials, for errors, events, stats keys, health and logs: the one
 * function every place that prints a relay uses. The URL is parsed (WHATWG), so a username or
 * password holding any character — a raw `@` or `:` included (`http://u:p@ss@host`) — is removed
 * whole. A string that does not parse loses everything up to the last `@` of its authority.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1');
  }
  if (parsed.username === '' && parsed.password === '') return url;
  parsed.username = '';
  parsed.password = '';
  const href = parsed.href;
  // Keep the caller's form: no trailing slash added to a bare origin.
  return !url.endsWith('/') && parsed.pathname === '/' && !parsed.search && !parsed.hash ? href.slice(0, -1) : href;
}
