import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { systemClock, type Clock } from '../clock.js';
import { formatMetrics } from './metrics.js';
import type { StatusCycle, StatusRelay, StatusSource } from './StatusSource.js';

/** Options of {@link serveStatus}. */
export interface ServeStatusOptions {
  /** Default 0: an ephemeral port (read it from `url`). */
  port?: number;
  /** Default `127.0.0.1`: only this machine can see the page. */
  host?: string;
  /** The relays are probed at most this often, however often the page is read. Default 10 s. */
  relaysEveryMs?: number;
  /** Most quarantined souls listed (the total is always given). Default 500. */
  maxQuarantined?: number;
  /** Time source of the probe cache. */
  clock?: Clock;
}

/** A running status endpoint. */
export interface StatusServer {
  /** `http://host:port`, without a trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and ends open connections. Idempotent. */
  close(): Promise<void>;
}

const PAGE = readFileSync(new URL('./page.html', import.meta.url), 'utf8');
const hashOf = (tag: 'script' | 'style'): string => {
  const body = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(PAGE)?.[1] ?? '';
  return `'sha256-${createHash('sha256').update(body).digest('base64')}'`;
};
// Only the page's own script and style run: even a value that escaped the page's escaping could not execute.
const PAGE_CSP = `default-src 'none'; script-src ${hashOf('script')}; style-src ${hashOf('style')}; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** The fields of a cycle report the page shows (the worker's own result is left out). */
function cycleView(r: StatusCycle): StatusCycle {
  const { number, startedAt, durationMs, outcome, requests, misses, retries, error } = r;
  return { number, startedAt, durationMs, outcome, requests, misses, retries, error: error ?? undefined };
}

/**
 * Serves a {@link StatusSource}, read-only (GET and HEAD only): `/healthz` (its health JSON, 200
 * or 503), `/metrics` (Prometheus text), `/status` (one static HTML page: the last cycles as a
 * chart, the relays, the quarantined souls) and the page's JSON (`/status/cycles`,
 * `/status/relays`, `/status/quarantined`). Binds 127.0.0.1 unless told otherwise.
 */
export async function serveStatus(source: StatusSource, options: ServeStatusOptions = {}): Promise<StatusServer> {
  const clock = options.clock ?? systemClock;
  const relaysEveryMs = options.relaysEveryMs ?? 10_000;
  const maxQuarantined = options.maxQuarantined ?? 500;
  let probed: { at: number; relays: readonly StatusRelay[] } | undefined;
  let probing: Promise<readonly StatusRelay[]> | undefined;

  const relays = (): Promise<readonly StatusRelay[]> => {
    if (probed !== undefined && clock.now() - probed.at < relaysEveryMs) return Promise.resolve(probed.relays);
    probing ??= Promise.resolve()
      .then(() => source.relays())
      .then(
        (list) => list.slice(),
        () => [] as StatusRelay[],
      )
      .then((list) => {
        probed = { at: clock.now(), relays: list };
        probing = undefined;
        return list;
      });
    return probing;
  };

  const routes: Record<string, () => Promise<{ status: number; type: string; body: string; headers?: Record<string, string> }>> = {
    '/healthz': async () => {
      const health = source.health();
      return { status: health.healthy ? 200 : 503, type: 'application/json', body: JSON.stringify(health) };
    },
    '/metrics': async () => ({
      status: 200,
      type: 'text/plain; version=0.0.4; charset=utf-8',
      body: formatMetrics({ health: source.health(), cycles: source.recentCycles(), quarantined: source.quarantined(), relays: await relays() }),
    }),
    '/status': async () => ({ status: 200, type: 'text/html; charset=utf-8', body: PAGE, headers: { 'content-security-policy': PAGE_CSP } }),
    '/status/cycles': async () => json(source.recentCycles().map(cycleView)),
    '/status/relays': async () => json(await relays()),
    '/status/quarantined': async () => {
      const all = source.quarantined();
      return json({ total: all.length, entries: all.slice(0, maxQuarantined) });
    },
  };

  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void answer(req, res);
  });
  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const send = (status: number, type: string, body: string, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { ...COMMON_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain; charset=utf-8', 'read-only: GET or HEAD\n', { allow: 'GET, HEAD' });
    const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '') || '/';
    const route = routes[path];
    if (route === undefined) return send(404, 'text/plain; charset=utf-8', 'not found: try /status, /healthz or /metrics\n');
    try {
      const { status, type, body, headers } = await route();
      send(status, type, body, headers);
    } catch {
      send(500, 'text/plain; charset=utf-8', 'the status source failed\n');
    }
  };
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      })),
  };
}

function json(value: unknown): { status: number; type: string; body: string } {
  return { status: 200, type: 'application/json', body: JSON.stringify(value) };
}
