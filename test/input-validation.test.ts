import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GunRelayClient, isGunRelayError } from '../src/index.js';
import { startFaultServer, type FaultServer } from '../src/testing/index.js';

describe('bad input: a typed error before any request, and the client stays usable', () => {
  let server: FaultServer;
  let client: GunRelayClient;
  before(async () => {
    server = await startFaultServer({ status: 200, body: { success: true, soul: 's' } });
    client = new GunRelayClient({ baseUrl: server.url, maxBodyLength: 1024 * 1024 });
  });
  after(async () => {
    client.close();
    await server.close();
  });
  beforeEach(() => server.reset());

  async function rejectsInput(call: () => Promise<unknown>, field?: RegExp): Promise<void> {
    await assert.rejects(call, (e: unknown) => {
      assert.ok(isGunRelayError(e), `not a GunRelayError: ${String(e)}`);
      assert.equal(e.code, 'INVALID_INPUT');
      if (field) assert.match(e.field ?? '', field);
      return true;
    });
  }

  const circular: Record<string, unknown> = { a: 1 };
  circular['self'] = circular;
  const deep: Record<string, unknown> = {};
  let cursor = deep;
  for (let i = 0; i < 40; i++) cursor = (cursor['n'] = {}) as Record<string, unknown>;
  cursor['leaf'] = 1;

  const badSouls: Array<[string, unknown]> = [
    ['empty', ''],
    ['10 KB long', 'x'.repeat(10_000)],
    ['control character', 'abc\u0000def'],
    ['newline', 'abc\ndef'],
    ['number', 42],
    ['null', null],
    ['undefined', undefined],
    ['object', { soul: 'x' }],
  ];
  for (const [name, soul] of badSouls) {
    it(`soul: ${name}`, async () => {
      await rejectsInput(() => client.put(soul as string, { a: 1 }), /^soul$/);
      await rejectsInput(() => client.get(soul as string));
      await rejectsInput(() => client.delete(soul as string));
      assert.equal(server.requestCount, 0);
    });
  }

  const badNodes: Array<[string, unknown, RegExp]> = [
    ['null root (the old delete)', null, /^node$/],
    ['string root', 'x', /^node$/],
    ['number root', 1, /^node$/],
    ['array root', [1, 2], /^node$/],
    ['empty object (hangs the real relay)', {}, /^node$/],
    ['nested empty object', { a: { b: {} } }, /^node\.a\.b$/],
    ['array value', { a: [1] }, /^node\.a$/],
    ['array deep inside', { a: { b: { c: [] } } }, /^node\.a\.b\.c$/],
    ['NaN', { a: Number.NaN }, /^node\.a$/],
    ['Infinity', { a: Number.POSITIVE_INFINITY }, /^node\.a$/],
    ['BigInt', { a: 10n }, /^node\.a$/],
    ['function', { a: () => 1 }, /^node\.a$/],
    ['undefined value', { a: undefined }, /^node\.a$/],
    ['symbol', { a: Symbol('x') }, /^node\.a$/],
    ['Date', { a: new Date(0) }, /^node\.a$/],
    ['Map', { a: new Map() }, /^node\.a$/],
    ['circular', circular, /^node\.self$/],
    ['nested 40 deep', deep, /^node\./],
    ['__proto__ key', JSON.parse('{"__proto__": {"polluted": 1}, "a": 1}'), /^node\.__proto__$/],
    ['constructor key', { constructor: 'x', a: 1 }, /^node\.constructor$/],
    ['GUN metadata key', { _: { '#': 'x' }, a: 1 }, /^node\._$/],
    ['link with a bad soul', { a: { '#': '' } }, /^node\.a/],
    ['a 50 MB string', { a: 'x'.repeat(50 * 1024 * 1024) }, /^node\.a$/],
  ];
  for (const [name, node, field] of badNodes) {
    it(`node: ${name}`, async () => {
      await rejectsInput(() => client.put('ok:soul', node as never), field);
      assert.equal(server.requestCount, 0);
    });
  }

  it('delete keys: empty, non-string or "_" are refused', async () => {
    await rejectsInput(() => client.delete('ok:soul', { keys: [] }), /^keys$/);
    await rejectsInput(() => client.delete('ok:soul', { keys: [''] }), /^keys$/);
    await rejectsInput(() => client.delete('ok:soul', { keys: [1 as unknown as string] }), /^keys$/);
    await rejectsInput(() => client.delete('ok:soul', { keys: ['_'] }), /^keys$/);
    assert.equal(server.requestCount, 0);
  });

  it('list: bad publisherHash, limit or offset', async () => {
    await rejectsInput(() => client.list(''));
    await rejectsInput(() => client.list('abc', { limit: 0 }), /^limit$/);
    await rejectsInput(() => client.list('abc', { offset: -1 }), /^offset$/);
    await rejectsInput(() => client.list('abc', { limit: 1.5 }), /^limit$/);
    assert.equal(server.requestCount, 0);
  });

  it('after all that, the client still works and no soul was counted', async () => {
    assert.deepEqual(await client.put('ok:soul', { a: 1, link: { '#': 'ok:other' }, nested: { b: 'c' } }), { soul: 'ok:soul', outcome: 'written', relay: server.url });
    // One request: the nested object names its own node, the link is kept as given.
    assert.equal(server.requestCount, 1);
    assert.deepEqual(server.log[0]?.body, { soul: 'ok:soul', data: { a: 1, link: { '#': 'ok:other' }, nested: { _: { '#': 'ok:soul/nested' }, b: 'c' } } });
    assert.equal(client.stats().trackedSouls, 0);
  });
});

describe('hostile relay responses and secrets', () => {
  let server: FaultServer;
  before(async () => {
    server = await startFaultServer();
  });
  after(async () => {
    await server.close();
  });

  it('__proto__ / constructor keys in a relay response never pollute prototypes', async () => {
    server.setDefault({
      status: 200,
      body: '{"success":true,"data":{"a":1,"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"nested":{"__proto__":{"polluted":"yes"}}}}',
    });
    const c = new GunRelayClient({ baseUrl: server.url });
    const node = await c.get('x:1');
    assert.deepEqual(Object.keys(node!).sort(), ['a', 'nested']);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal(Object.getPrototypeOf(node), Object.prototype);
    assert.equal((node as Record<string, unknown>)['polluted'], undefined);
    c.close();
  });

  it('header values (e.g. Authorization) are sent but never appear in errors, events or their JSON', async () => {
    const secret = 'Bearer s3cr3t-token-value';
    server.reset();
    server.setDefault({ status: 500, body: { error: 'Invalid data: Array at x:1.a' } });
    const seen: unknown[] = [];
    const logs: unknown[] = [];
    const logger = { debug: (o: unknown, m?: string) => logs.push([o, m]), info: (o: unknown, m?: string) => logs.push([o, m]), warn: (o: unknown, m?: string) => logs.push([o, m]), error: (o: unknown, m?: string) => logs.push([o, m]) };
    const c = new GunRelayClient({ baseUrl: server.url, headers: { Authorization: secret }, logger, failureThreshold: 1, attributionWindowMs: 0 });
    // Credentials in the URL (sent by axios as basic auth) must not leak either.
    const d = new GunRelayClient({ baseUrl: `http://user:pa55word@127.0.0.1:${server.port}`, logger, failureThreshold: 1, attributionWindowMs: 0 });
    for (const client of [c, d]) {
      for (const name of ['failure', 'quarantine', 'skip', 'settle', 'stats', 'breaker'] as const) client.on(name, (e: unknown) => seen.push(e));
    }
    const error = await c.put('x:1', { a: 1 }).catch((e: unknown) => e);
    await c.put('x:1', { a: 1 });
    assert.equal(server.log[0]?.headers['authorization'], secret, 'the header reached the relay');
    const errorD = await d.put('x:1', { a: 1 }).catch((e: unknown) => e);
    server.setDefault({ reset: 'before-response' });
    const error2 = await c.get('x:2').catch((e: unknown) => e);
    const error3 = await d.get('x:2').catch((e: unknown) => e);
    const everything = JSON.stringify([error, errorD, error2, error3, seen, logs, c.stats(), d.stats(), String(error), (error as Error).stack, String(error2), String(error3)]);
    assert.ok(everything.length > 200);
    assert.ok(!everything.includes('s3cr3t'), 'secret header value leaked');
    assert.ok(!everything.includes('pa55word'), 'URL password leaked');
    c.close();
    d.close();
  });
});
