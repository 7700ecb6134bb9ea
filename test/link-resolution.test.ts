/**
 * Link resolution is bounded and memoised per call: each soul read at most once, at most
 * maxLinkReads reads, at most 4 at a time, only the keys asked for, all under one deadline.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GunRelayClient, ManualClock } from '../src/index.js';
import { startFaultServer, type FaultServer, type FaultRequest } from '../src/testing/index.js';
import { outcome } from './helpers/clock.js';

const found = (data: Record<string, unknown>) => ({ status: 200, body: { success: true, data } });
const links = (n: number, target: (i: number) => string): Record<string, unknown> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, { '#': target(i) }]));

describe('link resolution', () => {
  let server: FaultServer;
  let client: GunRelayClient;
  let nodes: Map<string, Record<string, unknown>>;
  let onRead: (req: FaultRequest) => void = () => undefined;
  before(async () => {
    server = await startFaultServer((req) => {
      onRead(req);
      const node = nodes.get(req.query['soul'] ?? '');
      return node ? { delayMs: 5, then: found(node) } : { status: 404, body: { error: 'Not found' } };
    });
    client = new GunRelayClient({ baseUrl: server.url, retry: false });
  });
  after(async () => {
    client.close();
    await server.close();
  });
  beforeEach(() => {
    server.reset();
    nodes = new Map();
    onRead = () => undefined;
  });

  it('2,000 links to one soul read it once', async () => {
    nodes.set('root', links(2_000, () => 'child'));
    nodes.set('child', { v: 1 });
    const node = await client.get('root', { resolveLinks: 1 });
    assert.deepEqual(node?.['k1999'], { v: 1 });
    assert.equal(server.requestCount, 2);
  });

  it('2,000 links to distinct souls: at most maxLinkReads (64) reads, 4 at a time; the rest stay links', async () => {
    nodes.set('root', links(2_000, (i) => `c${i}`));
    for (let i = 0; i < 2_000; i++) nodes.set(`c${i}`, { v: i });
    const node = (await client.get('root', { resolveLinks: 1 }))!;
    assert.equal(server.requestCount, 1 + 64);
    assert.ok(server.maxConcurrent <= 4, `at most 4 reads at once, saw ${server.maxConcurrent}`);
    const resolved = Object.values(node).filter((v) => (v as { v?: number }).v !== undefined).length;
    assert.equal(resolved, 64);
    assert.deepEqual(node['k1999'], { '#': 'c1999' });
  });

  it('resolveLinks: 8 over a fan-out of 10 per level stays within the cap', async () => {
    const fan = (soul: string, level: number): void => {
      if (level === 8 || nodes.size > 5_000) return;
      nodes.set(soul, links(10, (i) => `${soul}.${i}`));
      for (let i = 0; i < 10; i++) fan(`${soul}.${i}`, level + 1);
    };
    fan('t', 0);
    await client.get('t', { resolveLinks: 8 });
    assert.ok(server.requestCount <= 1 + 64, `${server.requestCount} requests`);
  });

  it('maxLinkReads is an option (0 resolves nothing)', async () => {
    const none = new GunRelayClient({ baseUrl: server.url, maxLinkReads: 0 });
    nodes.set('root', { a: { '#': 'child' } });
    nodes.set('child', { v: 1 });
    assert.deepEqual(await none.get('root', { resolveLinks: 3 }), { a: { '#': 'child' } });
    assert.equal(server.requestCount, 1);
    none.close();
  });

  it('linkKeys restricts which links are followed', async () => {
    nodes.set('rec', { meta: { '#': 'rec/meta' }, data: { '#': 'rec/data' }, other: { '#': 'elsewhere' } });
    nodes.set('rec/meta', { encrypted: true });
    nodes.set('rec/data', { iv: 'x' });
    nodes.set('elsewhere', { big: 1 });
    const node = await client.get('rec', { resolveLinks: 1, linkKeys: ['meta', 'data'] });
    assert.deepEqual(node, { meta: { encrypted: true }, data: { iv: 'x' }, other: { '#': 'elsewhere' } });
    assert.equal(server.requestCount, 3);
    await assert.rejects(client.get('rec', { resolveLinks: 1, linkKeys: 'meta' as never }), { code: 'INVALID_INPUT', field: 'linkKeys' });
  });

  it('the whole call runs under one deadline: a link read that would start after it is TIMEOUT, not sent', async () => {
    let now = 0;
    const clock = new (class extends ManualClock {
      override now(): number {
        return now;
      }
    })();
    const timed = new GunRelayClient({ baseUrl: server.url, clock, timeouts: { get: 1_000 }, retry: false });
    nodes.set('root', links(5, (i) => `c${i}`));
    for (let i = 0; i < 5; i++) nodes.set(`c${i}`, { v: i });
    // The four first link reads start together, before any arrives (concurrency 4); each that
    // arrives uses up the whole second, so the fifth, which waits for a slot, starts too late.
    onRead = (req) => {
      if (req.query['soul'] !== 'root') now += 1_000;
    };
    assert.deepEqual(await outcome(timed.get('root', { resolveLinks: 1 })), { ok: false, code: 'TIMEOUT' });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.requestCount, 1 + 4, 'the fifth link read was never sent');
    timed.close();
  });
});
