import type { Clock } from '../clock.js';
import { GunRelayError, redactUrl, type GunRelayErrorCode } from '../errors.js';
import type { BreakerEvent, BreakerState, RetryEvent } from '../events.js';
import type { ResolvedOptions } from '../options.js';
import { retryDelayMs } from '../resilience/backoff.js';
import { isPlainObject, parseJsonSafe } from '../protocol/safeJson.js';
import { Limiter } from '../resilience/Limiter.js';
import { RelayBreaker } from '../resilience/RelayBreaker.js';
import { RetryBudget } from '../resilience/RetryBudget.js';
import type { RetryHook, Transport, TransportRequest, TransportResponse } from '../transport/Transport.js';
import type { Tallies } from './Counters.js';

/** Failures worth another try on the same or another relay: the relay, not the soul, failed. */
const RETRYABLE = new Set(['CONNECTION_REFUSED', 'CONNECTION_RESET', 'TIMEOUT', 'RATE_LIMITED', 'RELAY_ERROR']);

interface Relay {
  url: string;
  label: string;
  breaker: RelayBreaker | undefined;
}

/** What the pool reports to the client. */
export interface RelayPoolEvents {
  retry(event: RetryEvent): void;
  breaker(event: BreakerEvent): void;
}

/** A request without the relay: the pool picks one. `tallies` count its requests, retries and bytes. */
export type PoolRequest = Omit<TransportRequest, 'baseUrl' | 'retry' | 'meter'> & { tallies?: Tallies | undefined };

/**
 * Sends requests to the relays: a concurrency limit, a breaker per relay, failover to the next
 * healthy relay on relay-level failures, and retries under a budget. It never touches the soul
 * ledger: everything here is about relays.
 */
export class RelayPool {
  private readonly relays: Relay[];
  private readonly limiter: Limiter;
  private readonly budget: RetryBudget | undefined;
  private retriesSent = 0;
  /** Aborted by close(): cancels backoff sleeps. */
  private readonly closing = new AbortController();

  constructor(
    private readonly options: ResolvedOptions,
    private readonly transport: Transport,
    private readonly events: RelayPoolEvents,
  ) {
    const clock: Clock = options.clock;
    this.limiter = new Limiter(options.maxInFlight, options.maxQueue, clock);
    const retry = options.retry;
    this.budget = retry === false ? undefined : new RetryBudget({ ...retry.budget, clock });
    this.relays = options.baseUrl.map((url) => {
      const label = redactUrl(url);
      const breakerOptions = options.breaker;
      const breaker =
        breakerOptions === false
          ? undefined
          : new RelayBreaker({
              ...breakerOptions,
              clock,
              onChange: (from, to, failures) => this.events.breaker({ relay: label, from, to, failures }),
            });
      return { url, label, breaker };
    });
  }

  /**
   * Sends `request` to the first relay whose breaker lets it through, failing over on relay-level
   * errors. `request.timeoutMs` bounds the whole call from here: time waiting in the queue, every
   * attempt, backoff and failover (a call whose deadline passes in the queue rejects `TIMEOUT`
   * without sending; a backoff that would end past it is not slept).
   */
  async send(request: PoolRequest): Promise<TransportResponse> {
    const deadlineAt = this.options.clock.now() + request.timeoutMs;
    const waiting = this.limiter.acquire(request.op, request.soul, request.signal, request.timeoutMs);
    if (waiting) {
      try {
        await waiting;
      } catch (reason) {
        throw abortError(request, reason);
      }
    }
    try {
      return await this.sendToRelays(request, deadlineAt);
    } finally {
      this.limiter.release();
    }
  }

  private async sendToRelays(request: PoolRequest, deadlineAt: number): Promise<TransportResponse> {
    let last: GunRelayError | undefined;
    for (const relay of this.relays) {
      if (this.closing.signal.aborted) throw closedError(request);
      const left = deadlineAt - this.options.clock.now();
      if (left <= 0) throw last ?? new GunRelayError('TIMEOUT', `${request.op}: the call's ${request.timeoutMs} ms deadline passed; nothing was sent`, { op: request.op, soul: request.soul });
      if (relay.breaker && !relay.breaker.tryPass()) continue;
      this.budget?.recordRequest();
      const { tallies, ...wire } = request;
      try {
        const meter = tallies && ((out: number, got: number) => countBytes(tallies, out, got));
        const retry = this.retryHook(relay, request, deadlineAt);
        const response = await this.transport.send({ ...wire, timeoutMs: left, baseUrl: relay.url, retry, meter });
        if (tallies) countExchange(tallies, response.retries);
        relay.breaker?.recordSuccess();
        return response;
      } catch (error) {
        const failure = error instanceof GunRelayError ? error : abortError(request, error);
        if (tallies) countExchange(tallies, failure.retries);
        if (failure.scope === 'relay') relay.breaker?.recordFailure();
        else if (failure.scope === 'soul') relay.breaker?.recordSuccess();
        else relay.breaker?.release();
        if (failure.scope !== 'relay' || !RETRYABLE.has(failure.code)) throw failure;
        last = failure;
      }
    }
    if (last) throw last;
    throw new GunRelayError('RELAY_UNAVAILABLE', `${request.op}: every relay's circuit breaker is open; nothing was sent`, {
      op: request.op,
      soul: request.soul,
      relay: this.relays.map((r) => r.label).join(','),
    });
  }

  private retryHook(relay: Relay, request: PoolRequest, deadlineAt: number): RetryHook | undefined {
    const retry = this.options.retry;
    if (retry === false || retry.retries === 0) return undefined;
    return {
      retries: retry.retries,
      shouldRetry: (failure) => {
        // The deadline covers the whole exchange: a timed-out one has no time left to retry in.
        if (failure.scope !== 'relay' || !RETRYABLE.has(failure.code) || failure.code === 'TIMEOUT') return false;
        // Not when this failure opens the breaker: send() records it and fails over.
        if (relay.breaker?.oneFailureFromOpen) return false;
        return this.budget?.tryAcquire() ?? true;
      },
      beforeRetry: async (failure, attempt, retryAfterMs) => {
        const delayMs = retryDelayMs(attempt, retryAfterMs, retry, this.options.random);
        // A backoff (or Retry-After) that would end past the deadline is not slept: fail now with
        // this failure, which send() records; `retries` counts the retries that ran.
        if (this.options.clock.now() + delayMs >= deadlineAt) throw new GunRelayError(failure.code, failure.message, { ...failure.details(), retries: attempt - 1 });
        // Each failed attempt reaches the breaker once: a retried one here, the last in send().
        relay.breaker?.recordFailure();
        this.retriesSent++;
        this.events.retry({ op: request.op, soul: request.soul, relay: relay.label, attempt, delayMs, code: failure.code });
        const signal = request.signal ? AbortSignal.any([request.signal, this.closing.signal]) : this.closing.signal;
        try {
          await this.options.clock.sleep(delayMs, signal);
        } catch (reason) {
          throw this.closing.signal.aborted ? closedError(request) : abortError(request, reason);
        }
      },
    };
  }

  /** Probes every relay with `GET /peers/status`, bypassing breakers, retries and the limiter. */
  async health(timeoutMs: number): Promise<RelayHealth[]> {
    return Promise.all(
      this.relays.map(async (relay): Promise<RelayHealth> => {
        const started = this.options.clock.now();
        const breaker = relay.breaker?.state ?? 'closed';
        const result = (error: RelayHealth['error']): RelayHealth => ({
          relay: relay.label,
          ok: error === undefined,
          latencyMs: Math.round(this.options.clock.now() - started),
          breaker,
          error,
        });
        try {
          const res = await this.transport.send({ baseUrl: relay.url, method: 'GET', path: '/peers/status', timeoutMs, op: 'health' });
          // Healthy means the relay's own endpoint answered 200 with JSON, not any server at that URL.
          const body = parseJsonSafe(res.text);
          return result(res.status === 200 && body.ok && isPlainObject(body.value) ? undefined : 'BAD_RESPONSE');
        } catch (error) {
          // Whatever the body says, a failing status endpoint is the relay's failure, not a soul's.
          return result(error instanceof GunRelayError && error.scope !== 'soul' ? error.code : 'RELAY_ERROR');
        }
      }),
    );
  }

  /** Relay-side counters for `stats()`. */
  snapshot(): { retries: number; retriesDenied: number; retryBudgetUsed: number; queueDepth: number; inFlight: number; breakers: Record<string, BreakerState> } {
    const breakers: Record<string, BreakerState> = {};
    for (const r of this.relays) breakers[r.label] = r.breaker?.state ?? 'closed';
    return {
      retries: this.retriesSent,
      retriesDenied: this.budget?.denied ?? 0,
      retryBudgetUsed: this.budget?.used() ?? 0,
      queueDepth: this.limiter.queueDepth,
      inFlight: this.limiter.inFlight,
      breakers,
    };
  }

  /** Rejects every queued call and cancels every backoff with `CLIENT_CLOSED`; no request starts after it. */
  close(): void {
    this.closing.abort();
    this.limiter.rejectAll(() => new GunRelayError('CLIENT_CLOSED', 'client closed while the call was queued'));
  }
}

/** Per-relay result of `health()`. */
export interface RelayHealth {
  /** The relay's base URL, credentials removed. */
  relay: string;
  /** True when `GET /peers/status` answered 200 with a JSON object. */
  ok: boolean;
  /** Whole milliseconds the probe took. */
  latencyMs: number;
  /** The relay's breaker state when the probe started (the probe itself does not move it). */
  breaker: BreakerState;
  /** Why it is not ok. */
  error: GunRelayErrorCode | undefined;
}

/** Adds one exchange (its first attempt plus `retries`) to each tally. */
function countExchange(tallies: Tallies, retries: number): void {
  for (const t of tallies) {
    t.requests += 1 + retries;
    t.retries += retries;
  }
}

/** Adds an exchange's body bytes to each tally. */
function countBytes(tallies: Tallies, bytesOut: number, bytesIn: number): void {
  for (const t of tallies) {
    t.bytesOut += bytesOut;
    t.bytesIn += bytesIn;
  }
}

function closedError(request: PoolRequest): GunRelayError {
  return new GunRelayError('CLIENT_CLOSED', `${request.op}: client closed during the call; nothing more was sent`, { op: request.op, soul: request.soul });
}

function abortError(request: PoolRequest, reason: unknown): GunRelayError {
  if (reason instanceof GunRelayError) return reason;
  return new GunRelayError('ABORTED', `${request.op}: aborted`, { op: request.op, soul: request.soul });
}
