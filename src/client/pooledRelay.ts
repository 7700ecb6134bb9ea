import { GunRelayError } from '../errors.js';
import type { Attribution, AttributionKind } from '../relays/Attribution.js';
import type { RelayEndpoint } from '../relays/classifiers.js';
import type { RelayProfile } from '../relays/RelayProfile.js';
import type { RelayBreaker } from '../resilience/RelayBreaker.js';
import type { TransportRequest } from '../transport/Transport.js';
import type { Tallies } from './Counters.js';

/** One relay of a `RelayPool`: where it is, how its answers read, its breaker and its held refusals. */
export interface PooledRelay {
  readonly url: string;
  readonly label: string;
  readonly profile: RelayProfile;
  readonly breaker: RelayBreaker | undefined;
  /** Held refusals per kind of request: a relay refusing every delete is not made credible by its puts or reads. */
  readonly attribution: Record<AttributionKind, Attribution>;
}

/** A request without the relay: the pool picks one, unless `relay` pins it (a label or URL of one of the relays). `tallies` count its requests, retries and bytes. */
export type PoolRequest = Omit<TransportRequest, 'baseUrl' | 'retry' | 'meter'> & {
  tallies?: Tallies | undefined;
  relay?: string | undefined;
  /** This call's retry limit, when it overrides the client's. */
  retries?: number | undefined;
};
// `attemptTimeoutMs` (absent: the client's) and `maxContentLength` (absent: the transport's) pass through to the transport.

/** The relay endpoint of a request path (`/get?soul=…` included). */
export function endpointOf(path: string): RelayEndpoint {
  if (path.startsWith('/put')) return 'put';
  if (path.startsWith('/list')) return 'list';
  return 'get';
}

/** Throws `ABORTED` when the request's gate says it must not be sent. */
export function checkGate(request: PoolRequest): void {
  const why = request.gate?.();
  if (why !== undefined) throw new GunRelayError('ABORTED', `${request.op}: not sent: ${why}`, { op: request.op, soul: request.soul });
}

export function closedError(request: PoolRequest): GunRelayError {
  return new GunRelayError('CLIENT_CLOSED', `${request.op}: client closed during the call; nothing more was sent`, { op: request.op, soul: request.soul });
}

export function withCode(failure: GunRelayError, code: 'SOUL_REJECTED' | 'RELAY_ERROR'): GunRelayError {
  return new GunRelayError(code, failure.message, failure.details());
}

export function abortError(request: PoolRequest, reason: unknown): GunRelayError {
  if (reason instanceof GunRelayError) return reason;
  return new GunRelayError('ABORTED', `${request.op}: aborted`, { op: request.op, soul: request.soul });
}
