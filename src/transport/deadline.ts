import http from 'node:http';
import https from 'node:https';
import { isGunRelayError, redactUrl } from '../errors.js';
import { attemptChannel, isTraced, type AttemptTrace } from '../tracing/channels.js';
import { divertBody, keepHead } from './divertBody.js';
import type { BodySink, TransportRequest } from './Transport.js';

/** Where a wire sends 2xx bodies instead of axios, and their limit. */
export interface WireSink {
  sink: BodySink;
  limit: number;
}

/**
 * The wire for one exchange (all its attempts), given to axios as `config.transport`. axios's own
 * `timeout` is a socket *idle* timeout: a relay that drips a body a few bytes at a time never trips
 * it. This wire turns it into a deadline for the whole exchange: each request it opens gets one
 * unref'd timer for the time left, and is destroyed with `ETIMEDOUT` if still running then.
 * With an attempt deadline, the timer is the shorter of the two: an attempt that outlives it is
 * destroyed the same way and marked {@link DeadlineWire.attemptTimedOut}, so it may be retried.
 * It creates no AbortController.
 */
export class DeadlineWire {
  private readonly deadline: number;
  /** True once the deadline destroyed a request of this exchange. */
  expired = false;
  /** True when the latest attempt was ended by the attempt deadline (the exchange's had time left). */
  attemptTimedOut = false;

  /** The `content-length` the latest answer announced, if any (for a too-large answer's message). */
  announcedLength: number | undefined;
  /** Bytes of 2xx bodies handed to the sink, over every attempt. */
  divertedBytes = 0;
  /** The latest answer's `content-encoding` (e.g. `gzip`), if it had one: its limit counted decoded bytes. */
  encoding: string | undefined;
  /**
   * When the sink refused the latest attempt's 2xx body (threw a GunRelayError: a malformed or
   * oversized answer), that error and the status: the relay answered, the answer was bad.
   */
  refused: { error: unknown; status: number } | undefined;
  /** Bytes of the latest attempt's error body read past the head kept for classification. */
  droppedBytes = 0;
  /** Why the request's gate kept an attempt off the wire, if it did (see {@link TransportRequest.gate}). */
  gated: string | undefined;
  /** True when the latest attempt was answered `101 Switching Protocols`: an upgrade this client never asks for. */
  switchedProtocols = false;

  private attempts = 0;

  constructor(
    timeoutMs: number,
    /** What the attempts are for, for the `gun-relay-client:attempt` trace. */
    private readonly about?: Pick<TransportRequest, 'op' | 'soul' | 'baseUrl' | 'method' | 'path' | 'gate'>,
    /** Deadline of each attempt, when shorter than the time left. */
    private readonly attemptTimeoutMs?: number,
    /** Where 2xx bodies go instead of axios's buffer. */
    private readonly divert?: WireSink,
    /**
     * Error answers (not 2xx, not 404) reach axios with only this many bytes of their body, the
     * rest read and dropped, within `limit` bytes in all (not compressed: a compressed one is left to axios, which decodes it). Absent: error bodies reach axios whole.
     */
    private readonly errorHead?: { keep: number; limit: number },
  ) {
    this.deadline = Date.now() + timeoutMs;
  }

  /** Called by axios in place of `http.request` / `https.request`. */
  request(options: http.RequestOptions, given: (res: http.IncomingMessage) => void): http.ClientRequest {
    // The last moment before the attempt goes to a socket: a worker paused (SIGSTOP, a long GC)
    // between the pool's check and here still sends nothing once its lease may have lapsed.
    const gated = this.about?.gate?.();
    if (gated !== undefined) {
      this.gated = gated;
      throw new Error(`not sent: ${gated}`);
    }
    const attempt = this.attempts++;
    this.refused = undefined;
    this.switchedProtocols = false;
    /** An answer was handed on, or the request failed: axios will settle the attempt. */
    let settled = false;
    const onResponse = (res: http.IncomingMessage): void => {
      settled = true;
      const length = Number(res.headers['content-length']);
      this.announcedLength = Number.isSafeInteger(length) && length >= 0 ? length : undefined;
      const encoding = res.headers['content-encoding'];
      this.encoding = encoding && encoding.toLowerCase() !== 'identity' ? encoding : undefined;
      const status = res.statusCode ?? 0;
      this.droppedBytes = 0;
      if (this.divert && status >= 200 && status < 300) {
        const refused = (error: unknown): void => {
          if (isGunRelayError(error)) this.refused = { error, status };
        };
        given(divertBody(res, this.divert.sink, this.divert.limit, (bytes) => (this.divertedBytes += bytes), refused));
      } else if (this.errorHead && (status < 200 || status >= 300) && status !== 404 && this.encoding === undefined) {
        // A compressed error body is left to axios, which decodes it.
        given(keepHead(res, this.errorHead.keep, this.errorHead.limit, (bytes) => (this.droppedBytes = bytes)));
      } else given(res);
    };
    const req = isTraced(attemptChannel) && this.about ? this.traced(options, onResponse, attempt) : this.open(options, onResponse);
    const left = Math.max(1, this.deadline - Date.now());
    const perAttempt = this.attemptTimeoutMs !== undefined && this.attemptTimeoutMs < left;
    this.attemptTimedOut = false;
    const timer = setTimeout(() => {
      if (perAttempt) this.attemptTimedOut = true;
      else this.expired = true;
      const error = Object.assign(new Error(`no complete response within the deadline`), { code: 'ETIMEDOUT' });
      // Fail the response stream too, so a half-read body settles.
      (req as http.ClientRequest & { res?: http.IncomingMessage }).res?.destroy(error);
      req.destroy(error);
    }, perAttempt ? this.attemptTimeoutMs : left);
    timer.unref();
    req.once('error', () => (settled = true));
    req.once('close', () => {
      clearTimeout(timer);
      if (settled) return;
      // Node closes a request it has no answer for, without an error, when the relay switches
      // protocols (a `101` with `Upgrade`, nobody listening for it): fail the attempt, or axios
      // would wait for it forever. Our `error` listener above is still attached, so this cannot throw.
      this.switchedProtocols = (req as http.ClientRequest & { res?: http.IncomingMessage }).res?.statusCode === 101;
      const why = this.switchedProtocols ? 'the relay switched protocols (101)' : 'the request closed without an answer';
      req.emit('error', Object.assign(new Error(why), { code: 'ECONNRESET' }));
    });
    return req;
  }

  private open(options: http.RequestOptions, onResponse: (res: http.IncomingMessage) => void): http.ClientRequest {
    return (options.protocol === 'https:' ? https : http).request(options, onResponse);
  }

  /**
   * Opens the request inside an `attempt` trace: start/end now; error (if any), asyncStart and
   * asyncEnd once, when the answer's body ended or the request failed, before the call sees it.
   */
  private traced(options: http.RequestOptions, onResponse: (res: http.IncomingMessage) => void, attempt: number): http.ClientRequest {
    const { op, soul, baseUrl, method, path } = this.about!;
    const ctx: AttemptTrace = { op, soul, relay: redactUrl(baseUrl), method, path, attempt };
    let finished = false;
    const finish = (error?: Error): void => {
      if (finished) return;
      finished = true;
      if (error) {
        ctx.error = attemptError(error);
        attemptChannel.error.publish(ctx);
      }
      attemptChannel.asyncStart.publish(ctx);
      attemptChannel.asyncEnd.publish(ctx);
    };
    const req = attemptChannel.start.runStores(ctx, () => {
      try {
        return this.open(options, (res) => {
          ctx.status = res.statusCode;
          res.once('end', () => finish());
          res.once('error', finish);
          onResponse(res);
        });
      } finally {
        attemptChannel.end.publish(ctx);
      }
    });
    req.once('error', finish);
    req.once('close', () => finish());
    return req;
  }
}

/**
 * What an attempt trace says about a failure: a plain `Error` with the name, code and message
 * (credentials removed, at most 1 KiB). Never the raw error: axios's `CanceledError` carries the
 * request config (URL password, `Authorization` and every other header), and cannot be JSON'd.
 */
function attemptError(error: Error): Error {
  let name = 'Error';
  let message = '';
  let code: unknown;
  try {
    name = String(error.name);
    message = String(error.message);
    code = (error as { code?: unknown }).code;
  } catch {
    // a hostile getter: keep what was read
  }
  const safe = new Error(message.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (url) => redactUrl(url)).slice(0, 1_024));
  safe.name = name.slice(0, 100);
  if (typeof code === 'string') (safe as Error & { code?: string }).code = code.slice(0, 100);
  return safe;
}
