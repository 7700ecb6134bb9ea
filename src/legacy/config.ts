/** Where the relay is when `GUN_PEERS` is unset, as in helpers/gun.js. */
export const DEFAULT_GUN_PEER = 'http://gun-relay:8765';
/** The put timeout when `GUN_REGISTRY_TIMEOUT_MS` is unset or invalid. */
export const DEFAULT_REGISTRY_TIMEOUT_MS = 30_000;

/** The environment variables the facade reads. */
export interface LegacyEnv {
  /** Comma-separated relay URLs; the first is used. */
  GUN_PEERS?: string | undefined;
  /** Put timeout in milliseconds. */
  GUN_REGISTRY_TIMEOUT_MS?: string | undefined;
  /** `1`: a skipped delete throws instead of resolving `true`. */
  GUN_SKIP_THROWS?: string | undefined;
  /** Largest request and response body in bytes (default 64 MiB). */
  GUN_MAX_BODY_BYTES?: string | undefined;
}

/** The facade's body limit (each way) when `GUN_MAX_BODY_BYTES` is unset: 64 MiB (helpers/gun.js had none). */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

/** `GUN_MAX_BODY_BYTES` as a positive integer of bytes; else {@link DEFAULT_MAX_BODY_BYTES}. */
export function legacyMaxBodyBytes(env: LegacyEnv = process.env): number {
  const raw = env.GUN_MAX_BODY_BYTES?.trim() ?? '';
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : DEFAULT_MAX_BODY_BYTES;
}

/** First comma-separated entry of `GUN_PEERS`, trimmed, without trailing `/`; else {@link DEFAULT_GUN_PEER}. */
export function legacyBaseUrl(env: LegacyEnv = process.env): string {
  const first = (env.GUN_PEERS ?? '').split(',')[0]?.trim().replace(/\/+$/, '') ?? '';
  return first === '' ? DEFAULT_GUN_PEER : first;
}

/** `GUN_REGISTRY_TIMEOUT_MS` as a positive integer of milliseconds; else {@link DEFAULT_REGISTRY_TIMEOUT_MS}. */
export function legacyPutTimeoutMs(env: LegacyEnv = process.env): number {
  const raw = env.GUN_REGISTRY_TIMEOUT_MS?.trim() ?? '';
  const ms = /^\d+$/.test(raw) ? Number(raw) : NaN;
  return Number.isSafeInteger(ms) && ms > 0 ? ms : DEFAULT_REGISTRY_TIMEOUT_MS;
}

/** True when `GUN_SKIP_THROWS` is `1` or `true`: a skipped delete then throws instead of resolving `true`. */
export function legacyThrowOnSkip(env: LegacyEnv = process.env): boolean {
  const raw = env.GUN_SKIP_THROWS?.trim().toLowerCase();
  return raw === '1' || raw === 'true';
}
