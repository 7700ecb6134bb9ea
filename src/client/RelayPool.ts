import type { Clock } from '../clock.js';
import { GunRelayError, type Operation } from '../errors.js';
import { INSPECT, inspectSummary } from './redactedView.js';
import type { InspectOptions } from 'node:util';
import type { BreakerEvent, BreakerState, RetryEvent } from '../events.js';
import type { ResolvedOptions } from '../options.js';
import { retryDelayMs } from '../resilience/backoff.js';
import { isSoulNotFound } from '../protocol/responses.js';
import { Attribution, type AttributionKind, type HeldRefusal } from '../relays/Attribution.js';
import { checkedVerdict } from '../relays/classifierGuard.js';
import type { ClassifierProblem } from '../relays/classifiers.js';
import { FailoverPolicy } from '../relays/FailoverPolicy.js';
import { Limiter } from '../resilience/Limiter.js';
import { RelayBreaker } from '../resilience/RelayBreaker.js';
import { RetryBudget } from '../resilience/RetryBudget.js';
import type { RetryHook, Transport, TransportRequest, TransportResponse } from '../transport/Transport.js';
import type { Tallies } from './Counters.js';
import { abortError, checkGate, closedError, endpointOf, withCode, type PoolRequest, type PooledRelay } from './pooledRelay.js';
import { probeRelay, type RelayHealth } from './relayHealth.js';

/** Failures worth another try on the same or another relay: the relay, not the soul, failed. */
const RETRYABLE = new Set(['CONNECTION_REFUSED', 'CONNECTION_RESET', 'TIMEOUT', 'RATE_LIMITED', 'RELAY_ERROR']);


/** The body the relay sends for a missing soul; a classifier's `miss` is answered with it. */
const NOT_FOUND_TEXT = '{"error":"Not found"}';

/** What the pool reports to the client. */
export interface RelayPoolEvents {
  retry(event: RetryEvent): void;
  breaker(event: BreakerEvent): void;
  /** Held refusals a relay's acceptance of another soul just confirmed: count them. */
  confirmed(refusals: HeldRefusal[]): void;
  /** A relay's `classify` hook threw or answered something unknown; the profile's verdict was used. */
  classifierProblem(problem: ClassifierProblem): void;
}


/** An answer (2xx, or 404 for a missing soul) and the relay that gave it. */
export interface PoolResponse extends TransportResponse {
  /** The label (credentials removed) of the relay that answered. */
  relay: string;
}

/**
 * Sends requests to the relays: a concurrency limit, a breaker per relay, failover to the next
 * healthy relay on relay-level failures, and retries under a budget. It never touches the soul
 * ledger: everything here is about relays.
 */
export type { PoolRequest } from './pooledRelay.js';
export type { RelayHealth } from './relayHealth.js';

export class RelayPool {
  private readonly relays: PooledRelay[];
  private readonly failover: FailoverPolicy<PooledRelay>;
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
    this.relays = options.baseUrl.map((profile) => {
      const { url, label } = profile;
      const breakerOptions = options.breaker;
      const breaker =
        breakerOptions === false
          ? undefined
          : new RelayBreaker({
              ...breakerOptions,
              clock,
              onChange: (from, to, failures) => this.events.breaker({ relay: label, from, to, failures }),
            });
      const held = (): Attribution => new Attribution(options.attributionWindowMs, options.maxTrackedSouls);
      return { url, label, profile, breaker, attribution: { put: held(), delete: held(), read: held() } };
    });
    this.failover = new FailoverPolicy(this.relays, options.failover);
  }

  /** The label of the relay a call goes to first: the pinned one, else the first. INVALID_INPUT for an unknown pin. */
  target(pin: string | undefined, op: Operation, soul?: string): string {
    return pin === undefined ? this.relays[0]!.label : this.failover.pinned(pin, op, soul).label;
  }

  /** Every relay's label, in order. */
  get labels(): string[] {
    return this.relays.map((r) => r.label);
  }

  /**
   * A soul-level refusal by relay `label`: true when it counts now (`attributionWindowMs: 0`, or
   * no relay answered), else it is held until that relay accepts another soul's request of the
   * same kind (see Attribution) and `'held'` says whether the key already had one held.
   */
  refused(label: string | undefined, kind: AttributionKind, refusal: HeldRefusal): true | 'new' | 'again' {
    const relay = label === undefined || this.options.attributionWindowMs === 0 ? undefined : this.relays.find((r) => r.label === label);
    if (relay === undefined) return true;
    return relay.attribution[kind].hold(refusal) ? 'again' : 'new';
  }

  /** Drops a held refusal of `op`/`key` at relay `label`: the key just succeeded there. */
  succeeded(label: string, kind: AttributionKind, op: string, key: string): void {
    for (const r of this.relays) if (r.label === label) r.attribution[kind].drop(op, key);
  }

  /** Drops every held refusal of `soul` (`forgive`). */
  forgive(soul: string): void {
    for (const r of this.relays) for (const a of Object.values(r.attribution)) a.dropSoul(soul);
  }

  /**
   * Sends `request` to the first relay whose breaker lets it through, failing over on relay-level
   * errors. `request.timeoutMs` bounds the whole call from here: time waiting in the queue, every
   * attempt, backoff and failover (a call whose deadline passes in the queue rejects `TIMEOUT`
   * without sending; a backoff that would end past it is not slept).
   */
  async send(request: PoolRequest): Promise<PoolResponse> {
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

  private async sendToRelays(request: PoolRequest, deadlineAt: number): Promise<PoolResponse> {
    let last: GunRelayError | undefined;
    const tallies = request.tallies;
    const candidates = this.failover.candidates(request);
    const kind = attributionKind(request.op, request.method);
    for (const relay of candidates) {
      if (this.closing.signal.aborted) throw closedError(request);
      const left = deadlineAt - this.options.clock.now();
      if (left <= 0) throw last ?? new GunRelayError('TIMEOUT', `${request.op}: the call's ${request.timeoutMs} ms deadline passed; nothing was sent`, { op: request.op, soul: request.soul });
      checkGate(request);
      if (relay.breaker && !relay.breaker.tryPass()) continue;
      this.budget?.recordRequest();
      try {
        const response = await this.transport.send(this.wireRequest(request, relay, left, deadlineAt));
        if (tallies) countExchange(tallies, response.retries);
        relay.breaker?.recordSuccess();
        if (response.status !== 404 || isSoulNotFound(response.text)) this.accepted(relay, kind, request.soul);
        return { ...response, relay: relay.label };
      } catch (error) {
        const raw = error instanceof GunRelayError ? error : abortError(request, error);
        if (tallies) countExchange(tallies, raw.retries);
        const verdict = this.reclassify(relay, request, raw);
        if (verdict === 'miss') {
          relay.breaker?.recordSuccess();
          this.accepted(relay, kind, request.soul);
          return { status: 404, text: NOT_FOUND_TEXT, retries: raw.retries, relay: relay.label };
        }
        const failure = verdict;
        // A soul-level refusal says nothing yet about the relay's health (it may be an outage the
        // proxy words as a refusal): it neither closes nor opens the breaker.
        if (failure.scope === 'relay') relay.breaker?.recordFailure();
        else relay.breaker?.release();
        if (failure.scope !== 'relay' || !RETRYABLE.has(failure.code)) throw failure;
        last = failure;
      }
    }
    if (last) throw last;
    const which = candidates.length === 1 ? `relay ${candidates[0]!.label}'s circuit breaker is` : "every relay's circuit breaker is";
    const retryIn = Math.min(...candidates.map((r) => r.breaker?.retryInMs ?? 0));
    const when = retryIn > 0 ? `; it lets a request through again in ${retryIn} ms` : '; the next call probes it';
    throw new GunRelayError('RELAY_UNAVAILABLE', `${request.op}: ${which} open; nothing was sent${when}`, {
      op: request.op,
      soul: request.soul,
      relay: candidates.map((r) => r.label).join(','),
    });
  }

  /** The transport's request for one relay: built field by field (a failure path allocates no copies of the pool request). */
  private wireRequest(request: PoolRequest, relay: PooledRelay, timeoutMs: number, deadlineAt: number): TransportRequest {
    const tallies = request.tallies;
    return {
      baseUrl: relay.url,
      method: request.method,
      path: request.path,
      params: request.params,
      body: request.body,
      timeoutMs,
      attemptTimeoutMs: request.attemptTimeoutMs ?? this.options.attemptTimeoutMs,
      maxContentLength: request.maxContentLength,
      gate: request.gate,
      sink: request.sink,
      signal: request.signal,
      op: request.op,
      soul: request.soul,
      retry: this.retryHook(relay, request, deadlineAt),
      meter: tallies && ((out: number, got: number) => countBytes(tallies, out, got)),
    };
  }

  /** Hands the refusals an acceptance of `soul` confirms to the client. */
  private accepted(relay: PooledRelay, kind: AttributionKind, soul: string | undefined): void {
    const confirmed = relay.attribution[kind].accepted(soul, this.options.clock.now());
    if (confirmed !== undefined) this.events.confirmed(confirmed);
  }

  /**
   * Applies the relay's profile to a failure that carries an HTTP status: its classifier's verdict
   * (`miss`, or the soul/relay split) replaces the transport's status-only reading.
   */
  private reclassify(relay: PooledRelay, request: PoolRequest, failure: GunRelayError): GunRelayError | 'miss' {
    if (failure.status === undefined || failure.scope === 'caller') return failure;
    const { custom, builtIn, kind } = relay.profile;
    const endpoint = endpointOf(request.path);
    const body = failure.bodyExcerpt ?? '';
    const own = custom === undefined ? undefined : checkedVerdict(custom, relay.label, endpoint, failure.status, body, this.events.classifierProblem);
    const verdict = own ?? (kind === 'relay' ? undefined : builtIn(endpoint, failure.status, body));
    if (verdict === undefined) return failure;
    if (verdict === 'miss' && endpoint === 'get') return 'miss';
    if (verdict === 'soul') return failure.code === 'SOUL_REJECTED' ? failure : withCode(failure, 'SOUL_REJECTED');
    return failure.scope === 'relay' ? failure : withCode(failure, 'RELAY_ERROR');
  }

  private retryHook(relay: PooledRelay, request: PoolRequest, deadlineAt: number): RetryHook | undefined {
    const retry = this.options.retry;
    const retries = request.retries ?? (retry === false ? 0 : retry.retries);
    if (retry === false || retries === 0) return undefined;
    return {
      retries,
      shouldRetry: (raw, _attempt, attemptTimedOut) => {
        const failure = this.reclassify(relay, request, raw);
        if (failure === 'miss') return false;
        // The deadline covers the whole exchange: a timed-out one has no time left to retry in.
        // One attempt ended by `attemptTimeoutMs` is a relay failure like any other.
        if (failure.scope !== 'relay' || !RETRYABLE.has(failure.code) || (failure.code === 'TIMEOUT' && !attemptTimedOut)) return false;
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
        checkGate(request);
      },
    };
  }

  /** Probes every relay at its profile's `healthPath`, bypassing breakers, retries and the limiter. */
  health(timeoutMs: number): Promise<RelayHealth[]> {
    const reclassify = (relay: PooledRelay, path: string, error: GunRelayError) => this.reclassify(relay, { op: 'health', method: 'GET', path, timeoutMs }, error);
    return Promise.all(this.relays.map((relay) => probeRelay(relay, this.transport, timeoutMs, this.options.clock, reclassify)));
  }

  /** Relay-side counters for `stats()`. */
  snapshot(): { pendingRefusals: number; retries: number; retriesDenied: number; retryBudgetUsed: number; queueDepth: number; inFlight: number; breakers: Record<string, BreakerState> } {
    const breakers: Record<string, BreakerState> = {};
    let pendingRefusals = 0;
    const now = this.options.clock.now();
    for (const r of this.relays) {
      breakers[r.label] = r.breaker?.state ?? 'closed';
      pendingRefusals += r.attribution.put.size(now) + r.attribution.delete.size(now) + r.attribution.read.size(now);
    }
    return {
      pendingRefusals,
      retries: this.retriesSent,
      retriesDenied: this.budget?.denied ?? 0,
      retryBudgetUsed: this.budget?.used() ?? 0,
      queueDepth: this.limiter.queueDepth,
      inFlight: this.limiter.inFlight,
      breakers,
    };
  }

  /** A small summary for logs: the relays' labels (credentials removed), never the options. */
  toJSON(): { pool: 'RelayPool'; relays: string[] } {
    return { pool: 'RelayPool', relays: this.labels };
  }

  /** What `util.inspect(pool)` shows: the same summary as `toJSON()`. */
  [INSPECT](_depth: number, options: InspectOptions): string {
    return inspectSummary('RelayPool', { relays: this.labels }, options);
  }

  /** Rejects every queued call and cancels every backoff with `CLIENT_CLOSED`; no request starts after it. */
  close(): void {
    this.closing.abort();
    this.limiter.rejectAll(() => new GunRelayError('CLIENT_CLOSED', 'client closed while the call was queued'));
  }
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



/** Which acceptances vouch for a request's refusal: a put's, a delete's, or any read's. */
export function attributionKind(op: Operation, method: 'GET' | 'POST'): AttributionKind {
  if (method === 'GET') return 'read';
  return op === 'delete' ? 'delete' : 'put';
}
