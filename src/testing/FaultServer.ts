import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import {
  closeServer,
  listenLoopback,
  pushBounded,
  readBody,
  SocketTracker,
  splitTarget,
  TimerSet,
} from './httpUtil.js';

/** A request as the fault script sees it. `n` counts requests from 1. */
export interface FaultRequest {
  /** 1 for the first request since start or the last reset, then 2, 3, ... */
  readonly n: number;
  /** HTTP method, e.g. `'POST'`. */
  readonly method: string;
  /** Path without the query, e.g. `'/put'`. */
  readonly path: string;
  /** Query parameters (last value wins). */
  readonly query: Readonly<Record<string, string>>;
  /** Request headers (lower-case names). */
  readonly headers: IncomingHttpHeaders;
  /** The body parsed as JSON, else the raw text; `undefined` when empty. */
  readonly body: unknown;
  /** Size of the request body in bytes. */
  readonly bodyBytes: number;
}

/**
 * What the fault server does with one request. A `body` object is sent as JSON, a string raw
 * (e.g. malformed JSON). `bodyBytes` sends a `{"error":"xxx…"}` body of exactly that many bytes.
 */
export type FaultBehaviour =
  /** Answer `status` with `body` (object → JSON, string/Buffer → raw, absent → empty). */
  | { status: number; body?: unknown; headers?: Record<string, string> }
  /** Answer `status` with a `{"error":"xxx…"}` body of exactly `bodyBytes` bytes. */
  | { status: number; bodyBytes: number; headers?: Record<string, string> }
  /** Destroy the socket before any byte of response. */
  | { reset: 'before-response' }
  /** Send headers and half the body (`bodyBytes`, default 64 KiB), then destroy the socket. */
  | { reset: 'mid-body'; status?: number; bodyBytes?: number }
  /** Never answer (until the client gives up or the server closes). */
  | { hang: true }
  /** Send `body` (default `{"success":true}`) in `chunks` pieces, `intervalMs` apart. */
  | {
      slowBody: { chunks: number; intervalMs: number };
      status?: number;
      body?: unknown;
      headers?: Record<string, string>;
    }
  /** Wait `delayMs`, then behave as `then`. */
  | { delayMs: number; then: FaultBehaviour };

/** A fault script: decides each request's behaviour (may be async). */
export type FaultHandler = (req: FaultRequest) => FaultBehaviour | Promise<FaultBehaviour>;

/** A request in the fault server's log (body kept only when at most 64 KiB). */
export interface FaultRequestRecord extends FaultRequest {
  /** `Date.now()` when the request arrived. */
  readonly at: number;
}

/** A loopback HTTP server that answers by script, for fault injection in client tests. */
export interface FaultServer {
  /** Base URL, `http://127.0.0.1:PORT`, without a trailing slash. */
  readonly url: string;
  /** The bound port; stays the same across {@link FaultServer.refuse}/{@link FaultServer.accept}. */
  readonly port: number;
  /** Requests received since start or the last {@link FaultServer.reset}. */
  readonly requestCount: number;
  /** Requests being handled right now (received, not yet answered, reset or abandoned). */
  readonly inFlight: number;
  /** Highest {@link FaultServer.inFlight} seen since start or the last reset. */
  readonly maxConcurrent: number;
  /** TCP connections accepted since start or the last reset. */
  readonly connectionsOpened: number;
  /** TCP connections open right now. */
  readonly openConnections: number;
  /** Highest number of simultaneously open connections since start or the last reset. */
  readonly peakOpenConnections: number;
  /** The most recent requests (bounded to 200, oldest first). */
  readonly log: readonly FaultRequestRecord[];
  /** Queues behaviours for the next requests, first in first out, ahead of the default. */
  enqueue(...behaviours: FaultBehaviour[]): void;
  /** Replaces the default used when the queue is empty: a handler, or one fixed behaviour. */
  setDefault(script: FaultHandler | FaultBehaviour): void;
  /**
   * Empties the queue, restores the default given to {@link startFaultServer}, zeroes the
   * counters (request numbers restart at 1) and empties the log. Listening state is unchanged.
   */
  reset(): void;
  /** Stops listening and destroys open connections: new connections are refused. */
  refuse(): Promise<void>;
  /** Listens again on the same port after {@link FaultServer.refuse}. */
  accept(): Promise<void>;
  /** Destroys every socket, cancels pending timers and stops listening. Leaves no handles. */
  close(): Promise<void>;
}

const DEFAULT_BEHAVIOUR: FaultBehaviour = { status: 200, body: { success: true } };
const LOG_SIZE = 200;
const LOG_BODY_LIMIT = 64 * 1024;

/**
 * Starts a fault server on 127.0.0.1 (ephemeral port). Without a handler every request gets
 * 200 `{"success":true}`; pass a handler function or a fixed behaviour to change that.
 */
export async function startFaultServer(handler?: FaultHandler | FaultBehaviour): Promise<FaultServer> {
  const server = new FaultServerImpl(handler ?? DEFAULT_BEHAVIOUR);
  await server.accept();
  return server;
}

class FaultServerImpl implements FaultServer {
  private readonly server: Server;
  private readonly sockets: SocketTracker;
  private readonly timers = new TimerSet();
  private readonly queue: FaultBehaviour[] = [];
  private script: FaultHandler | FaultBehaviour;
  private records: FaultRequestRecord[] = [];
  private count = 0;
  private active = 0;
  private peakActive = 0;
  private boundPort = 0;
  private closing: Promise<void> | undefined;

  constructor(private readonly initialScript: FaultHandler | FaultBehaviour) {
    this.script = initialScript;
    this.server = createServer({ requestTimeout: 0 }, (req, res) => void this.handle(req, res));
    this.sockets = new SocketTracker(this.server);
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }
  get port(): number {
    return this.boundPort;
  }
  get requestCount(): number {
    return this.count;
  }
  get inFlight(): number {
    return this.active;
  }
  get maxConcurrent(): number {
    return this.peakActive;
  }
  get connectionsOpened(): number {
    return this.sockets.opened;
  }
  get openConnections(): number {
    return this.sockets.open;
  }
  get peakOpenConnections(): number {
    return this.sockets.peak;
  }
  get log(): readonly FaultRequestRecord[] {
    return [...this.records];
  }

  enqueue(...behaviours: FaultBehaviour[]): void {
    this.queue.push(...behaviours);
  }

  setDefault(script: FaultHandler | FaultBehaviour): void {
    this.script = script;
  }

  reset(): void {
    this.queue.length = 0;
    this.script = this.initialScript;
    this.count = 0;
    this.peakActive = this.active;
    this.records = [];
    this.sockets.opened = 0;
    this.sockets.peak = this.sockets.open;
  }

  async refuse(): Promise<void> {
    await closeServer(this.server, this.sockets);
  }

  async accept(): Promise<void> {
    if (this.closing) throw new Error('FaultServer is closed');
    if (this.server.listening) return;
    this.boundPort = await listenLoopback(this.server, this.boundPort);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.timers.cancelAll();
      await closeServer(this.server, this.sockets);
    })();
    return this.closing;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // In flight from arrival until the response is finished or the connection is gone.
    this.active++;
    this.peakActive = Math.max(this.peakActive, this.active);
    let counted = true;
    const settle = (): void => {
      if (counted) this.active--;
      counted = false;
    };
    res.once('close', settle);
    try {
      const raw = await readBody(req);
      const { path, query } = splitTarget(req.url);
      const request: FaultRequest = {
        n: ++this.count,
        method: req.method ?? 'GET',
        path,
        query: Object.fromEntries(query),
        headers: req.headers,
        body: decodeBody(raw),
        bodyBytes: raw.length,
      };
      pushBounded(
        this.records,
        { ...request, body: raw.length <= LOG_BODY_LIMIT ? request.body : undefined, at: Date.now() },
        LOG_SIZE,
      );
      let behaviour: FaultBehaviour;
      try {
        behaviour = this.queue.shift() ?? (await this.decide(request));
      } catch (err) {
        behaviour = { status: 500, body: { error: `FaultServer handler threw: ${String(err)}` } };
      }
      await this.perform(behaviour, req, res);
    } catch {
      req.socket.destroy(); // the client went away mid-request
    }
  }

  private async decide(request: FaultRequest): Promise<FaultBehaviour> {
    const script = this.script;
    return typeof script === 'function' ? await script(request) : script;
  }

  private async perform(b: FaultBehaviour, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if ('delayMs' in b) {
      if (await this.timers.sleep(b.delayMs)) await this.perform(b.then, req, res);
      return;
    }
    if ('hang' in b) return; // close() destroys the socket
    if ('reset' in b) {
      if (b.reset === 'before-response') return void req.socket.destroy();
      const text = errorBody(b.bodyBytes ?? 64 * 1024);
      res.writeHead(b.status ?? 500, jsonHeaders(Buffer.byteLength(text)));
      // Wait until the first half reached the kernel, so the client really sees a partial body.
      await new Promise<void>((resolve) => res.write(text.slice(0, text.length >> 1), () => resolve()));
      await this.timers.sleep(10);
      return void req.socket.destroy();
    }
    if ('slowBody' in b) {
      const text = encodeBody(b.body ?? { success: true });
      const chunks = Math.max(1, Math.floor(b.slowBody.chunks));
      res.writeHead(b.status ?? 200, { ...jsonHeaders(text.length), ...b.headers });
      res.flushHeaders();
      // Exactly `chunks` pieces (even split), so the body takes (chunks - 1) × intervalMs.
      for (let i = 0; i < chunks; i++) {
        if (i > 0 && !(await this.timers.sleep(b.slowBody.intervalMs))) return;
        if (res.destroyed) return;
        const piece = text.subarray(Math.floor((i * text.length) / chunks), Math.floor(((i + 1) * text.length) / chunks));
        if (piece.length > 0) res.write(piece);
      }
      res.end();
      return;
    }
    const text = 'bodyBytes' in b ? Buffer.from(errorBody(b.bodyBytes)) : encodeBody(b.body);
    res.writeHead(b.status, { ...jsonHeaders(text.length), ...b.headers });
    res.end(text);
  }
}

/** A JSON error body of exactly `bytes` bytes (at least 12): `{"error":"xxx…"}`. */
function errorBody(bytes: number): string {
  return `{"error":"${'x'.repeat(Math.max(0, bytes - 12))}"}`;
}

function encodeBody(body: unknown): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
}

function decodeBody(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function jsonHeaders(length: number): Record<string, string | number> {
  return { 'Content-Type': 'application/json', 'Content-Length': length };
}
