/**
 * Hostile answers on the streamed and large-read paths: a compressed answer is bounded by what it
 * decodes to, one huge value costs bounded memory, a failed read leaves a snapshot as it was, a
 * malformed streamed answer is one BAD_RESPONSE (not retried, breaker untouched), and the legacy
 * facade never turns the typed get's own bounds into `null`. Real loopback servers, no mocks.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { GunRelayClient, GunRelayError, isGunRelayError } from '../src/index.js';
import { DeletionRegistry, IndexSnapshot } from '../src/oip/index.js';
import { DEFAULT_MAX_VALUE_BYTES, GetBodyParser } from '../src/oip/snapshot/GetBodyParser.js';
import { GunHelper } from '../src/legacy/index.js';

const SOUL = 'oip:registry:index:post';
const link = (key: string) => ({ '#': `${SOUL}/${key}` });
const MiB = 1024 * 1024;

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A loopback HTTP server whose answer the test sets per request; counts requests. */
async function relay(): Promise<{ url: string; requests: () => number; answer: (h: Handler) => void; close: () => Promise<void> }> {
  let handler: Handler = (_req, res) => res.writeHead(404).end('{"error":"Not found"}');
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests: () => requests,
    answer: (h) => void ((handler = h), (requests = 0)),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const json = (body: string): Handler => (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body);

/** A gzip body: `head`, then `mib` MiB of `a`, then `tail` (a few KiB on the wire). */
function gzipBomb(head: string, mib: number, tail: string): Buffer {
  const chunk = Buffer.alloc(MiB, 'a');
  return zlib.gzipSync(Buffer.concat([Buffer.from(head), ...Array.from({ length: mib }, () => chunk), Buffer.from(tail)]), { level: 9 });
}
const gzipped = (body: Buffer): Handler => (_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(body);

const isCode = (code: string) => (e: unknown) => isGunRelayError(e) && e.code === code;

describe('hostile reads: a compressed answer is bounded by its decoded size', () => {
  let r: Awaited<ReturnType<typeof relay>>;
  before(async () => (r = await relay()));
  after(() => r.close());

  it('streamGet: a gzip answer decoding past maxContentLength is RESPONSE_TOO_LARGE; the sink saw at most the limit', async () => {
    const body = gzipBomb('{"success":true,"data":{"k":"', 16, '"}}');
    assert.ok(body.length < 64 * 1024, `the bomb is small on the wire (${body.length} bytes)`);
    r.answer(gzipped(body));
    const client = new GunRelayClient({ baseUrl: r.url, retry: false });
    let seen = 0;
    const sink = { start: () => void (seen = 0), write: (c: Uint8Array) => void (seen += c.length), end: () => {} };
    const error = await client.streamGet('s', sink, { maxContentLength: MiB }).then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(isCode('RESPONSE_TOO_LARGE')(error), String(error));
    assert.match((error as Error).message, /maxContentLength/);
    assert.match((error as Error).message, /decoded from gzip/);
    assert.ok(seen <= MiB, `the sink was given ${seen} bytes, at most the limit`);
    client.close();
  });

  it('get: a gzip answer decoding past maxContentLength is RESPONSE_TOO_LARGE', async () => {
    r.answer(gzipped(gzipBomb('{"success":true,"data":{"k":"', 16, '"}}')));
    const client = new GunRelayClient({ baseUrl: r.url, retry: false, maxContentLength: MiB });
    await assert.rejects(client.get('s'), (e: unknown) => isCode('RESPONSE_TOO_LARGE')(e) && /maxContentLength/.test((e as Error).message));
    client.close();
  });

  it('IndexSnapshot: one huge value (a gzip bomb) fails with RESPONSE_TOO_LARGE naming maxValueBytes, and changes nothing', async () => {
    r.answer(json(JSON.stringify({ success: true, data: { a: link('a') } })));
    const client = new GunRelayClient({ baseUrl: r.url, retry: false });
    const snap = await IndexSnapshot.load(client, SOUL, { maxValueBytes: MiB });
    r.answer(gzipped(gzipBomb('{"success":true,"data":{"b":true,"k":"', 64, '"}}')));
    await assert.rejects(snap.refresh(), (e: unknown) => isCode('RESPONSE_TOO_LARGE')(e) && /IndexSnapshot option maxValueBytes/.test((e as Error).message));
    assert.deepEqual(snap.keys(), ['a']);
    client.close();
  });

  it('GetBodyParser: a value longer than the default bound is RESPONSE_TOO_LARGE before it is held whole', () => {
    const parser = new GetBodyParser({ field: () => assert.fail('no field') }, { op: 'get', soul: SOUL });
    parser.start();
    parser.write(Buffer.from('{"success":true,"data":{"k":"'));
    const chunk = Buffer.alloc(MiB, 'a');
    let fed = 0;
    assert.throws(() => {
      for (; fed < 64; fed++) parser.write(chunk);
    }, isCode('RESPONSE_TOO_LARGE'));
    assert.ok(fed * MiB <= DEFAULT_MAX_VALUE_BYTES, `stopped after ${fed} MiB`);
    // A key is bounded the same way.
    const keys = new GetBodyParser({ field: () => {} }, { op: 'get', soul: SOUL, maxValueBytes: 1024 });
    keys.start();
    assert.throws(() => keys.write(Buffer.from(`{"success":true,"data":{"${'k'.repeat(2000)}":true}}`)), isCode('RESPONSE_TOO_LARGE'));
  });
});

describe('hostile reads: a failed read leaves the snapshot as it was', () => {
  let r: Awaited<ReturnType<typeof relay>>;
  before(async () => (r = await relay()));
  after(() => r.close());
  const good = json(JSON.stringify({ success: true, data: { a: link('a'), b: link('b') } }));

  it('IndexSnapshot: a success:false answer after its data, and a body that breaks off, change nothing', async () => {
    r.answer(good);
    const client = new GunRelayClient({ baseUrl: r.url, retry: false });
    const snap = await IndexSnapshot.load(client, SOUL);
    assert.deepEqual(snap.keys(), ['a', 'b']);

    r.answer(json('{"data":{"a":null,"evil":true},"success":false}'));
    await assert.rejects(snap.refresh(), isCode('BAD_RESPONSE'));
    assert.deepEqual(snap.keys(), ['a', 'b']);
    assert.equal(snap.isRemoved('a'), false);
    assert.equal(snap.has('evil'), false);

    r.answer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"success":true,"data":{"b":null,"evil2":true,');
      setTimeout(() => res.destroy(), 20);
    });
    await assert.rejects(snap.refresh(), isCode('CONNECTION_RESET'));
    assert.deepEqual(snap.keys(), ['a', 'b']);
    assert.equal(snap.has('evil2'), false);
    client.close();
  });

  it('IndexSnapshot: a retried read keeps only the attempt that succeeded', async () => {
    let n = 0;
    r.answer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (n++ === 0) {
        res.write('{"success":true,"data":{"stale":true,');
        setTimeout(() => res.destroy(), 20);
      } else res.end(JSON.stringify({ success: true, data: { fresh: link('fresh') } }));
    });
    const client = new GunRelayClient({ baseUrl: r.url, retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    const snap = await IndexSnapshot.load(client, SOUL);
    assert.equal(r.requests(), 2);
    assert.deepEqual(snap.keys(), ['fresh']);
    client.close();
  });

  it('DeletionRegistry: a success:false answer listing a DID does not mark it deleted', async () => {
    const did = 'did:gun:oip:records:post:one';
    r.answer(json(JSON.stringify({ success: true, data: { 'did:gun:oip:records:post:zero': true } })));
    const client = new GunRelayClient({ baseUrl: r.url, retry: false });
    const registry = await new DeletionRegistry(client).refresh();
    r.answer(json(`{"data":{"${did}":true},"success":false}`));
    await assert.rejects(registry.refresh(), isCode('BAD_RESPONSE'));
    assert.equal(registry.isDeleted(did), false);
    assert.deepEqual(registry.deleted(), ['did:gun:oip:records:post:zero']);
    client.close();
  });
});

describe('hostile reads: a malformed streamed answer is one BAD_RESPONSE', () => {
  let r: Awaited<ReturnType<typeof relay>>;
  before(async () => (r = await relay()));
  after(() => r.close());

  it('IndexSnapshot: success:false, HTML and a cut JSON are BAD_RESPONSE after one request each, and never open the breaker', async () => {
    const client = new GunRelayClient({ baseUrl: r.url, retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 1 }, breaker: { threshold: 2 } });
    const breaker: unknown[] = [];
    client.on('breaker', (e) => breaker.push(e));
    for (const body of ['{"data":{"a":true},"success":false}', '<html>oops</html>', '{"success":true,"data":{"a":tru}}', '{"success":true,"data":{"a":tru']) {
      r.answer(json(body));
      const error = await IndexSnapshot.load(client, SOUL).then(
        () => assert.fail('resolved'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof GunRelayError && error.code === 'BAD_RESPONSE', `${body}: ${String(error)}`);
      assert.match(error.message, /^get: unexpected relay response \(/);
      assert.doesNotMatch(error.message, /get: get:/);
      assert.equal(r.requests(), 1, `${body}: one request`);
    }
    assert.deepEqual(breaker, [], 'no breaker transition');
    r.answer(json(JSON.stringify({ success: true, data: { a: true } })));
    assert.deepEqual((await IndexSnapshot.load(client, SOUL)).keys(), ['a']);
    client.close();
  });

  it("streamGet: a sink's GunRelayError from another copy of the package keeps its code and message (one request)", async () => {
    // Each subpath bundle of dist (oip, legacy) carries its own GunRelayError class.
    const other = (await import(`../src/errors.ts?copy=${Date.now()}`)) as typeof import('../src/errors.js');
    assert.notEqual(other.GunRelayError, GunRelayError, 'a second copy of the class');
    r.answer(json('{"success":true,"data":{}}'));
    const client = new GunRelayClient({ baseUrl: r.url, retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    const sink = {
      start() {},
      write() {},
      end() {
        throw new other.GunRelayError('BAD_RESPONSE', 'get: unexpected relay response (refused by the sink)', { op: 'get', soul: 's', status: 200 });
      },
    };
    const error = await client.streamGet('s', sink).then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof GunRelayError, 'an error of this copy');
    assert.equal(error.code, 'BAD_RESPONSE');
    assert.equal(error.message, 'get: unexpected relay response (refused by the sink)');
    assert.equal(error.status, 200);
    assert.equal(r.requests(), 1);
    assert.equal(client.stats().retries, 0);
    client.close();
  });
});

describe('hostile reads: the legacy facade never turns its own bounds into null', () => {
  let r: Awaited<ReturnType<typeof relay>>;
  const savedPeers = process.env['GUN_PEERS'];
  before(async () => (r = await relay()));
  afterEach(() => GunHelper.closeAll());
  after(async () => {
    if (savedPeers === undefined) delete process.env['GUN_PEERS'];
    else process.env['GUN_PEERS'] = savedPeers;
    await r.close();
  });

  it('getRecord of a node with 20,000 short entries returns all of them', async () => {
    process.env['GUN_PEERS'] = r.url;
    const lines: string[] = [];
    const push = (m: unknown) => void lines.push(String(m));
    const gun = new GunHelper({ logger: { debug: push, info: push, warn: push, error: push } });
    for (const value of [1, true, 'x']) {
      const data: Record<string, unknown> = {};
      for (let i = 0; i < 20_000; i++) data[String(i)] = value;
      r.answer(json(JSON.stringify({ success: true, data })));
      const node = await gun.getRecord(`oip:deleted:index:${String(value)}`);
      assert.ok(node, `a node of 20,000 ${JSON.stringify(value)} entries is not null`);
      assert.equal(Object.keys(node).length, 20_000);
      assert.equal((node as Record<string, unknown>)['19999'], value);
      assert.equal(r.requests(), 2, 'the typed get, then the streamed read');
    }
    assert.deepEqual(lines, []);
  });

  it('a malformed answer is still logged and null, after the typed get alone', async () => {
    process.env['GUN_PEERS'] = r.url;
    const lines: string[] = [];
    const push = (m: unknown) => void lines.push(String(m));
    const gun = new GunHelper({ logger: { debug: push, info: push, warn: push, error: push } });
    r.answer(json('{"success":true,"data":{"a":tru}}'));
    assert.equal(await gun.getRecord('oip:records:post:broken'), null);
    assert.equal(r.requests(), 1);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /BAD_RESPONSE/);
  });
});
