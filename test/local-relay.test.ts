/**
 * The local relay against docs/relay-protocol.md: every row it implements, over real HTTP and
 * the real gun. Also: faults for a chosen soul, restart on the same port with the data kept,
 * no network beyond loopback, no output, and nothing left running after close().
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startLocalRelay, type LocalRelay } from '../src/testing/index.js';

const REPO = resolve(import.meta.dirname, '..');
const MISS_WAIT_MS = 250;
const FAST = { putDelayMs: 0, missWaitMs: MISS_WAIT_MS, writeBatchMs: 1 } as const;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
  ms: number;
}

/** One HTTP request on a fresh connection; rejects with `code` 'TIMEOUT' after `timeoutMs`. */
function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 5_000,
): Promise<Reply> {
  const started = performance.now();
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest(`${base}${path}`, {
      method,
      agent: false,
      headers: payload === undefined ? {} : { 'Content-Type': 'application/json' },
    });
    const timer = setTimeout(() => {
      req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' }));
    }, timeoutMs);
    req.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('error', reject);
      res.once('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text === '' ? undefined : JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, text, json, ms: performance.now() - started });
      });
    });
    req.end(payload);
  });
}

describe('local relay: the production protocol over real gun', () => {
  let relay: LocalRelay;
  const put = (soul: unknown, data?: unknown) =>
    call(relay.url, 'POST', '/put', data === undefined && soul !== undefined ? { soul } : { soul, data });
  const putData = (soul: string, data: unknown) => call(relay.url, 'POST', '/put', { soul, data });
  const get = (soul: string) => call(relay.url, 'GET', `/get?soul=${encodeURIComponent(soul)}`);

  before(async () => {
    relay = await startLocalRelay(FAST);
  });
  after(async () => {
    await relay.close();
  });

  it('listens on 127.0.0.1 with a URL without trailing slash', () => {
    assert.match(relay.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(relay.url, `http://127.0.0.1:${relay.port}`);
    assert.ok(relay.gunPid > 0 && relay.gunPid !== process.pid, 'gun runs in its own process');
  });

  it('put then get: success body, `_` removed, data/oip JSON strings parsed, nested object read back as a link', async () => {
    const soul = 'a1b2c3d4e5f6:rec1';
    const data = { data: '{"name":"x","n":[1,2]}', oip: '{"recordType":"post"}', plain: '{"kept":"as string"}', meta: { created: 5, localId: 'rec1', encrypted: false } };
    const putReply = await putData(soul, data);
    assert.equal(putReply.status, 200);
    assert.equal(putReply.text, JSON.stringify({ success: true, soul }));

    const got = await get(soul);
    assert.equal(got.status, 200);
    assert.deepEqual(got.json, {
      success: true,
      data: {
        data: { name: 'x', n: [1, 2] },
        oip: { recordType: 'post' },
        plain: '{"kept":"as string"}',
        meta: { '#': `${soul}/meta` },
      },
    });
    const child = await get(`${soul}/meta`);
    assert.deepEqual(child.json, { success: true, data: { created: 5, localId: 'rec1', encrypted: false } });
  });

  it('a data/oip string that is not JSON comes back as the string', async () => {
    await putData('p:notjson', { data: 'hello', oip: '{broken' });
    assert.deepEqual((await get('p:notjson')).json, { success: true, data: { data: 'hello', oip: '{broken' } });
  });

  it('put is a merge: keys missing from a put keep their values', async () => {
    await putData('p:merge', { a: 1, b: 'two' });
    await putData('p:merge', { b: 'three', c: true });
    assert.deepEqual((await get('p:merge')).json, { success: true, data: { a: 1, b: 'three', c: true } });
  });

  it('a key put to null is a tombstone: it disappears from reads', async () => {
    await putData('p:partial', { a: 1, b: 2 });
    assert.equal((await putData('p:partial', { b: null })).status, 200);
    assert.deepEqual((await get('p:partial')).json, { success: true, data: { a: 1 } });
  });

  it('every key tombstoned: 404 Not found at once (well before the never-written wait)', async () => {
    await putData('p:tomb', { k1: 'v', k2: 2 });
    const del = await putData('p:tomb', { k1: null, k2: null });
    assert.deepEqual([del.status, del.json], [200, { success: true, soul: 'p:tomb' }]);
    const got = await get('p:tomb');
    assert.deepEqual([got.status, got.json], [404, { error: 'Not found' }]);
    assert.ok(got.ms < MISS_WAIT_MS / 2, `tombstoned 404 took ${got.ms.toFixed(0)} ms`);
  });

  it('never-written soul: 404 Not found after missWaitMs', async () => {
    const got = await get('p:never-written');
    assert.deepEqual([got.status, got.json], [404, { error: 'Not found' }]);
    assert.ok(got.ms >= MISS_WAIT_MS - 5, `answered after ${got.ms.toFixed(0)} ms`);
    assert.ok(got.ms < MISS_WAIT_MS + 1_000, `answered after ${got.ms.toFixed(0)} ms`);
  });

  it('get without soul (or empty): 400 Soul parameter required', async () => {
    for (const path of ['/get', '/get?soul=', '/get?other=1']) {
      const r = await call(relay.url, 'GET', path);
      assert.deepEqual([r.status, r.json], [400, { error: 'Soul parameter required' }], path);
    }
  });

  it('arrays anywhere in data: 500 with gun\'s path message', async () => {
    let r = await putData('p:arr', { a: [1, 2] });
    assert.deepEqual([r.status, r.json], [500, { error: 'Invalid data: Array at p:arr.a' }]);
    r = await putData('p:arr', { x: 1, n: { m: { list: [] } } });
    assert.deepEqual([r.status, r.json], [500, { error: 'Invalid data: Array at p:arr.n.m.list' }]);
    assert.ok(r.ms < 200);
  });

  it('data null, scalar or a link at the root: 500 root-node message, and nothing is deleted', async () => {
    await putData('p:root', { keep: 'me' });
    for (const data of [null, 'text', 42, true, { '#': 'p:other' }]) {
      const r = await putData('p:root', data);
      assert.deepEqual([r.status, r.json], [500, { error: 'Data at root of graph must be a node (an object).' }], JSON.stringify(data));
    }
    assert.deepEqual((await get('p:root')).json, { success: true, data: { keep: 'me' } });
  });

  it('data key missing: 500 Invalid data: undefined at <soul>.', async () => {
    const r = await put('p:nodata');
    assert.deepEqual([r.status, r.json], [500, { error: 'Invalid data: undefined at p:nodata.' }]);
  });

  it('data {} or containing an empty nested object: no response ever (gun never acks)', async () => {
    for (const data of [{}, { a: 1, nested: {} }]) {
      await assert.rejects(call(relay.url, 'POST', '/put', { soul: 'p:empty', data }, 150), { code: 'TIMEOUT' });
    }
    assert.deepEqual(
      relay.log.filter((r) => r.soul === 'p:empty').map((r) => r.status),
      [null, null],
    );
  });

  it('body that is not JSON: 400 Invalid JSON', async () => {
    for (const body of ['{bad', '', 'soul=x']) {
      const r = await call(relay.url, 'POST', '/put', body);
      assert.deepEqual([r.status, r.json], [400, { error: 'Invalid JSON' }], JSON.stringify(body));
    }
  });

  it('soul missing or "": 200 {"success":true} (gun invents a soul)', async () => {
    for (const body of [{ data: { z: 1 } }, { soul: '', data: { z: 2 } }]) {
      const r = await call(relay.url, 'POST', '/put', body);
      assert.deepEqual([r.status, r.text], [200, '{"success":true}']);
    }
  });

  it('list: records of one publisher prefix, data as sent, tombstoned souls stay with null fields', async () => {
    const hash = 'feedbeef0001';
    await putData(`${hash}:one`, { data: '{"a":1}', oip: '{"recordType":"post"}', meta: { created: 1 } });
    await putData(`${hash}:two`, { data: '{"a":2}' });
    await putData(`${hash}:two`, { data: null });
    await putData(`${hash}X:not-mine`, { data: '{}' });
    await putData(`${hash}`, { no: 'colon' });
    const r = await call(relay.url, 'GET', `/list?publisherHash=${hash}`);
    assert.equal(r.status, 200);
    const body = r.json as { success: boolean; records: Array<Record<string, unknown>> };
    assert.equal(body.success, true);
    assert.deepEqual(body.records.map((x) => x.soul), [`${hash}:one`, `${hash}:two`]);
    for (const rec of body.records) {
      assert.deepEqual(Object.keys(rec).sort(), ['data', 'recordType', 'soul', 'storedAt']);
      assert.equal(typeof rec.storedAt, 'number');
      assert.equal(rec.recordType, null);
    }
    assert.deepEqual(body.records[0]?.data, { data: '{"a":1}', oip: '{"recordType":"post"}', meta: { created: 1 } });
    assert.deepEqual(body.records[1]?.data, { data: null });
  });

  it('list: limit defaults to 50 (also for 0 and invalid), offset pages, recordType filters on a top-level field', async () => {
    const hash = 'cafe00000055';
    for (let i = 0; i < 55; i += 11) {
      await Promise.all(Array.from({ length: 11 }, (_, j) => putData(`${hash}:${String(i + j).padStart(2, '0')}`, { i: i + j })));
    }
    const souls = async (query: string) =>
      ((await call(relay.url, 'GET', `/list?publisherHash=${hash}${query}`)).json as { records: Array<{ soul: string }> }).records.map((x) => x.soul);
    assert.equal((await souls('')).length, 50);
    assert.equal((await souls('&limit=0')).length, 50);
    assert.equal((await souls('&limit=abc')).length, 50);
    assert.equal((await souls('&limit=-3')).length, 50);
    assert.equal((await souls('&limit=55')).length, 55);
    const all = await souls('&limit=100');
    assert.deepEqual(await souls('&limit=5&offset=10'), all.slice(10, 15));
    assert.deepEqual(await souls('&offset=50'), all.slice(50));
    assert.deepEqual(await souls('&offset=bad&limit=2'), all.slice(0, 2));
    assert.deepEqual(await souls('&recordType=post'), []);
    await putData(`${hash}:typed`, { recordType: 'post' });
    assert.deepEqual(await souls('&recordType=post'), [`${hash}:typed`]);
  });

  it('list without publisherHash: 400', async () => {
    for (const path of ['/list', '/list?publisherHash=', '/list?limit=5']) {
      const r = await call(relay.url, 'GET', path);
      assert.deepEqual([r.status, r.json], [400, { error: 'publisherHash parameter required' }], path);
    }
  });

  it('peers/status: 200 JSON', async () => {
    const r = await call(relay.url, 'GET', '/peers/status');
    assert.equal(r.status, 200);
    assert.equal(typeof r.json, 'object');
  });

  it('any other method/path is 404 Endpoint not found, including DELETE and //put', async () => {
    const cases: Array<[string, string]> = [
      ['DELETE', '/put'],
      ['DELETE', '/get?soul=p:merge'],
      ['POST', '//put'],
      ['GET', '/put'],
      ['POST', '/get?soul=x'],
      ['PUT', '/put'],
      ['GET', '/'],
      ['GET', '/nope'],
      ['POST', '/media/manifest'],
    ];
    for (const [method, path] of cases) {
      const r = await call(relay.url, method, path, method === 'POST' ? { soul: 'p:x', data: { a: 1 } } : undefined);
      assert.deepEqual([r.status, r.json], [404, { error: 'Endpoint not found' }], `${method} ${path}`);
    }
    const listed = (await call(relay.url, 'GET', '/list?publisherHash=p')).json as { records: Array<{ soul: string }> };
    assert.ok(!listed.records.some((r) => r.soul === 'p:x'), 'the //put did not write');
  });

  it('OPTIONS on any path: 200, empty body; every response is JSON with permissive CORS', async () => {
    for (const path of ['/put', '/anything']) {
      const r = await call(relay.url, 'OPTIONS', path);
      assert.deepEqual([r.status, r.text], [200, '']);
      assert.equal(r.headers['access-control-allow-origin'], '*');
    }
    for (const r of [await get('p:merge'), await call(relay.url, 'GET', '/nope'), await call(relay.url, 'POST', '/put', '{')]) {
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(r.headers['access-control-allow-origin'], '*');
    }
  });

  it('counts requests in total and per path, logs recent ones with soul and status, and resets', async () => {
    relay.resetCounters();
    await putData('p:count', { a: 1 });
    await get('p:count');
    await call(relay.url, 'GET', '/nope');
    assert.equal(relay.requestCount, 3);
    assert.deepEqual(relay.requestsByPath, { '/put': 1, '/get': 1, '/nope': 1 });
    assert.deepEqual(
      relay.log.map(({ method, path, soul, status }) => ({ method, path, soul, status })),
      [
        { method: 'POST', path: '/put', soul: 'p:count', status: 200 },
        { method: 'GET', path: '/get', soul: 'p:count', status: 200 },
        { method: 'GET', path: '/nope', soul: null, status: 404 },
      ],
    );
    relay.resetCounters();
    assert.equal(relay.requestCount, 0);
    assert.deepEqual([relay.requestsByPath, relay.log], [{}, []]);
  });
});

describe('local relay: faults for a chosen soul', () => {
  let relay: LocalRelay;
  const putData = (soul: string, data: unknown) => call(relay.url, 'POST', '/put', { soul, data });
  const get = (soul: string) => call(relay.url, 'GET', `/get?soul=${encodeURIComponent(soul)}`);

  before(async () => {
    relay = await startLocalRelay(FAST);
  });
  after(async () => {
    await relay.close();
  });

  it('{status, body} limited to /put poisons only that soul and only its puts', async () => {
    await putData('f:poison', { a: 1 });
    const body = { error: { errno: -2, code: 'ENOENT', syscall: 'rename' } };
    relay.fault('f:poison', { status: 500, body, path: '/put' });
    const poisoned = await putData('f:poison', { a: 2 });
    assert.deepEqual([poisoned.status, poisoned.json], [500, body]);
    assert.equal((await putData('f:healthy', { a: 1 })).status, 200);
    assert.deepEqual((await get('f:poison')).json, { success: true, data: { a: 1 } }, 'the poisoned put never reached gun');
    relay.clearFault('f:poison');
    assert.equal((await putData('f:poison', { a: 3 })).status, 200);
  });

  it('a string body is sent raw (malformed JSON on demand)', async () => {
    relay.fault('f:raw', { status: 502, body: '<html>bad gateway' });
    const r = await get('f:raw');
    assert.deepEqual([r.status, r.text], [502, '<html>bad gateway']);
    relay.clearFaults();
  });

  it('{hang} never answers; {reset} destroys the socket; both are logged without status', async () => {
    relay.resetCounters();
    relay.fault('f:hang', { hang: true });
    relay.fault('f:reset', { reset: true });
    await assert.rejects(call(relay.url, 'GET', '/get?soul=f:hang', undefined, 150), { code: 'TIMEOUT' });
    await assert.rejects(get('f:reset'), { code: 'ECONNRESET' });
    assert.deepEqual(relay.log.map((r) => r.status), relay.log.map(() => null));
    relay.clearFaults();
  });

  it('{delayMs} answers normally after the delay; method limits apply', async () => {
    await putData('f:slow', { v: 1 });
    relay.fault('f:slow', { delayMs: 150, method: 'GET' });
    const slow = await get('f:slow');
    assert.deepEqual([slow.status, slow.json], [200, { success: true, data: { v: 1 } }]);
    assert.ok(slow.ms >= 140, `took ${slow.ms.toFixed(0)} ms`);
    const fastPut = await putData('f:slow', { v: 2 });
    assert.ok(fastPut.status === 200 && fastPut.ms < 140, 'POST not delayed');
    relay.clearFaults();
  });

  it('times: N uses then gone; the returned disposer removes the rule; "*" matches every soul', async () => {
    relay.fault('f:twice', { status: 503, times: 2 });
    assert.deepEqual([(await get('f:twice')).status, (await get('f:twice')).status], [503, 503]);
    assert.equal((await putData('f:twice', { ok: 1 })).status, 200);

    const dispose = relay.fault('*', { status: 504, path: '/get' });
    assert.equal((await get('f:any')).status, 504);
    assert.equal((await get('f:other')).status, 504);
    assert.equal((await putData('f:any', { ok: 1 })).status, 200, 'path limit respected');
    dispose();
    assert.equal((await get('f:any')).status, 200);
  });

  it('an exact-soul rule wins over "*"; the newest rule wins among equals', async () => {
    relay.fault('*', { status: 503 });
    relay.fault('f:exact', { status: 500, body: { error: 'old' } });
    relay.fault('f:exact', { status: 500, body: { error: 'new' } });
    assert.deepEqual((await get('f:exact')).json, { error: 'new' });
    assert.equal((await get('f:else')).status, 503);
    relay.clearFaults();
    assert.equal((await call(relay.url, 'GET', '/peers/status')).status, 200);
  });
});

describe('local relay: lifecycle', () => {
  it('putDelayMs is added after the ack (production: 100 ms)', async () => {
    const relay = await startLocalRelay({ putDelayMs: 150, missWaitMs: 50, writeBatchMs: 1 });
    try {
      const r = await call(relay.url, 'POST', '/put', { soul: 'd:1', data: { a: 1 } });
      assert.equal(r.status, 200);
      assert.ok(r.ms >= 145, `took ${r.ms.toFixed(0)} ms`);
    } finally {
      await relay.close();
    }
  });

  it('close() ends hung requests, frees the port and removes its temp data dir', async () => {
    const relay = await startLocalRelay(FAST);
    const outcome = (p: Promise<Reply>) => p.then((r) => `answered ${r.status}`, (e: NodeJS.ErrnoException) => e.code);
    const hung = outcome(call(relay.url, 'POST', '/put', { soul: 'h:1', data: {} }, 10_000));
    const miss = outcome(call(relay.url, 'GET', '/get?soul=h:never', undefined, 10_000));
    while (relay.requestCount < 2) await new Promise((r) => setTimeout(r, 5));
    assert.ok(existsSync(relay.dataDir));
    const started = performance.now();
    await relay.close();
    assert.ok(performance.now() - started < 2_000);
    assert.deepEqual([await hung, await miss], ['ECONNRESET', 'ECONNRESET']);
    await assert.rejects(call(relay.url, 'GET', '/peers/status'), { code: 'ECONNREFUSED' });
    assert.equal(existsSync(relay.dataDir), false);
    assert.throws(() => process.kill(relay.gunPid, 0), { code: 'ESRCH' }, 'gun process is gone');
    await relay.close(); // idempotent
  });

  it('restart on the same port with the same dataDir brings the data back (outage drill)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'local-relay-test-'));
    try {
      const first = await startLocalRelay({ ...FAST, dataDir });
      const { port } = first;
      await call(first.url, 'POST', '/put', { soul: 'r1r2r3r4r5r6:a', data: { data: '{"v":1}', meta: { m: 1 } } });
      await call(first.url, 'POST', '/put', { soul: 'r1r2r3r4r5r6:gone', data: { k: 1 } });
      await call(first.url, 'POST', '/put', { soul: 'r1r2r3r4r5r6:gone', data: { k: null } });
      await first.close();
      assert.ok(existsSync(dataDir), 'a caller-supplied dataDir is kept');
      await assert.rejects(call(first.url, 'GET', '/peers/status'), { code: 'ECONNREFUSED' }, 'relay down');

      const second = await startLocalRelay({ ...FAST, port, dataDir });
      try {
        assert.equal(second.url, first.url);
        assert.notEqual(second.gunPid, first.gunPid);
        assert.deepEqual((await call(second.url, 'GET', '/get?soul=r1r2r3r4r5r6:a')).json, {
          success: true,
          data: { data: { v: 1 }, meta: { '#': 'r1r2r3r4r5r6:a/meta' } },
        });
        assert.deepEqual((await call(second.url, 'GET', '/get?soul=r1r2r3r4r5r6:a/meta')).json, { success: true, data: { m: 1 } });
        assert.equal((await call(second.url, 'GET', '/get?soul=r1r2r3r4r5r6:gone')).status, 404);
        // As in production: after a restart, list rows hold the raw gun node (`_`, links).
        const listed = (await call(second.url, 'GET', '/list?publisherHash=r1r2r3r4r5r6')).json as {
          records: Array<{ soul: string; data: Record<string, unknown> }>;
        };
        assert.deepEqual(listed.records.map((r) => r.soul), ['r1r2r3r4r5r6:a', 'r1r2r3r4r5r6:gone']);
        assert.deepEqual(listed.records[0]?.data.meta, { '#': 'r1r2r3r4r5r6:a/meta' });
        assert.equal((listed.records[0]?.data._ as { '#': string })['#'], 'r1r2r3r4r5r6:a');
        assert.equal(listed.records[1]?.data.k, null);
      } finally {
        await second.close();
      }
      const third = await startLocalRelay({ ...FAST, dataDir, listAfterRestart: 'as-sent' });
      try {
        const listed = (await call(third.url, 'GET', '/list?publisherHash=r1r2r3r4r5r6')).json as { records: Array<{ data: unknown }> };
        assert.equal(listed.records.length, 2);
      } finally {
        await third.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a temp dataDir survives close({ keepData: true }) and can be restarted', async () => {
    const first = await startLocalRelay(FAST);
    await call(first.url, 'POST', '/put', { soul: 'k:1', data: { a: 1 } });
    await first.close({ keepData: true });
    try {
      assert.ok(existsSync(first.dataDir));
      const second = await startLocalRelay({ ...FAST, dataDir: first.dataDir });
      assert.deepEqual((await call(second.url, 'GET', '/get?soul=k:1')).json, { success: true, data: { a: 1 } });
      await second.close();
    } finally {
      rmSync(first.dataDir, { recursive: true, force: true });
    }
  });

  it('starting on a busy port fails cleanly', async () => {
    const relay = await startLocalRelay(FAST);
    try {
      await assert.rejects(startLocalRelay({ ...FAST, port: relay.port }), { code: 'EADDRINUSE' });
    } finally {
      await relay.close();
    }
  });

  it('if gun dies, the relay stops answering (connection refused), and close() still works', async () => {
    const relay = await startLocalRelay(FAST);
    process.kill(relay.gunPid, 'SIGKILL');
    const deadline = Date.now() + 5_000;
    let code: string | undefined;
    // Requests already accepted when gun died are reset; then the port is closed.
    while (Date.now() < deadline && code !== 'ECONNREFUSED') {
      code = await call(relay.url, 'GET', '/peers/status', undefined, 1_000).then(
        () => undefined,
        (e: NodeJS.ErrnoException) => e.code,
      );
      if (code !== 'ECONNREFUSED') await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(code, 'ECONNREFUSED');
    await relay.close();
  });
});

describe('local relay: operational guarantees', () => {
  it('gun\'s process holds no network socket at all (only its IPC pipe); the relay listens on 127.0.0.1 only', { skip: process.platform !== 'linux' && 'needs /proc' }, async () => {
    const relay = await startLocalRelay(FAST);
    try {
      await call(relay.url, 'POST', '/put', { soul: 'n:1', data: { a: 1, b: { c: 2 } } });
      await call(relay.url, 'GET', '/get?soul=n:1');
      await call(relay.url, 'GET', '/get?soul=n:missing');
      // Multicast would bind its UDP socket inside Gun(); give any 1 ms start-up timer time too.
      await new Promise((r) => setTimeout(r, 100));
      const sockets = socketInodes(relay.gunPid);
      const inet = inetInodes(relay.gunPid);
      assert.ok(sockets.length >= 1, 'the IPC channel is visible as a socket');
      assert.deepEqual(sockets.filter((i) => inet.has(i)), [], 'no TCP/UDP/raw socket in the gun process');

      const portHex = relay.port.toString(16).toUpperCase().padStart(4, '0');
      const listeners = ['tcp', 'tcp6']
        .flatMap((t) => readFileSync(`/proc/${process.pid}/net/${t}`, 'utf8').split('\n').slice(1))
        .map((line) => line.trim().split(/\s+/))
        .filter((cols) => cols[1]?.endsWith(`:${portHex}`) && cols[3] === '0A');
      assert.deepEqual(listeners.map((cols) => cols[1]), [`0100007F:${portHex}`]);
    } finally {
      await relay.close();
    }
  });

  // Resources that exist before the relay (e.g. this process's own stdio pipes) are not ours.
  const scenario = `
    void process.stdout, void process.stderr; // created lazily: make them part of the baseline
    const baseline = process.getActiveResourcesInfo();
    const relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 50, writeBatchMs: 1 });
    const u = relay.url;
    await fetch(u + '/put', { method: 'POST', body: JSON.stringify({ soul: 'x:1', data: { a: [1] } }) });
    await fetch(u + '/put', { method: 'POST', body: JSON.stringify({ soul: 'x:1', data: null }) });
    await fetch(u + '/put', { method: 'POST', body: JSON.stringify({ soul: 'x:1', data: { a: 1, m: { b: 1 } } }) });
    await fetch(u + '/get?soul=x:1');
    await fetch(u + '/get?soul=x:none');
    const hung = fetch(u + '/put', { method: 'POST', body: JSON.stringify({ soul: 'x:2', data: {} }) }).catch(() => 'reset');
    await new Promise((r) => setTimeout(r, 50));
    await relay.close();
    await hung;
    const left = process.getActiveResourcesInfo();
    for (const r of baseline) left.splice(left.indexOf(r), left.includes(r) ? 1 : 0);
    if (left.length) process.exitCode = 3, process.stderr.write('left: ' + left.join(','));
  `;
  const runs: Array<[string, string[], string]> = [
    ['src via tsx (ESM)', ['--import', 'tsx', '--input-type=module', '-e', `import { startLocalRelay } from ${JSON.stringify(join(REPO, 'src/testing/index.ts'))};\n${scenario}`], 'src/testing/index.ts'],
    ['dist ESM (import gun-relay-client/testing)', ['--input-type=module', '-e', `import { startLocalRelay } from 'gun-relay-client/testing';\n${scenario}`], 'dist/testing/index.js'],
    ['dist CJS (require gun-relay-client/testing)', ['-e', `const { startLocalRelay } = require('gun-relay-client/testing');\n(async () => {${scenario}})();`], 'dist/testing/index.cjs'],
  ];
  for (const [name, args, needs] of runs) {
    it(`${name}: prints nothing and the process exits by itself after close()`, { skip: !existsSync(join(REPO, needs)) && `${needs} not built` }, async () => {
      const started = performance.now();
      const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await new Promise<number | null>((r) => child.once('close', (c) => r(c)));
      clearTimeout(timer);
      assert.equal(out, '', 'no output (gun banner included)');
      assert.equal(code, 0, 'exited by itself, with no active resources left');
      assert.ok(performance.now() - started < 15_000);
    });
  }
});

function socketInodes(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`)
    .map((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .map((link) => /^socket:\[(\d+)\]$/.exec(link)?.[1])
    .filter((inode): inode is string => inode !== undefined);
}

function inetInodes(pid: number): Set<string> {
  const rows = ['tcp', 'tcp6', 'udp', 'udp6', 'raw', 'raw6'].flatMap((table) => {
    try {
      return readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1);
    } catch {
      return [];
    }
  });
  return new Set(rows.map((row) => row.trim().split(/\s+/)[9]).filter((x): x is string => !!x));
}
