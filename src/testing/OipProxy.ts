import http, { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import axios, { type AxiosInstance } from 'axios';
import { closeServer, listenLoopback, readBody, SocketTracker, splitTarget } from './httpUtil.js';
import { RequestLog } from './RequestLog.js';
import { isPlainObject, parseJsonSafe } from '../protocol/safeJson.js';

/** Options of {@link startOipProxy}. Defaults reproduce the indexer's `/gun-relay` routes. */
export interface OipProxyOptions {
  /** Base URL of the relay behind the proxy (the indexer's `GUN_PEERS`), e.g. a local relay's `url`. */
  target: string;
  /** Port on 127.0.0.1. Default 0: an ephemeral port. */
  port?: number;
  /** How long the proxy waits for the relay on a get before answering 500 (production: 10 s). Default 10000. */
  getTimeoutMs?: number;
  /** How long the proxy waits for the relay on a put before answering 500 (production: 30 s). Default 30000. */
  putTimeoutMs?: number;
  /** Start in maintenance mode (`DISABLE_GUN_RELAY_PROXY=true`): every proxied call answers 503. Default false. */
  disabled?: boolean;
  /** Largest JSON request body the API parses (production: express's `50mb`); larger is 413. Default 50 MiB. */
  maxBodyBytes?: number;
  /** How many recent requests {@link OipProxy.log} keeps. Default 200. */
  requestLogSize?: number;
}

/** One request seen by the proxy. `status` is `null` while unanswered. */
export interface OipProxyRequestRecord {
  /** HTTP method, e.g. `'GET'`. */
  readonly method: string;
  /** Path without the query, e.g. `'/gun-relay/get'`. */
  readonly path: string;
  /** The soul the request named (query or body), else `null`. */
  readonly soul: string | null;
  /** Status the proxy answered; `null` while pending. */
  readonly status: number | null;
}

type MutableRecord = { -readonly [K in keyof OipProxyRequestRecord]: OipProxyRequestRecord[K] };

/** A running loopback copy of the OIP indexer's `/gun-relay` proxy. */
export interface OipProxy {
  /** The base URL a client uses for this peer: `http://127.0.0.1:PORT/gun-relay`. */
  readonly url: string;
  /** The bound port. */
  readonly port: number;
  /** The relay the proxy forwards to. */
  readonly target: string;
  /** True while in maintenance mode (every proxied call answers 503). */
  readonly disabled: boolean;
  /** Requests received since start or the last {@link OipProxy.resetCounters}. */
  readonly requestCount: number;
  /** Requests per path since start or the last reset; a copy. */
  readonly requestsByPath: Readonly<Record<string, number>>;
  /** The most recent requests (bounded by `requestLogSize`, oldest first); a copy. */
  readonly log: readonly OipProxyRequestRecord[];
  /** Switches maintenance mode on or off (the indexer needs a restart for this; tests do not). */
  setDisabled(disabled: boolean): void;
  /** Zeroes the counters and empties the request log. */
  resetCounters(): void;
  /** Stops listening, destroys open connections and the upstream sockets. Idempotent. */
  close(): Promise<void>;
}

const MAINTENANCE = { error: 'GUN relay proxy disabled for maintenance', success: false };

/**
 * Starts a loopback HTTP server that answers exactly as the indexer's `/gun-relay/get` and
 * `/gun-relay/put` routes do (see docs/deployments.md): a relay answer passes through on success;
 * every relay failure becomes the proxy's own `{"error": <HTTP client message>, "success": false}`
 * — a get always with status 500 (a relay 404 included), a put with the relay's status or 500 —
 * so the relay's own message is lost. No `/peers/status`. Always `await proxy.close()`.
 */
export async function startOipProxy(options: OipProxyOptions): Promise<OipProxy> {
  const proxy = new OipProxyServer(options);
  await proxy.bind(options.port ?? 0);
  return proxy;
}

class OipProxyServer implements OipProxy {
  readonly target: string;
  private readonly server: Server;
  private readonly sockets: SocketTracker;
  private readonly agent = new http.Agent({ keepAlive: true });
  private readonly http: AxiosInstance;
  private readonly getTimeoutMs: number;
  private readonly putTimeoutMs: number;
  private readonly maxBodyBytes: number;
  private isDisabled: boolean;
  private readonly requests: RequestLog<MutableRecord>;
  private boundPort = 0;
  private closing: Promise<void> | undefined;

  constructor(options: OipProxyOptions) {
    this.target = options.target.replace(/\/+$/, '');
    this.getTimeoutMs = options.getTimeoutMs ?? 10_000;
    this.putTimeoutMs = options.putTimeoutMs ?? 30_000;
    this.maxBodyBytes = options.maxBodyBytes ?? 50 * 1024 * 1024;
    this.requests = new RequestLog<MutableRecord>(options.requestLogSize ?? 200);
    this.isDisabled = options.disabled ?? false;
    this.http = axios.create({ httpAgent: this.agent, proxy: false, maxRedirects: 0, responseType: 'text', transformResponse: [(d: unknown) => d] });
    this.server = createServer({ requestTimeout: 0 }, (req, res) => void this.handle(req, res));
    this.sockets = new SocketTracker(this.server);
  }

  async bind(port: number): Promise<void> {
    this.boundPort = await listenLoopback(this.server, port);
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}/gun-relay`;
  }

  get port(): number {
    return this.boundPort;
  }

  get disabled(): boolean {
    return this.isDisabled;
  }

  get requestCount(): number {
    return this.requests.count;
  }

  get requestsByPath(): Readonly<Record<string, number>> {
    return this.requests.perPath;
  }

  get log(): readonly OipProxyRequestRecord[] {
    return this.requests.entries();
  }

  setDisabled(disabled: boolean): void {
    this.isDisabled = disabled;
  }

  resetCounters(): void {
    this.requests.reset();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await closeServer(this.server, this.sockets);
      this.agent.destroy();
    })();
    return this.closing;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const { path, query } = splitTarget(req.url);
    const record = this.requests.add({ method, path, soul: null, status: null });
    const send = (status: number, text: string, type = 'application/json; charset=utf-8'): void => {
      record.status = status;
      if (res.destroyed || res.writableEnded) return;
      res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    const json = (status: number, body: unknown): void => send(status, JSON.stringify(body));
    try {
      if (method === 'GET' && path === '/gun-relay/get') {
        record.soul = query.get('soul');
        if (this.isDisabled) return json(503, MAINTENANCE);
        return await this.get(record.soul, send, json);
      }
      if (method === 'POST' && path === '/gun-relay/put') {
        const body = await this.readJson(req);
        if (body === 'too-large') return send(413, htmlError('PayloadTooLargeError: request entity too large'), 'text/html; charset=utf-8');
        if (body === 'invalid') return send(400, htmlError('SyntaxError: Unexpected token in JSON'), 'text/html; charset=utf-8');
        if (isPlainObject(body) && typeof body['soul'] === 'string') record.soul = body['soul'];
        if (this.isDisabled) return json(503, MAINTENANCE);
        return await this.put(body, send, json);
      }
      // Everything else (including /gun-relay/peers/status) is the web framework's own 404 page.
      return send(404, htmlError(`Cannot ${method} ${path}`), 'text/html; charset=utf-8');
    } catch {
      req.socket.destroy(); // the client went away mid-request
    }
  }

  /** Reads a JSON body as the API's body parser does: only `application/json` is parsed, else `{}`. */
  private async readJson(req: IncomingMessage): Promise<unknown> {
    const raw = await readBody(req);
    if (raw.length > this.maxBodyBytes) return 'too-large';
    if (!/^application\/json/i.test(req.headers['content-type'] ?? '')) return {};
    if (raw.length === 0) return {};
    const parsed = parseJsonSafe(raw.toString('utf8'));
    return parsed.ok ? parsed.value : 'invalid';
  }

  private async get(soul: string | null, send: (s: number, t: string) => void, json: (s: number, b: unknown) => void): Promise<void> {
    if (!soul) return json(400, { error: 'soul parameter required' });
    try {
      const response = await this.http.get<string>(`${this.target}/get?soul=${encodeURIComponent(soul)}`, { timeout: this.getTimeoutMs });
      send(200, response.data);
    } catch (error) {
      // The indexer drops the upstream response before reading its status: always 500.
      json(500, { error: (error as Error).message, success: false });
    }
  }

  private async put(body: unknown, send: (s: number, t: string) => void, json: (s: number, b: unknown) => void): Promise<void> {
    const fields = isPlainObject(body) ? body : {};
    if (!fields['soul'] || !fields['data']) return json(400, { error: 'soul and data required' });
    try {
      const response = await this.http.post<string>(`${this.target}/put`, body, {
        timeout: this.putTimeoutMs,
        headers: { 'Content-Type': 'application/json' },
        maxBodyLength: Infinity,
      });
      send(200, response.data);
    } catch (error) {
      // The put route reads the upstream status first (so it is kept), but never the body.
      const status = (error as { response?: { status?: number } }).response?.status;
      json(status || 500, { error: (error as Error).message, success: false });
    }
  }
}

function htmlError(message: string): string {
  return `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>${message}</pre>\n</body>\n</html>\n`;
}
