import type { Clock } from '../clock.js';
import { GunRelayError, type GunRelayErrorCode } from '../errors.js';
import { isSoulNotFound } from '../protocol/responses.js';
import { isPlainObject, parseJsonSafe } from '../protocol/safeJson.js';
import type { BreakerState } from '../events.js';
import type { Transport } from '../transport/Transport.js';
import { endpointOf, type PooledRelay } from './pooledRelay.js';

/** Per-relay result of `health()`. */
export interface RelayHealth {
  /** The relay's base URL, credentials removed. */
  relay: string;
  /** True when the profile's `healthPath` answered 200 with a JSON object, or (a get probe) a clean miss. */
  ok: boolean;
  /** Whole milliseconds the probe took. */
  latencyMs: number;
  /** The relay's breaker state when the probe started (the probe itself does not move it). */
  breaker: BreakerState;
  /** Why it is not ok. */
  error: GunRelayErrorCode | undefined;
}

/**
 * Probes one relay at its profile's `healthPath`, bypassing breakers, retries and the limiter.
 * `reclassify` applies the relay's profile to a failure (as the pool does for calls).
 */
export async function probeRelay(
  relay: PooledRelay,
  transport: Transport,
  timeoutMs: number,
  clock: Clock,
  reclassify: (relay: PooledRelay, path: string, error: GunRelayError) => GunRelayError | 'miss',
): Promise<RelayHealth> {
  const started = clock.now();
  const breaker = relay.breaker?.state ?? 'closed';
  const result = (error: RelayHealth['error']): RelayHealth => ({
    relay: relay.label,
    ok: error === undefined,
    latencyMs: Math.round(clock.now() - started),
    breaker,
    error,
  });
  const path = relay.profile.healthPath;
  try {
    const res = await transport.send({ baseUrl: relay.url, method: 'GET', path, timeoutMs, op: 'health' });
    // Healthy means the relay's own endpoint answered 200 with JSON (or, for a get probe, a
    // clean miss), not any server at that URL.
    if (res.status === 404) return result(endpointOf(path) === 'get' && isSoulNotFound(res.text) ? undefined : 'BAD_RESPONSE');
    const body = parseJsonSafe(res.text);
    return result(res.status === 200 && body.ok && isPlainObject(body.value) ? undefined : 'BAD_RESPONSE');
  } catch (error) {
    const failure = error instanceof GunRelayError ? reclassify(relay, path, error) : undefined;
    if (failure === 'miss') return result(undefined);
    // Whatever the body says, a failing probe is the relay's failure, not a soul's.
    return result(failure && failure.scope !== 'soul' ? failure.code : 'RELAY_ERROR');
  }
}
