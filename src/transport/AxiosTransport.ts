import http from 'node:http';
import https from 'node:https';
import axios, { AxiosError, type AxiosInstance, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import axiosRetryModule from 'axios-retry';
import { GunRelayError, ownGunRelayError, redactUrl, type GunRelayErrorCode } from '../errors.js';
import { classifyStatus } from '../protocol/responses.js';
import { reasonSuffix } from '../protocol/relayReason.js';
import { parseRetryAfter } from '../resilience/backoff.js';
import { DeadlineWire } from './deadline.js';
import { INSPECT, inspectSummary } from '../client/redactedView.js';
import type { InspectOptions } from 'node:util';
import type { Transport, TransportRequest, TransportResponse } from './Transport.js';

/** Options of an {@link AxiosTransport}. */
export interface AxiosTransportOptions {
  /** Sockets per relay; also the keep-alive pool size. */
  maxSockets: number;
  maxContentLength: number;
  maxBodyLength: number;
  headers?: Record<string, string> | undefined;
  /** @internal Test hook: sees each raw response body before it is classified. */
  inspectBody?: ((body: unknown) => void) | undefined;
}

/**
 * Per-exchange state carried on the axios config. A class on purpose: axios deep-copies plain
 * objects when it merges configs, and every attempt must update this one instance.
 */
class ExchangeState {
  attempts = 0;
  /** The last failure classified, and what it was classified from: each failure is classified once. */
  classified: { raw: unknown; failure: GunRelayError } | undefined;
  readonly wire: DeadlineWire;
  constructor(
    readonly request: TransportRequest,
    /** The limit axios applies to a non-streamed body (-1: none). */
    bodyLimit: number,
  ) {
    const divert = request.sink && { sink: request.sink, limit: request.maxContentLength ?? Infinity };
    const errorHead = { keep: CLASSIFY_BYTES, limit: bodyLimit > -1 ? bodyLimit : Infinity };
    this.wire = new DeadlineWire(request.timeoutMs, request, request.attemptTimeoutMs, divert, errorHead);
  }
}
type Config = InternalAxiosRequestConfig & { gunRelay?: ExchangeState };

/**
 * How an answer with a refused status (not 2xx, not 404) travels through axios-retry: classified
 * as it arrives, its body already released, and not an `Error`. axios resolves every status (see
 * `validateStatus` below) and the transport's own response interceptor, which runs before
 * axios-retry's, rejects with this instead: axios then builds no AxiosError and no stacks for an
 * answer the transport has already turned into a {@link GunRelayError}. It never leaves the
 * transport: {@link AxiosTransport.send} throws its `failure`.
 */
class RefusedAnswer {
  constructor(
    /** Read by axios-retry to retry the request. */
    readonly config: Config,
    readonly failure: GunRelayError,
    /** Bytes of the body axios received (the head the wire kept). */
    readonly bodyBytes: number,
    /** The answer's `Retry-After` header, for the retry policy. */
    readonly retryAfter: unknown,
  ) {}
}

/**
 * Bytes of an error body kept for classification and the excerpt: a body under this size is
 * decoded and parsed whole; a larger one is read from its head only.
 */
const CLASSIFY_BYTES = 16 * 1024;
/**
 * Bytes decoded of a larger body's head: what its sniffed reason (1,024 characters) and the
 * excerpt (512) read, for characters of up to 4 bytes.
 */
const HEAD_BYTES = 4 * 1024;

function bodyText(data: unknown, limit = Infinity): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8', 0, Math.min(data.length, limit));
  return typeof data === 'string' ? data.slice(0, limit) : '';
}

function bodyLength(data: unknown): number {
  return Buffer.isBuffer(data) ? data.length : typeof data === 'string' ? Buffer.byteLength(data) : 0;
}

/**
 * Why an answer was refused for its size, naming the option to raise and, when the relay
 * announced the size, the value that would have fitted.
 */
function tooLargeMessage(op: string, limit: number, announced: number | undefined, encoding: string | undefined): string {
  // A compressed answer's announced length is its wire size: the limit counts what it decodes to.
  const known = encoding === undefined && announced !== undefined && announced > limit;
  const size = known ? `the answer is ${announced} bytes, ` : '';
  const decoded = encoding === undefined ? '' : `decoded from ${encoding.slice(0, 20)}, `;
  const raise = known ? `raise maxContentLength to at least ${announced}` : 'raise maxContentLength';
  const large = op === 'get' ? ', or read a large index with IndexSnapshot (streamed, no body limit to raise)' : '';
  return `${op}: response larger than ${limit} bytes (${decoded}${size}maxContentLength is ${limit}); ${raise} (client option, or per call)${large}`;
}

/** What axios's default params serializer writes for a value (`encodeURIComponent`, then `:`, `$`, `,` and `+` for a space kept plain). */
function encodeParam(value: string): string {
  return encodeURIComponent(value).replace(/%(?:3A|24|2C|20)/gi, (escape) => PLAIN[escape.toUpperCase()]!);
}
const PLAIN: Record<string, string> = { '%3A': ':', '%24': '$', '%2C': ',', '%20': '+' };

/** `?k=v&…` for flat string and number params, as axios's default serializer writes them; `''` for none. */
function queryString(params: Record<string, string | number>): string {
  let query = '';
  for (const key of Object.keys(params)) {
    const value = params[key];
    if (value === undefined || value === null) continue;
    query += `${query ? '&' : '?'}${encodeParam(key)}=${encodeParam(String(value))}`;
  }
  return query;
}

/** No transforms: bodies are sent as prepared and received as Buffers (shared, never mutated). */
const NO_TRANSFORMS: [] = [];

/**
 * Trims an instance's defaults to what this transport uses: axios merges every default into
 * every request's config (deep-copying each header group), so unused groups cost on every call.
 * Kept: one flat `common` group (axios's `Accept` and the client's headers) and `post`'s JSON
 * `Content-Type` (every POST body is JSON text), the `http` adapter, empty transforms. Dropped:
 * the other method groups, the XSRF cookie names and `env` (browser and FormData only) and the
 * `transitional` flags (axios falls back to the same values).
 */
function leanDefaults(instance: AxiosInstance, headers: Record<string, string> | undefined): void {
  const defaults = instance.defaults as unknown as Record<string, unknown>;
  const axiosCommon = (instance.defaults.headers as unknown as { common?: Record<string, unknown> }).common ?? {};
  const common: Record<string, unknown> = { Accept: axiosCommon['Accept'], 'Content-Type': undefined };
  for (const [name, value] of Object.entries(headers ?? {})) {
    // The client's headers replace axios's whatever their case (one header each on the wire).
    const known = Object.keys(common).find((key) => key.toLowerCase() === name.toLowerCase());
    common[known ?? name] = value;
  }
  defaults['headers'] = { common, post: { 'Content-Type': 'application/json' } };
  defaults['adapter'] = 'http';
  defaults['transformRequest'] = NO_TRANSFORMS;
  defaults['transformResponse'] = NO_TRANSFORMS;
  for (const unused of ['transitional', 'xsrfCookieName', 'xsrfHeaderName', 'env']) delete defaults[unused];
}

/** Statuses the transport resolves with: 2xx, and 404 (the relay's "Not found"). */
function acceptable(status: number): boolean {
  return (status >= 200 && status < 300) || status === 404;
}

/**
 * Drops the body from an axios response once it has been read. axios's stream listeners keep the
 * response object reachable from a keep-alive socket until that socket's next use; without this
 * the last body of every pooled socket would stay in memory.
 */
function release(response: AxiosResponse | undefined): void {
  if (response) response.data = undefined;
}

// axios-retry's CommonJS build sets `exports.default`; a Node-semantics import of it from our CJS
// build gets the exports object, so take the function from wherever it is.
const axiosRetry: typeof axiosRetryModule =
  typeof axiosRetryModule === 'function' ? axiosRetryModule : (axiosRetryModule as unknown as { default: typeof axiosRetryModule }).default;

const NETWORK_CODES: Record<string, GunRelayErrorCode> = {
  ECONNREFUSED: 'CONNECTION_REFUSED',
  ENOTFOUND: 'CONNECTION_REFUSED',
  EAI_AGAIN: 'CONNECTION_REFUSED',
  EHOSTUNREACH: 'CONNECTION_REFUSED',
  ENETUNREACH: 'CONNECTION_REFUSED',
  ECONNRESET: 'CONNECTION_RESET',
  EPIPE: 'CONNECTION_RESET',
  ERR_STREAM_PREMATURE_CLOSE: 'CONNECTION_RESET',
  ECONNABORTED: 'TIMEOUT',
  ETIMEDOUT: 'TIMEOUT',
  ERR_CANCELED: 'ABORTED',
};

/** What to check when no connection could be made to `relay` (for a `CONNECTION_REFUSED` message). */
function unreachable(systemCode: string | undefined, relay: string): string {
  if (systemCode === 'ECONNREFUSED') return `nothing listens at ${relay}: is the relay running, and is baseUrl's port right?`;
  if (systemCode === 'ENOTFOUND' || systemCode === 'EAI_AGAIN') return `the host name of ${relay} does not resolve here: check baseUrl`;
  return `${relay} cannot be reached from here`;
}

/** Node's codes for a request that cannot be encoded (bad header characters, unescapable URL). */
const ENCODING_CODES = new Set(['ERR_INVALID_CHAR', 'ERR_INVALID_HTTP_TOKEN', 'ERR_UNESCAPED_CHARACTERS', 'ERR_INVALID_URL']);

/** True for a failure to encode the request (a lone surrogate in a URL, a bad header), at any cause depth. */
function isEncodingError(error: unknown): boolean {
  for (let e = error, i = 0; e instanceof Error && i < 4; e = (e as { cause?: unknown }).cause, i++) {
    if (e instanceof URIError || ENCODING_CODES.has(String((e as { code?: unknown }).code))) return true;
  }
  return false;
}

/**
 * The production transport: one axios instance with one keep-alive agent per protocol, retries
 * through axios-retry driven by the client's policy, and failures turned into
 * {@link GunRelayError}s at once so no axios error, response buffer or socket outlives the call.
 */
export class AxiosTransport implements Transport {
  private readonly http: AxiosInstance;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private closed = false;
  private readonly redactedUrls = new Map<string, string>();

  constructor(private readonly options: AxiosTransportOptions) {
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets, maxFreeSockets: options.maxSockets };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
    this.http = axios.create({
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      maxContentLength: options.maxContentLength,
      maxBodyLength: options.maxBodyLength,
      maxRedirects: 0,
      proxy: false,
      // Bodies arrive as Buffers: a failure's excerpt is decoded from the head alone, so a large
      // error body never becomes a string.
      responseType: 'arraybuffer',
      // Every status resolves: `refuse` below turns a refused status into a RefusedAnswer.
      validateStatus: null,
    });
    leanDefaults(this.http, options.headers);
    // Registered before axios-retry's, so its rejection is what axios-retry sees.
    this.http.interceptors.response.use((response) => (acceptable(response.status) ? response : this.refuse(response)));
    axiosRetry(this.http, {
      retries: 0,
      shouldResetTimeout: false,
      retryCondition: (error) => this.shouldRetry(error),
      retryDelay: () => 0,
      onRetry: (attempt, error) => this.beforeRetry(attempt, error),
    });
  }

  async send(request: TransportRequest): Promise<TransportResponse> {
    if (this.closed) throw new GunRelayError('CLIENT_CLOSED', `${request.op}: client is closed`, { op: request.op, soul: request.soul });
    // A streamed answer's limit is the sink's (see divertBody); other statuses keep the transport's.
    const state = new ExchangeState(request, request.sink || request.maxContentLength === undefined ? this.options.maxContentLength : request.maxContentLength);
    const sentBytes = request.meter && request.body !== undefined ? Buffer.byteLength(request.body) : 0;
    let response: AxiosResponse<Buffer>;
    try {
      response = await this.http.request<Buffer>(this.config(request, state));
    } catch (error) {
      const failure = this.toError(error, state);
      const failed = (error as AxiosError).response;
      const received = error instanceof RefusedAnswer ? error.bodyBytes : bodyLength(failed?.data);
      request.meter?.(sentBytes * (state.attempts + 1), received + state.wire.droppedBytes + state.wire.divertedBytes);
      release(failed);
      const refused = state.wire.refused;
      // The sink refused the relay's 2xx answer (malformed, or a value past its bound): an answer,
      // not a failed exchange; the client throws the sink's verdict, as for a buffered body.
      if (refused && (error as { cause?: unknown }).cause === refused.error && !request.signal?.aborted && !state.wire.expired) {
        return { status: refused.status, text: '', retries: state.attempts, streamed: true, refused: failure };
      }
      throw failure;
    }
    this.options.inspectBody?.(response.data);
    request.meter?.(sentBytes * (state.attempts + 1), bodyLength(response.data) + state.wire.divertedBytes);
    const text = bodyText(response.data);
    release(response);
    const streamed = request.sink !== undefined && response.status >= 200 && response.status < 300;
    return { status: response.status, text, retries: state.attempts, ...(streamed ? { streamed } : {}) };
  }

  /**
   * The request's own config: only what differs from the instance defaults (see
   * {@link leanDefaults}), since axios merges every key of it with them on each request. The
   * query string is built here (what axios's default serializer writes for flat string and
   * number params), so axios has no params object to copy, check for cycles and serialise.
   */
  private config(request: TransportRequest, state: ExchangeState): Config {
    const config = {
      baseURL: request.baseUrl,
      url: request.params ? request.path + queryString(request.params) : request.path,
      method: request.method,
      data: request.body,
      timeout: request.timeoutMs,
      transport: state.wire,
      gunRelay: state,
    } as Config;
    // A streamed answer's limit is the sink's (see divertBody); other statuses keep the transport's.
    if (!request.sink && request.maxContentLength !== undefined) config.maxContentLength = request.maxContentLength;
    if (request.signal) config.signal = request.signal;
    const retries = request.retry?.retries ?? 0;
    if (retries > 0) (config as { 'axios-retry'?: { retries: number } })['axios-retry'] = { retries };
    return config;
  }

  openSockets(): number {
    return this.countSockets('sockets') + this.countSockets('freeSockets');
  }

  idleSockets(): number {
    return this.countSockets('freeSockets');
  }

  /** A small summary for logs: the names of the extra headers, never their values (an Authorization token). */
  toJSON(): { transport: 'AxiosTransport'; headers: string[]; closed: boolean } {
    return { transport: 'AxiosTransport', headers: Object.keys(this.options.headers ?? {}), closed: this.closed };
  }

  /** What `util.inspect(transport)` shows: the same summary as `toJSON()`. */
  [INSPECT](_depth: number, options: InspectOptions): string {
    const { headers, closed } = this.toJSON();
    return inspectSummary('AxiosTransport', { headers, closed }, options);
  }

  close(): void {
    this.closed = true;
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private countSockets(which: 'sockets' | 'freeSockets'): number {
    let n = 0;
    for (const agent of [this.httpAgent, this.httpsAgent]) {
      const list = agent[which];
      for (const key of Object.keys(list)) n += list[key]?.length ?? 0;
    }
    return n;
  }

  /**
   * Classifies an answer whose status the transport refuses, releases its body, and rejects with
   * a {@link RefusedAnswer} (every request's config carries its ExchangeState: see `config`).
   */
  private refuse(response: AxiosResponse<Buffer>): Promise<never> {
    const config = response.config as Config;
    const failure = this.classify(undefined, config.gunRelay!, response);
    const refused = new RefusedAnswer(config, failure, bodyLength(response.data), response.headers['retry-after']);
    release(response);
    // Not an Error on purpose (see RefusedAnswer); it never leaves the transport.
    return Promise.reject(refused);
  }

  private shouldRetry(error: AxiosError | RefusedAnswer): boolean {
    const state = (error.config as Config | undefined)?.gunRelay;
    const hook = state?.request.retry;
    if (!state || !hook || this.closed) return false;
    const failure = this.toError(error, state);
    // A request that cannot be encoded fails the same way every time: never retried.
    return failure.scope !== 'caller' && hook.shouldRetry(failure, state.attempts + 1, state.wire.attemptTimedOut);
  }

  private async beforeRetry(attempt: number, error: AxiosError | RefusedAnswer): Promise<void> {
    const state = (error.config as Config).gunRelay!;
    state.attempts = attempt;
    const retryAfter = parseRetryAfter(error instanceof RefusedAnswer ? error.retryAfter : error.response?.headers?.['retry-after']);
    const failure = this.toError(error, state);
    if (!(error instanceof RefusedAnswer)) release(error.response);
    await state.request.retry!.beforeRetry(failure, attempt, retryAfter);
    // Closed during the backoff: the retry is not sent (axios-retry fails the exchange with this).
    if (this.closed) throw new GunRelayError('CLIENT_CLOSED', `${state.request.op}: client is closed`, { op: state.request.op, soul: state.request.soul, retries: attempt - 1 });
  }

  /**
   * Classifies a failure while the axios error is still at hand, copying out only the status,
   * a short excerpt and codes. The returned error references nothing of axios.
   */
  private toError(error: unknown, state: ExchangeState): GunRelayError {
    if (error instanceof RefusedAnswer) return error.failure;
    const own = ownGunRelayError(error);
    if (own) return own;
    // axios-retry asks about a failure, then the same failure ends the exchange: one classification.
    const known = state.classified;
    if (known && known.raw === error) return known.failure;
    const failure = this.classify(error, state);
    state.classified = { raw: error, failure };
    return failure;
  }

  /** {@link redactUrl} of a relay's base URL, parsed once per relay rather than once per failure. */
  private redacted(baseUrl: string): string {
    let relay = this.redactedUrls.get(baseUrl);
    if (relay === undefined) {
      if (this.redactedUrls.size >= 64) this.redactedUrls.clear();
      relay = redactUrl(baseUrl);
      this.redactedUrls.set(baseUrl, relay);
    }
    return relay;
  }

  /** `answer`: a complete answer whose status is refused (from {@link refuse}); otherwise `error` is what axios rejected with. */
  private classify(error: unknown, state: ExchangeState, answer?: AxiosResponse): GunRelayError {
    const { op, soul, baseUrl, signal } = state.request;
    const details = { op, soul, relay: this.redacted(baseUrl), retries: state.attempts };
    if (signal?.aborted) return new GunRelayError('ABORTED', `${op}: aborted`, details);
    if (state.wire.gated !== undefined) return new GunRelayError('ABORTED', `${op}: not sent: ${state.wire.gated}`, details);
    if (state.wire.expired) {
      return new GunRelayError('TIMEOUT', `${op}: no complete answer within ${Math.round(state.request.timeoutMs)} ms`, { ...details, systemCode: 'ETIMEDOUT' });
    }
    if (state.wire.attemptTimedOut) {
      const tries = state.attempts + 1;
      const what = `no complete answer to ${tries === 1 ? 'the attempt' : `any of ${tries} attempts`} within attemptTimeoutMs (${state.request.attemptTimeoutMs} ms each)`;
      return new GunRelayError('TIMEOUT', `${op}: ${what}`, { ...details, systemCode: 'ETIMEDOUT' });
    }
    if (answer) return this.refusedStatus(answer, details, state.wire.droppedBytes);
    if (state.wire.switchedProtocols) {
      // Not a transient failure (the same endpoint upgrades every time), so not retried.
      return new GunRelayError('BAD_RESPONSE', `${op}: the relay answered 101 Switching Protocols, an upgrade this client never asks for: is baseUrl the relay's HTTP root?`, { ...details, status: 101 });
    }
    if (isEncodingError(error)) {
      // The request itself could not be put on the wire: the caller's input, not the relay.
      return new GunRelayError('INVALID_INPUT', `${op}: the request cannot be encoded (${(error as Error).message})`, details);
    }
    // A sink that refused the body (a malformed answer) failed with its own typed error, maybe
    // a GunRelayError of another bundle of the package (the oip and legacy subpaths carry their own).
    const refused = ownGunRelayError((error as { cause?: unknown }).cause, { relay: details.relay, retries: state.attempts });
    if (refused) return refused;
    if (!(error instanceof AxiosError)) {
      return new GunRelayError('CONNECTION_RESET', `${op}: ${String((error as Error)?.message ?? error)}`, details);
    }
    if (error.message.startsWith('maxContentLength')) {
      // The status line arrived before the body outgrew the limit: keep it (an oversized error page is not a soul's data).
      const status = (error.request as { res?: { statusCode?: unknown } } | undefined)?.res?.statusCode;
      const withStatus = typeof status === 'number' ? { ...details, status } : details;
      return new GunRelayError('RESPONSE_TOO_LARGE', tooLargeMessage(op, state.request.maxContentLength ?? this.options.maxContentLength, state.wire.announcedLength, state.wire.encoding), withStatus);
    }
    const response = error.response;
    // A response whose status was acceptable but whose body broke off is a network failure.
    if (response && !acceptable(response.status)) return this.refusedStatus(response, details, state.wire.droppedBytes);
    if (error.message.includes('maxBodyLength')) {
      return new GunRelayError('INVALID_INPUT', `${op}: request body larger than ${this.options.maxBodyLength} bytes`, details);
    }
    const systemCode = error.code ?? (error.cause as { code?: string } | undefined)?.code;
    if (systemCode?.startsWith('HPE_')) {
      // Node's HTTP parser refused the answer (a garbage status line, oversized headers): the
      // relay spoke no valid HTTP. Not a transient failure, so not retried.
      return new GunRelayError('BAD_RESPONSE', `${op}: the relay's answer is not valid HTTP (${systemCode})`, { ...details, systemCode });
    }
    const code = (systemCode && NETWORK_CODES[systemCode]) || (/hang up|aborted|reset/i.test(error.message) ? 'CONNECTION_RESET' : 'RELAY_ERROR');
    const what =
      code === 'TIMEOUT'
        ? `no answer within ${Math.round(state.request.timeoutMs)} ms`
        : code === 'CONNECTION_REFUSED'
          ? `${error.message} (${unreachable(systemCode, details.relay)})`
          : error.message;
    return new GunRelayError(code, `${op}: ${what}`, { ...details, systemCode });
  }

  /**
   * The failure for an answer with a refused status, from its status and its body: parsed when
   * the transport holds all of it (at most 16 KiB, nothing dropped), else sniffed from its head.
   */
  private refusedStatus(
    response: AxiosResponse,
    details: { op: TransportRequest['op']; soul: string | undefined; relay: string; retries: number },
    /** Bytes the wire read past the head it kept (0: `data` is the whole body, or a decoded compressed one). */
    droppedBytes: number,
  ): GunRelayError {
    const { data, status } = response;
    this.options.inspectBody?.(data);
    const whole = droppedBytes === 0 && bodyLength(data) <= CLASSIFY_BYTES;
    const text = bodyText(data, whole ? CLASSIFY_BYTES : HEAD_BYTES);
    const code = classifyStatus(status, text, whole);
    // Listed, not spread: on this path a spread of `details` cost ~5 µs a failure (docs/performance.md).
    const { op, soul, relay, retries } = details;
    return new GunRelayError(code, `${op}: relay answered ${status}${reasonSuffix(text, whole)}`, { op, soul, relay, retries, status, bodyExcerpt: text });
  }
}
