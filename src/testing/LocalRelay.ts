import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../options.js';
import { unwatchExit, watchExit } from './exitWatch.js';
import { GunHost, type GunNode } from './GunHost.js';
import { present } from './nodeView.js';
import {
  closeServer,
  listenLoopback,
  readBody,
  SocketTracker,
  splitTarget,
  TimerSet,
} from './httpUtil.js';
import { isPlainObject } from '../protocol/safeJson.js';
import { ListIndex, type ListEntry } from './ListIndex.js';
import { RelayFaultTable, type RelayFault } from './relayFaults.js';
import { RequestLog } from './RequestLog.js';

/** Options of {@link startLocalRelay}. Defaults reproduce the production relay's timings. */
export interface LocalRelayOptions {
  /** Port on 127.0.0.1. Default 0: an ephemeral port. Pass a previous relay's port to restart it. */
  port?: number;
  /** Where gun keeps its data. Default: a fresh temp dir, removed on close unless kept. */
  dataDir?: string;
  /** Fixed sleep after gun's ack before a put answers 200 (production: 100). Default 100. */
  putDelayMs?: number;
  /** How long a get of a never-written soul waits before its 404 (production: 3000). Default 3000. */
  missWaitMs?: number;
  /** gun's disk batch window (radisk `until`), which is most of a put's latency. Default gun's 250. */
  writeBatchMs?: number;
  /**
   * What `/list` rows hold after a restart: `'gun-node'` (default, as production: the raw gun node
   * with `_` and links, `storedAt` = restart time) or `'as-sent'` (the data as it was put).
   */
  listAfterRestart?: 'gun-node' | 'as-sent';
  /** How many recent requests {@link LocalRelay.log} keeps. Default 200. */
  requestLogSize?: number;
  /**
   * Keep the process alive while the relay is open, as a server would (e.g. a relay run as a
   * stand-alone dev server). Default false: the relay's handles are unref'd, so a forgotten relay
   * never holds the process open; when the process is about to exit with it still open, it warns
   * (see `logger`) and closes it.
   */
  keepProcessAlive?: boolean;
  /**
   * Where the relay's own warnings go (a relay left open at exit): a pino-style logger, or `null`
   * for silence. Default: `process.emitWarning` (printed on stderr as a `LocalRelayWarning`).
   */
  logger?: Pick<Logger, 'warn'> | null;
}

/** One request seen by the local relay. `status` is `null` while unanswered, hung or reset. */
export interface RelayRequestRecord {
  /** HTTP method, e.g. `'POST'`. */
  readonly method: string;
  /** Path without the query, e.g. `'/put'` (or `'//put'`). */
  readonly path: string;
  /** The soul the request is about (`/put` body or `/get` query), else `null`. */
  readonly soul: string | null;
  /** Status answered; `null` while pending, or when the request hung or was reset. */
  readonly status: number | null;
  /** `Date.now()` when the request arrived. */
  readonly at: number;
}

type MutableRecord = { -readonly [K in keyof RelayRequestRecord]: RelayRequestRecord[K] };

/** A running local relay: real gun behind the production relay's HTTP protocol, on loopback. */
export interface LocalRelay {
  /** Base URL, `http://127.0.0.1:PORT`, without a trailing slash. */
  readonly url: string;
  /** The bound port (reuse it to restart the relay at the same URL). */
  readonly port: number;
  /** Directory holding gun's data (`radata/`) and the list index. */
  readonly dataDir: string;
  /** Process id of the child process that runs gun. */
  readonly gunPid: number;
  /** Number of requests received since start or the last {@link LocalRelay.resetCounters}. */
  readonly requestCount: number;
  /** Requests per path (e.g. `{'/put': 3, '/get': 1}`) since start or the last reset; a copy. */
  readonly requestsByPath: Readonly<Record<string, number>>;
  /** The most recent requests (bounded by `requestLogSize`, oldest first); a copy. */
  readonly log: readonly RelayRequestRecord[];
  /** Zeroes the counters and empties the request log. */
  resetCounters(): void;
  /**
   * Poisons a soul (or every request with `'*'`): matching requests get the fault instead of the
   * normal answer. Latest rule wins. Returns a function that removes this rule.
   */
  fault(soul: string, fault: RelayFault): () => void;
  /** Removes every fault rule for this soul (or for `'*'`). */
  clearFault(soul: string): void;
  /** Removes every fault rule. */
  clearFaults(): void;
  /** What gun printed in its process (banner, warnings, crash output), last 16 KiB. */
  gunOutput(): string;
  /**
   * An outage of the relay's HTTP side: stops listening (new connections are refused) and
   * destroys open ones, while gun keeps running with its data. `listen()` ends it.
   */
  stopListening(): Promise<void>;
  /** Listens again on the same port after {@link LocalRelay.stopListening}. */
  listen(): Promise<void>;
  /**
   * Stops listening, destroys open connections (hung ones too), stops gun and, for a temp data
   * dir, deletes it unless `keepData`. Leaves no handles. Idempotent. Call it when done: a relay
   * still open when the process is about to exit is closed then, with a warning.
   */
  close(options?: { keepData?: boolean }): Promise<void>;
}

const INDEX_FILE = 'list-index.json';
const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type, Authorization',
};

/**
 * Starts a local relay on 127.0.0.1 over the real `gun` (an optional peer dependency), speaking
 * the production relay's HTTP protocol (put/get/list, its errors, hangs and timings). gun runs in
 * a child process with every network feature off; nothing is printed. Always `await relay.close()`.
 */
export async function startLocalRelay(options: LocalRelayOptions = {}): Promise<LocalRelay> {
  const ownsDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'gun-local-relay-'));
  mkdirSync(dataDir, { recursive: true });
  let host: GunHost | undefined;
  try {
    host = await GunHost.start({
      file: join(dataDir, 'radata'),
      ...(options.writeBatchMs === undefined ? {} : { writeBatchMs: options.writeBatchMs }),
    });
    const index = await ListIndex.rebuild(host, join(dataDir, INDEX_FILE), options.listAfterRestart ?? 'gun-node');
    const relay = new LocalRelayServer(host, index, dataDir, ownsDir, options);
    await relay.bind(options.port ?? 0);
    relay.release();
    return relay;
  } catch (err) {
    await host?.close();
    if (ownsDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

class LocalRelayServer implements LocalRelay {
  private readonly server: Server;
  private readonly sockets: SocketTracker;
  private readonly timers = new TimerSet();
  private readonly faults = new RelayFaultTable();
  private readonly putDelayMs: number;
  private readonly missWaitMs: number;
  private readonly keepProcessAlive: boolean;
  private readonly logger: Pick<Logger, 'warn'> | null | undefined;
  private readonly requests: RequestLog<MutableRecord>;
  private closing: Promise<void> | undefined;
  private boundPort = 0;

  constructor(
    private readonly host: GunHost,
    private readonly index: ListIndex,
    readonly dataDir: string,
    private readonly ownsDir: boolean,
    options: LocalRelayOptions,
  ) {
    this.putDelayMs = options.putDelayMs ?? 100;
    this.missWaitMs = options.missWaitMs ?? 3_000;
    this.requests = new RequestLog<MutableRecord>(options.requestLogSize ?? 200);
    // No server-side timeouts, like production: a hung put stays open until someone gives up.
    this.server = createServer({ requestTimeout: 0 }, (req, res) => void this.handle(req, res));
    this.sockets = new SocketTracker(this.server);
    // A dead gun is a dead relay: stop answering so clients see connection refused/reset.
    host.onUnexpectedExit = () => void closeServer(this.server, this.sockets);
    this.keepProcessAlive = options.keepProcessAlive === true;
    this.logger = options.logger;
    if (!this.keepProcessAlive) this.server.on('connection', (socket) => socket.unref());
  }

  async bind(port: number): Promise<void> {
    this.boundPort = await listenLoopback(this.server, port);
  }

  /** Started: from now on the relay's handles do not keep the process alive (unless asked to). */
  release(): void {
    watchExit(this);
    if (this.keepProcessAlive) return;
    this.server.unref();
    this.host.keepAlive(false);
  }

  /** The process is about to exit with this relay open: warn, then close it (which keeps the loop alive until done). */
  closeAtExit(): void {
    const message = `LocalRelay at ${this.url} was still open when the process was about to exit; closing it now. Call \`await relay.close()\` when done with it.`;
    if (this.logger === undefined) process.emitWarning(message, 'LocalRelayWarning');
    else this.logger?.warn?.({ relay: this.url }, message);
    void this.close();
  }

  /** The process is exiting (`process.exit()`) with this relay open: nothing async can run any more. */
  killAtExit(): void {
    this.host.killNow();
    if (this.ownsDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  get port(): number {
    return this.boundPort;
  }

  /** True once `close()` was called. */
  get isClosing(): boolean {
    return this.closing !== undefined;
  }

  get gunPid(): number {
    return this.host.pid;
  }

  get requestCount(): number {
    return this.requests.count;
  }

  get requestsByPath(): Readonly<Record<string, number>> {
    return this.requests.perPath;
  }

  get log(): readonly RelayRequestRecord[] {
    return this.requests.entries();
  }

  resetCounters(): void {
    this.requests.reset();
  }

  fault(soul: string, fault: RelayFault): () => void {
    return this.faults.add(soul, fault);
  }

  clearFault(soul: string): void {
    this.faults.clear(soul);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  gunOutput(): string {
    return this.host.outputTail;
  }

  async stopListening(): Promise<void> {
    await closeServer(this.server, this.sockets);
  }

  async listen(): Promise<void> {
    if (this.closing) throw new Error('LocalRelay is closed');
    if (!this.server.listening) this.boundPort = await listenLoopback(this.server, this.boundPort);
    if (!this.keepProcessAlive) this.server.unref();
  }

  close(options: { keepData?: boolean } = {}): Promise<void> {
    this.closing ??= (async () => {
      this.server.ref();
      this.timers.cancelAll();
      await closeServer(this.server, this.sockets);
      // Keeping the data means a restart will follow: stop gun gracefully so that every write it
      // acknowledged is on disk.
      await this.host.close(options.keepData ? { graceMs: 1_000 } : {});
      if (this.ownsDir && !options.keepData) {
        rmSync(this.dataDir, { recursive: true, force: true });
      } else {
        this.index.save(join(this.dataDir, INDEX_FILE));
      }
      unwatchExit(this);
    })();
    return this.closing;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const { path, query } = splitTarget(req.url);
    const record = this.requests.add({ method, path, soul: null, status: null, at: Date.now() });
    const send = (status: number, body?: unknown): void => {
      record.status = status;
      if (res.destroyed || res.writableEnded) return;
      const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(text),
        ...CORS_HEADERS,
      });
      res.end(text);
    };
    try {
      const isPut = method === 'POST' && path === '/put';
      let put: { json: false } | { json: true; value: unknown } | undefined;
      if (isPut) {
        const raw = (await readBody(req)).toString('utf8');
        try {
          put = { json: true, value: JSON.parse(raw) };
        } catch {
          put = { json: false };
        }
        const soul = put.json && isPlainObject(put.value) ? put.value.soul : undefined;
        if (typeof soul === 'string') record.soul = soul;
      } else if (method === 'GET' && path === '/get') {
        record.soul = query.get('soul');
      }

      const fault = this.faults.take({ soul: record.soul, path, method, body: put?.json ? put.value : undefined });
      if (fault) {
        if ('status' in fault) return send(fault.status, fault.body ?? { error: 'Injected fault' });
        if ('hang' in fault) return; // left open; close() destroys the socket
        if ('reset' in fault) return void req.socket.destroy();
        if ('delayMs' in fault && !(await this.timers.sleep(fault.delayMs))) return;
      }

      if (method === 'OPTIONS') return send(200);
      if (put?.json === false) return send(400, { error: 'Invalid JSON' });
      if (put?.json) return await this.put(put.value, send);
      const keep = fault && 'partialKeys' in fault ? fault.partialKeys : undefined;
      const extra = fault && 'extraFields' in fault ? fault.extraFields : undefined;
      if (method === 'GET' && path === '/get') return await this.get(query.get('soul'), send, keep, extra);
      if (method === 'GET' && path === '/list') return this.list(query, send);
      if (method === 'GET' && path === '/peers/status') {
        return send(200, { success: true, peers: [], connected: 0, local: true });
      }
      return send(404, { error: 'Endpoint not found' });
    } catch {
      req.socket.destroy(); // the client went away mid-request; nothing to answer
    }
  }

  private async put(body: unknown, send: (status: number, body?: unknown) => void): Promise<void> {
    // A JSON body that is not an object (`null`, `5`, `[]`) carries no soul and no data: gun puts
    // at the root and answers "Invalid data: undefined at <invented soul>." (a 500; the protocol
    // doc does not cover this case, so gun decides).
    const { soul, data } = isPlainObject(body) ? body : { soul: undefined, data: undefined };
    const outcome = await this.host.put(soul, data);
    if (outcome === null) return; // relay closing (or gun gone): the socket is being destroyed
    if (outcome.err !== undefined && outcome.err !== null) return send(500, { error: outcome.err });
    if (typeof soul === 'string' && isPlainObject(data)) this.index.record(soul, data, Date.now());
    if (!(await this.timers.sleep(this.putDelayMs))) return;
    // A missing or empty soul: gun invented one, and the relay does not report it.
    send(200, soul === undefined || soul === '' ? { success: true } : { success: true, soul });
  }

  private async get(soul: string | null, send: (status: number, body?: unknown) => void, keep?: number, extra?: Record<string, unknown>): Promise<void> {
    if (!soul) return send(400, { error: 'Soul parameter required' });
    const started = Date.now();
    const node = await this.host.get(soul, this.missWaitMs);
    if (this.closing) return;
    const view = present(node ?? undefined);
    if (view.state === 'live' && keep !== undefined) {
      // An injected partial node: the first `keep` keys; none left is the relay's quick 404.
      const kept = Object.entries(view.data).slice(0, Math.max(0, keep));
      return kept.length > 0 ? send(200, { success: true, data: Object.fromEntries(kept) }) : send(404, { error: 'Not found' });
    }
    if (view.state === 'live') return send(200, { success: true, data: extra ? { ...view.data, ...extra } : view.data });
    if (view.state === 'tombstoned') return send(404, { error: 'Not found' });
    // Never written: production waits for peers before giving up, always the full wait.
    if (!(await this.timers.sleep(this.missWaitMs - (Date.now() - started)))) return;
    send(404, { error: 'Not found' });
  }

  private list(query: URLSearchParams, send: (status: number, body?: unknown) => void): void {
    const publisherHash = query.get('publisherHash');
    if (!publisherHash) return send(400, { error: 'publisherHash parameter required' });
    const limit = Number.parseInt(query.get('limit') ?? '', 10);
    const offset = Number.parseInt(query.get('offset') ?? '', 10);
    const recordType = query.get('recordType');
    const records: ListEntry[] = this.index.list(publisherHash, {
      limit: limit > 0 ? limit : 50,
      offset: offset > 0 ? offset : 0,
      ...(recordType ? { recordType } : {}),
    });
    send(200, { success: true, records });
  }
}
