/**
 * The fault server: every behaviour, the queue/default script, refuse/accept, the counters,
 * and close() leaving nothing behind. Real loopback HTTP through node:http, no mocks.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { join, resolve } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startFaultServer, type FaultServer } from '../src/testing/index.js';

const REPO = resolve(import.meta.dirname, '..');
const KiB = 1024;
const MiB = 1024 * KiB;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** ms from request start to each received chunk. */
  chunkTimes: number[];
  ms: number;
}

interface CallOptions {
  method?: string;
  body?: string;
  agent?: Agent | false;
  timeoutMs?: number;
  /** Called with the partial reply if the response breaks off mid-body. */
  onPartial?: (partial: Reply) => void;
}

function call(url: string, options: CallOptions = {}): Promise<Reply> {
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', agent: options.agent ?? false });
    const timer = setTimeout(
      () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })),
      options.timeoutMs ?? 5_000,
    );
    const fail = (err: Error): void => {
      clearTimeout(timer);
      reject(err);
    };
    req.once('error', fail);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      const chunkTimes: number[] = [];
      const reply = (): Reply => ({
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: Buffer.concat(chunks),
        chunkTimes,
        ms: performance.now() - started,
      });
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        chunkTimes.push(performance.now() - started);
      });
      res.once('error', (err) => {
        options.onPartial?.(reply());
        fail(err);
      });
      res.once('end', () => {
        clearTimeout(timer);
        resolvePromise(reply());
      });
    });
    req.end(options.body);
  });
}

const json = (r: Reply): unknown => JSON.parse(r.body.toString('utf8'));

describe('fault server: behaviours', () => {
  let server: FaultServer;
  before(async () => {
    server = await startFaultServer();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => server.reset());

  it('listens on 127.0.0.1; by default answers 200 {"success":true}', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(server.url, `http://127.0.0.1:${server.port}`);
    const r = await call(`${server.url}/put`, { method: 'POST', body: '{}' });
    assert.equal(r.status, 200);
    assert.deepEqual(json(r), { success: true });
    assert.equal(r.headers['content-type'], 'application/json');
  });

  it('{status, body, headers}: object body as JSON, string body raw (malformed JSON on demand)', async () => {
    server.enqueue(
      { status: 500, body: { error: { errno: -2, code: 'ENOENT' } } },
      { status: 502, body: '{"error": truncated', headers: { 'x-extra': 'yes', 'retry-after': '3' } },
      { status: 204 },
    );
    const a = await call(`${server.url}/put`, { method: 'POST' });
    assert.deepEqual([a.status, json(a)], [500, { error: { errno: -2, code: 'ENOENT' } }]);
    const b = await call(`${server.url}/get`);
    assert.deepEqual([b.status, b.body.toString(), b.headers['x-extra'], b.headers['retry-after']], [502, '{"error": truncated', 'yes', '3']);
    const c = await call(`${server.url}/get`);
    assert.deepEqual([c.status, c.body.length], [204, 0]);
  });

  it('{status, bodyBytes}: a JSON error body of exactly that many bytes (256 KiB, 1 MiB)', async () => {
    for (const size of [256 * KiB, MiB]) {
      server.enqueue({ status: 500, bodyBytes: size });
      const r = await call(`${server.url}/put`, { method: 'POST' });
      assert.equal(r.status, 500);
      assert.equal(r.body.length, size);
      assert.equal(Number(r.headers['content-length']), size);
      const parsed = json(r) as { error: string };
      assert.match(parsed.error, /^x+$/);
    }
  });

  it('{reset: "before-response"}: the socket is destroyed with no response at all', async () => {
    server.enqueue({ reset: 'before-response' });
    let responded = false;
    await assert.rejects(
      call(`${server.url}/put`, { method: 'POST', onPartial: () => (responded = true) }),
      (e: NodeJS.ErrnoException) => e.code === 'ECONNRESET',
    );
    assert.equal(responded, false);
    assert.equal(server.requestCount, 1);
  });

  it('{reset: "mid-body"}: status and headers arrive, then part of the body, then the connection dies', async () => {
    server.enqueue({ reset: 'mid-body', status: 500, bodyBytes: 64 * KiB });
    let partial: Reply | undefined;
    await assert.rejects(call(`${server.url}/get`, { onPartial: (p) => (partial = p) }), (e: NodeJS.ErrnoException) =>
      ['ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE'].includes(e.code ?? '') || e.message === 'aborted',
    );
    assert.ok(partial, 'headers were received');
    assert.equal(partial.status, 500);
    assert.equal(Number(partial.headers['content-length']), 64 * KiB);
    assert.ok(partial.body.length > 0 && partial.body.length < 64 * KiB, `got ${partial.body.length} bytes`);
  });

  it('{hang: true}: never answers; the client has to give up', async () => {
    server.setDefault({ hang: true });
    await assert.rejects(call(`${server.url}/get`, { timeoutMs: 150 }), { code: 'TIMEOUT' });
    assert.equal(server.requestCount, 1);
  });

  it('{slowBody}: the body arrives in exactly `chunks` pieces, intervalMs apart', async () => {
    const body = { success: true, data: { text: 'y'.repeat(100) } };
    server.enqueue({ slowBody: { chunks: 4, intervalMs: 40 }, status: 200, body });
    const r = await call(`${server.url}/get`);
    assert.deepEqual([r.status, json(r)], [200, body]);
    assert.equal(r.chunkTimes.length, 4, 'four separate chunks');
    const spread = (r.chunkTimes.at(-1) ?? 0) - (r.chunkTimes[0] ?? 0);
    assert.ok(spread >= 3 * 40 - 10, `chunks spread over ${spread.toFixed(0)} ms`);
    // A body whose length is not a multiple of `chunks` still takes (chunks - 1) intervals.
    server.enqueue({ slowBody: { chunks: 5, intervalMs: 30 }, body: { success: true, data: { a: 1 } } });
    const odd = await call(`${server.url}/get`);
    assert.deepEqual(json(odd), { success: true, data: { a: 1 } });
    assert.equal(odd.chunkTimes.length, 5);
    assert.ok(odd.ms >= 4 * 30 - 10, `took ${odd.ms.toFixed(0)} ms`);
  });

  it('{delayMs, then}: waits, then behaves as `then` (nestable)', async () => {
    server.enqueue({ delayMs: 80, then: { status: 503, body: { error: 'busy' } } });
    server.enqueue({ delayMs: 40, then: { delayMs: 40, then: { reset: 'before-response' } } });
    const a = await call(`${server.url}/get`);
    assert.deepEqual([a.status, json(a)], [503, { error: 'busy' }]);
    assert.ok(a.ms >= 75, `took ${a.ms.toFixed(0)} ms`);
    const started = performance.now();
    await assert.rejects(call(`${server.url}/get`), { code: 'ECONNRESET' });
    assert.ok(performance.now() - started >= 75);
  });
});

describe('fault server: scripting', () => {
  it('a handler sees method, path, query, parsed body, size and n; may be async; enqueue goes first', async () => {
    const seen: unknown[] = [];
    const server = await startFaultServer(async (req) => {
      seen.push({ n: req.n, method: req.method, path: req.path, query: req.query, body: req.body, bodyBytes: req.bodyBytes });
      await new Promise((r) => setTimeout(r, 1));
      return req.query.fail === '1' ? { status: 500, body: { error: `n=${req.n}` } } : { status: 200, body: { echo: req.body } };
    });
    try {
      assert.deepEqual(json(await call(`${server.url}/put`, { method: 'POST', body: '{"soul":"a:1"}' })), { echo: { soul: 'a:1' } });
      assert.deepEqual(json(await call(`${server.url}/get?soul=a:1&fail=1`)), { error: 'n=2' });
      server.enqueue({ status: 418 });
      assert.equal((await call(`${server.url}/x`, { method: 'POST', body: 'not json' })).status, 418, 'queue before handler');
      assert.equal((await call(`${server.url}/x`)).status, 200, 'queue drained: handler again');
      assert.deepEqual(seen, [
        { n: 1, method: 'POST', path: '/put', query: {}, body: { soul: 'a:1' }, bodyBytes: 14 },
        { n: 2, method: 'GET', path: '/get', query: { soul: 'a:1', fail: '1' }, body: undefined, bodyBytes: 0 },
        { n: 4, method: 'GET', path: '/x', query: {}, body: undefined, bodyBytes: 0 },
      ]);
      assert.deepEqual(server.log.map((r) => [r.n, r.method, r.path, r.body]), [
        [1, 'POST', '/put', { soul: 'a:1' }],
        [2, 'GET', '/get', undefined],
        [3, 'POST', '/x', 'not json'],
        [4, 'GET', '/x', undefined],
      ]);
    } finally {
      await server.close();
    }
  });

  it('a fixed behaviour as the default; setDefault replaces it; reset() restores it and zeroes counters', async () => {
    const server = await startFaultServer({ status: 503 });
    try {
      assert.equal((await call(server.url)).status, 503);
      server.setDefault({ status: 200, body: { ok: 1 } });
      server.enqueue({ status: 500 });
      assert.equal((await call(server.url)).status, 500);
      assert.equal((await call(server.url)).status, 200);
      assert.equal(server.requestCount, 3);
      server.enqueue({ status: 500 });
      server.reset();
      assert.deepEqual([server.requestCount, server.log.length, server.connectionsOpened, server.maxConcurrent], [0, 0, 0, 0]);
      assert.equal((await call(server.url)).status, 503, 'queue emptied, initial default back');
      assert.equal(server.log[0]?.n, 1);
    } finally {
      await server.close();
    }
  });

  it('a handler that throws answers 500 and names the error', async () => {
    const server = await startFaultServer(() => {
      throw new Error('boom');
    });
    try {
      const r = await call(server.url);
      assert.equal(r.status, 500);
      assert.match((json(r) as { error: string }).error, /boom/);
    } finally {
      await server.close();
    }
  });

  it('the log keeps the last 200 requests', async () => {
    const server = await startFaultServer();
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    try {
      for (let i = 0; i < 250; i += 25) {
        await Promise.all(Array.from({ length: 25 }, (_, j) => call(`${server.url}/r${i + j}`, { agent })));
      }
      assert.equal(server.requestCount, 250);
      assert.equal(server.log.length, 200);
      assert.deepEqual(
        server.log.map((r) => r.n).sort((a, b) => a - b),
        Array.from({ length: 200 }, (_, i) => 51 + i),
      );
    } finally {
      agent.destroy();
      await server.close();
    }
  });
});

describe('fault server: connections', () => {
  it('counts opened, open and peak connections and concurrent requests (keep-alive pool of 3)', async () => {
    const server = await startFaultServer({ delayMs: 60, then: { status: 200, body: {} } });
    const agent = new Agent({ keepAlive: true, maxSockets: 3 });
    try {
      const calls = Array.from({ length: 9 }, () => call(server.url, { agent }));
      await new Promise((r) => setTimeout(r, 30));
      assert.equal(server.inFlight, 3);
      assert.equal(server.openConnections, 3);
      await Promise.all(calls);
      assert.equal(server.requestCount, 9);
      assert.equal(server.connectionsOpened, 3, 'keep-alive sockets were reused');
      assert.equal(server.peakOpenConnections, 3);
      assert.equal(server.maxConcurrent, 3);
      assert.equal(server.inFlight, 0);
      assert.equal(server.openConnections, 3, 'idle keep-alive sockets stay open');
      agent.destroy();
      const deadline = Date.now() + 2_000;
      while (server.openConnections > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      assert.equal(server.openConnections, 0);
    } finally {
      agent.destroy();
      await server.close();
    }
  });

  it('refuse(): connection refused and open connections dropped; accept(): same port again', async () => {
    const server = await startFaultServer();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const { port } = server;
      assert.equal((await call(server.url, { agent })).status, 200);
      assert.equal(server.openConnections, 1);
      await server.refuse();
      assert.equal(server.openConnections, 0);
      await assert.rejects(call(server.url), { code: 'ECONNREFUSED' });
      await server.refuse(); // idempotent
      await server.accept();
      assert.equal(server.port, port);
      assert.equal((await call(server.url, { agent })).status, 200);
      await server.accept(); // idempotent
    } finally {
      agent.destroy();
      await server.close();
    }
  });

  it('close() ends hung and slow responses at once and refuses afterwards', async () => {
    const server = await startFaultServer({ hang: true });
    const outcome = (p: Promise<Reply>) => p.then((r) => `answered ${r.status}`, (e: NodeJS.ErrnoException) => e.code ?? e.message);
    const hung = outcome(call(server.url, { timeoutMs: 10_000 }));
    server.enqueue({ slowBody: { chunks: 5, intervalMs: 5_000 } });
    // The queued behaviour goes to the next request: the hang above has already been decided.
    while (server.requestCount < 1) await new Promise((r) => setTimeout(r, 5));
    const slow = outcome(call(server.url, { timeoutMs: 10_000 }));
    while (server.requestCount < 2) await new Promise((r) => setTimeout(r, 5));
    const started = performance.now();
    await server.close();
    assert.ok(performance.now() - started < 500);
    assert.equal(await hung, 'ECONNRESET');
    assert.ok(['ECONNRESET', 'aborted'].includes(await slow), await slow);
    await assert.rejects(call(server.url), { code: 'ECONNREFUSED' });
    await assert.rejects(server.accept(), /closed/);
  });

  it('leaves no handles: a process using it exits by itself, with no output', async () => {
    const script = `
      import { startFaultServer } from ${JSON.stringify(join(REPO, 'src/testing/index.ts'))};
      import { request } from 'node:http';
      void process.stdout, void process.stderr;
      const baseline = process.getActiveResourcesInfo();
      const server = await startFaultServer({ hang: true });
      server.enqueue({ slowBody: { chunks: 3, intervalMs: 10_000 } }, { delayMs: 10_000, then: { status: 200 } });
      const fire = () => new Promise((r) => request(server.url).on('error', r).on('response', (res) => res.on('error', r).resume()).end());
      const all = [fire(), fire(), fire()];
      while (server.requestCount < 3) await new Promise((r) => setTimeout(r, 5));
      await server.refuse();
      await server.accept();
      await server.close();
      await Promise.all(all);
      // The client's own sockets (not the server's) are released on the next loop turns.
      for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
      const left = process.getActiveResourcesInfo();
      for (const r of baseline) left.splice(left.indexOf(r), left.includes(r) ? 1 : 0);
      if (left.length) process.exitCode = 3, process.stderr.write('left: ' + left.join(','));
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await new Promise<number | null>((r) => child.once('close', (c) => r(c)));
    clearTimeout(timer);
    assert.equal(out, '');
    assert.equal(code, 0);
  });
});
