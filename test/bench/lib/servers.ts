import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { seededRandom } from './stats.js';
import { sdkTesting } from './sdk.js';

/**
 * Dedicated loopback servers for the benchmarks. They run in the orchestrating process, so the
 * client under test has its child process (and its heap) to itself, and on two cores client and
 * server each get one. Answers are pre-encoded Buffers: the server must never be the bottleneck.
 */
export type ServerSpec =
  /** 200 `{"success":true}` to every POST, a small node to every GET /get. */
  | { kind: 'ok' }
  /** Every request: `status` with a JSON `{"error":"xxx…"}` body of exactly `bodyBytes` bytes. */
  | { kind: 'error'; status: number; bodyBytes: number }
  /** Every request: `status` with a short GUN-style message about the soul's data. */
  | { kind: 'reject'; status: number }
  /** Seeded mix: 12 % 500 GUN message (64 KiB), 6 % 500 disk error, 10 % reset, 2 % hang; else normal. */
  | { kind: 'soak'; seed: number }
  /** `GET /get` of `soul`: a generated registry index of `entries` entries, streamed (the SDK's large-index test server). */
  | { kind: 'large-index'; soul: string; entries: number };

/** Counters a benchmark server keeps. */
export interface ServerStats {
  requests: number;
  byPath: Record<string, number>;
  connections: number;
  faults: Record<string, number>;
}

/** A running benchmark server. */
export interface BenchServer {
  readonly url: string;
  stats(): ServerStats;
  close(): Promise<void>;
}

const JSON_HEADERS = { 'Content-Type': 'application/json' };

function errorBody(bytes: number): Buffer {
  return Buffer.from(`{"error":"${'x'.repeat(Math.max(0, bytes - 12))}"}`);
}

const OK_PUT = Buffer.from('{"success":true}');
const OK_GET = Buffer.from('{"success":true,"data":{"title":"record","n":1,"ok":true}}');
const OK_LIST = Buffer.from(
  JSON.stringify({
    success: true,
    records: [
      { soul: 'bench:a', data: { title: 'a' }, recordType: 'post', storedAt: 1 },
      { soul: 'bench:b', data: { title: null }, recordType: 'post', storedAt: 2 },
    ],
  }),
);
const NOT_FOUND = Buffer.from('{"error":"Not found"}');
const GUN_REJECT = Buffer.from('{"error":"Invalid data: Array at bench.tags"}');
const DISK_ERROR = Buffer.from('{"error":{"errno":-2,"code":"ENOENT","syscall":"rename","path":"radata/!"}}');
const SOAK_REJECT = errorBody(64 * 1024);

function send(res: ServerResponse, status: number, body: Buffer): void {
  res.writeHead(status, { ...JSON_HEADERS, 'Content-Length': body.length });
  res.end(body);
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** Starts a benchmark server on 127.0.0.1 (ephemeral port). */
export async function startBenchServer(spec: ServerSpec): Promise<BenchServer> {
  if (spec.kind === 'large-index') {
    const large = await sdkTesting.startLargeIndexServer({ indexes: { [spec.soul]: { entries: spec.entries } } });
    return { url: large.url, stats: () => ({ requests: large.requests, byPath: { '/get': large.requests }, connections: 0, faults: {} }), close: () => large.close() };
  }
  const stats: ServerStats = { requests: 0, byPath: {}, connections: 0, faults: {} };
  const sockets = new Set<Socket>();
  const fault = (name: string): void => {
    stats.faults[name] = (stats.faults[name] ?? 0) + 1;
  };
  const bigError = spec.kind === 'error' ? errorBody(spec.bodyBytes) : undefined;
  const random = spec.kind === 'soak' ? seededRandom(spec.seed) : Math.random;

  const answer = (req: IncomingMessage, res: ServerResponse, path: string): void => {
    switch (spec.kind) {
      case 'error':
        return send(res, spec.status, bigError!);
      case 'reject':
        return send(res, spec.status, GUN_REJECT);
      case 'ok':
        return send(res, 200, path === '/get' ? OK_GET : path === '/list' ? OK_LIST : OK_PUT);
      case 'soak': {
        const r = random();
        if (r < 0.12) return fault('500-soul'), send(res, 500, SOAK_REJECT);
        if (r < 0.18) return fault('500-relay'), send(res, 500, DISK_ERROR);
        if (r < 0.28) return fault('reset'), void req.socket.destroy();
        if (r < 0.3) return fault('hang'); // the client times out and destroys the socket
        if (path === '/get') return r < 0.33 ? send(res, 404, NOT_FOUND) : send(res, 200, OK_GET);
        return send(res, 200, path === '/list' ? OK_LIST : OK_PUT);
      }
    }
  };

  const server: Server = createServer({ requestTimeout: 0, keepAliveTimeout: 60_000 }, (req, res) => {
    const path = pathOf(req);
    stats.requests++;
    stats.byPath[path] = (stats.byPath[path] ?? 0) + 1;
    req.on('error', () => req.socket.destroy());
    req.resume();
    req.once('end', () => answer(req, res, path));
  });
  server.on('connection', (socket: Socket) => {
    stats.connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => ({ ...stats, byPath: { ...stats.byPath }, faults: { ...stats.faults } }),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
