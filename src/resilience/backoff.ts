/**
 * Delay before retry number `attempt` (1-based): exponential backoff with full jitter, i.e. a
 * uniform draw in [0, min(maxDelayMs, baseDelayMs × 2^(attempt-1))]. A `Retry-After` from the
 * relay takes precedence, capped at `maxRetryAfterMs`.
 */
export function retryDelayMs(
  attempt: number,
  retryAfterMs: number | undefined,
  options: { baseDelayMs: number; maxDelayMs: number; maxRetryAfterMs: number },
  random: () => number,
): number {
  if (retryAfterMs !== undefined) return Math.round(Math.min(Math.max(0, retryAfterMs), options.maxRetryAfterMs));
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/** Parses a `Retry-After` header (seconds or an HTTP date) into milliseconds from `nowMs`. */
export function parseRetryAfter(header: unknown, nowMs: number = Date.now()): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
