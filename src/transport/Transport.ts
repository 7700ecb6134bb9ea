import type { GunRelayError, Operation } from '../errors.js';

/** One HTTP exchange with a relay, as the client asks for it. */
export interface TransportRequest {
  /** Relay base URL without trailing slash. */
  baseUrl: string;
  method: 'GET' | 'POST';
  /** `/put`, `/get`, `/list` or `/peers/status`. */
  path: string;
  params?: Record<string, string | number> | undefined;
  /**
   * The POST body: JSON text fixed when the call was made (see `PreparedWrite`), sent byte for
   * byte as `application/json`. A transport must not re-serialise it.
   */
  body?: string | undefined;
  /** Deadline for the whole exchange, retries included. */
  timeoutMs: number;
  /**
   * Deadline for one attempt: an attempt still unanswered then is ended and fails `TIMEOUT` with
   * `attemptTimedOut` set, which the retry hook may retry (within `timeoutMs`). Absent: none.
   */
  attemptTimeoutMs?: number | undefined;
  /** Largest answer body accepted for this exchange, instead of the transport's own limit. */
  maxContentLength?: number | undefined;
  /**
   * Where a 2xx answer's body goes, chunk by chunk as it arrives, instead of being buffered; the
   * response's `text` is then `''` and `streamed` is true. `maxContentLength` bounds the streamed
   * bytes. Other statuses are buffered as usual (for classification). A transport without
   * streaming may ignore it and answer `text`: the client then writes the text to the sink itself.
   */
  sink?: BodySink | undefined;
  /**
   * Why the request must not be sent now, else undefined (a sync cycle's lease check). The pool
   * asks it before each relay and retry; a transport asks it again as each attempt is handed to
   * the socket (after any queueing and its own steps). A reason fails the call `ABORTED`
   * (`<op>: not sent: <reason>`) with nothing sent.
   */
  gate?: (() => string | undefined) | undefined;
  signal?: AbortSignal | undefined;
  /** For error messages and classification. */
  op: Operation;
  soul?: string | undefined;
  /** Consulted after each failed attempt, before its buffers are released; absent = no retries. */
  retry?: RetryHook | undefined;
  /**
   * Told, once the exchange settles (answered or failed), the body bytes it sent over every
   * attempt and the body bytes of the answer it got (0 when none). Optional for a transport.
   */
  meter?: ((bytesOut: number, bytesIn: number) => void) | undefined;
}

/** The retry decision, made by the client's policy on a classified failure. */
export interface RetryHook {
  /** Most retries this exchange may make. */
  readonly retries: number;
  /**
   * Whether to retry after `failure` (attempt is 1-based: 1 = first retry). `attemptTimedOut`: the
   * failure is a `TIMEOUT` of that attempt alone (`attemptTimeoutMs`), the exchange has time left.
   */
  shouldRetry(failure: GunRelayError, attempt: number, attemptTimedOut?: boolean): boolean;
  /** Waits the backoff before retry `attempt`; rejects if the call is aborted meanwhile. */
  beforeRetry(failure: GunRelayError, attempt: number, retryAfterMs: number | undefined): Promise<void>;
}

/**
 * Receives a 2xx answer's body as it arrives (see {@link TransportRequest.sink}). A throw from
 * any method ends the exchange with that error.
 */
export interface BodySink {
  /** An attempt's body begins (again, after a retry): forget what an earlier attempt wrote. */
  start(): void;
  /** The next chunk of the body. */
  write(chunk: Uint8Array): void;
  /** The body is complete. */
  end(): void;
}

/** A relay's answer: 2xx, or 404 (which means "not found" for `/get`). */
export interface TransportResponse {
  status: number;
  /** The raw body; the client parses it. `''` when the body went to the request's sink. */
  text: string;
  /** True when a 2xx body went to the request's {@link BodySink} instead of `text`. */
  streamed?: boolean | undefined;
  /**
   * When the request's sink refused the streamed 2xx body (threw a `GunRelayError`, e.g.
   * `BAD_RESPONSE` for a malformed answer): that error, for the client to throw. The relay
   * answered, so the exchange itself succeeded (as when a buffered body fails to parse): it is
   * not retried and does not count against the relay's breaker.
   */
  refused?: GunRelayError | undefined;
  /** Retries the exchange made before this answer. */
  retries: number;
}

/**
 * The seam between the client and HTTP. `send` resolves with a 2xx or 404 answer, or rejects
 * with a classified {@link GunRelayError} holding nothing from the HTTP layer. The production
 * implementation is {@link AxiosTransport}; tests and users may supply their own.
 */
export interface Transport {
  send(request: TransportRequest): Promise<TransportResponse>;
  /** Frees sockets and agents. Further sends reject. */
  close(): void;
  /** Open sockets (busy or idle), for tests and stats (optional). */
  openSockets?(): number;
  /** Open sockets idle in the keep-alive pool, for stats (optional). */
  idleSockets?(): number;
}
