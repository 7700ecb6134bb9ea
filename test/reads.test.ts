import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GunRelayClient, ManualClock } from '../src/index.js';
import { startLocalRelay, startLocalRelays, type LocalRelay } from '../src/testing/index.js';
import { MissCache } from '../src/reads/MissCache.js';
import { isCode } from './helpers/errors.js';

const getsOf = (relay: LocalRelay, soul: string) => relay.log.filter((r) => r.path === '/get' && r.soul === soul).length;

describe('miss cache and coalesced reads (local relay, real gun)', () => {
  let relay: LocalRelay;
  const clients: GunRelayClient[] = [];
  before(async () => {
    relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 100 });
  });
  after(async () => {
    for (const c of clients) c.close();
    await relay.close();
  });
  beforeEach(() => relay.resetCounters());

  function client(extra: Record<string, unknown> = {}): GunRelayClient {
    const c = new GunRelayClient({ baseUrl: relay.url, ...extra });
    clients.push(c);
    return c;
  }

  it('off by default: a never-written soul read twice costs 2 requests', async () => {
    const c = client();
    assert.equal(await c.get('miss:off'), null);
    assert.equal(await c.get('miss:off'), null);
    assert.equal(getsOf(relay, 'miss:off'), 2);
    assert.equal(c.stats().missCacheHits, 0);
  });

  it('on: the second read is answered from memory, counted in stats', async () => {
    const c = client({ missCache: {} });
    assert.equal(await c.get('miss:on'), null);
    assert.deepEqual(await c.lookup('miss:on'), { soul: 'miss:on', outcome: 'missing', node: null, relay: relay.url });
    assert.equal(getsOf(relay, 'miss:on'), 1);
    const s = c.stats();
    assert.equal(s.missCacheHits, 1);
    assert.equal(s.misses, 1, 'one miss was answered by the relay');
    assert.equal(s.requests, 1);
  });

  it('expires after ttlMs on the injected clock', async () => {
    const clock = new ManualClock(0);
    const c = client({ clock, missCache: { ttlMs: 1_000 } });
    await c.get('miss:ttl');
    await clock.advance(1_000);
    await c.get('miss:ttl');
    assert.equal(getsOf(relay, 'miss:ttl'), 1, 'still remembered at exactly ttlMs');
    await clock.advance(1);
    await c.get('miss:ttl');
    assert.equal(getsOf(relay, 'miss:ttl'), 2);
  });

  it("this client's own put and delete of the soul clear it: a write is never hidden", async () => {
    const c = client({ missCache: {} });
    assert.equal(await c.get('miss:w'), null);
    await c.put('miss:w', { a: 1 });
    assert.deepEqual(await c.get('miss:w'), { a: 1 });
    await c.delete('miss:w');
    assert.equal(await c.get('miss:w'), null);
    assert.equal(await c.get('miss:w'), null);
    assert.equal(getsOf(relay, 'miss:w'), 4, 'miss, found, the delete read, miss; then one from memory');
  });

  it('a miss read while a put of the soul was in flight is not remembered', async () => {
    const c = client({ missCache: {} });
    relay.fault('miss:race', { delayMs: 150, path: '/put', times: 1 });
    const put = c.put('miss:race', { a: 1 });
    await new Promise((r) => setTimeout(r, 20));
    const read = await c.get('miss:race'); // answered before the put lands
    await put;
    assert.equal(read, null);
    assert.deepEqual(await c.get('miss:race'), { a: 1 });
  });

  it('a failed put clears it too (it may have landed)', async () => {
    const c = client({ missCache: {}, retry: false });
    await c.get('miss:failed');
    relay.fault('miss:failed', { status: 503, path: '/put', times: 1 });
    await assert.rejects(c.put('miss:failed', { a: 1 }), isCode('RELAY_ERROR'));
    await c.get('miss:failed');
    assert.equal(getsOf(relay, 'miss:failed'), 2);
  });

  it('bounded: maxEntries misses, least recently used dropped', async () => {
    const c = client({ missCache: { maxEntries: 2 } });
    for (const s of ['lru:1', 'lru:2', 'lru:3']) await c.get(s);
    await c.get('lru:3');
    await c.get('lru:1');
    assert.deepEqual(['lru:1', 'lru:2', 'lru:3'].map((s) => getsOf(relay, s)), [2, 1, 1]);
  });

  it('10 concurrent identical gets cost 1 request; each caller gets its own copy', async () => {
    const c = client();
    await c.put('co:1', { a: 1, b: 'x' });
    relay.resetCounters();
    const nodes = await Promise.all(Array.from({ length: 10 }, () => c.get('co:1')));
    assert.equal(getsOf(relay, 'co:1'), 1);
    assert.equal(c.stats().coalescedReads, 9);
    for (const n of nodes) assert.deepEqual(n, { a: 1, b: 'x' });
    nodes[0]!['a'] = 'changed';
    assert.equal(nodes[1]!['a'], 1, 'copies are independent');
    assert.equal(new Set(nodes).size, 10);
  });

  it('10 concurrent gets of a never-written soul cost 1 request', async () => {
    const c = client();
    const nodes = await Promise.all(Array.from({ length: 10 }, () => c.get('co:missing')));
    assert.deepEqual(nodes, Array(10).fill(null));
    assert.equal(getsOf(relay, 'co:missing'), 1);
  });

  it('a caller that aborts leaves the others their answer; a later get starts fresh', async () => {
    const c = client();
    await c.put('co:abort', { a: 1 });
    relay.fault('co:abort', { delayMs: 100, path: '/get', times: 1 });
    const controller = new AbortController();
    const first = c.get('co:abort', { signal: controller.signal });
    const second = c.get('co:abort');
    controller.abort();
    await assert.rejects(first, isCode('ABORTED'));
    assert.deepEqual(await second, { a: 1 });
  });

  it('coalesceReads: false sends every get', async () => {
    const c = client({ coalesceReads: false });
    await c.put('co:off', { a: 1 });
    relay.resetCounters();
    await Promise.all(Array.from({ length: 5 }, () => c.get('co:off')));
    assert.equal(getsOf(relay, 'co:off'), 5);
  });
});

describe('miss cache keyed by relay + soul (two separate stores)', () => {
  it('a miss remembered for one relay does not answer for the other', async () => {
    const group = await startLocalRelays(2, { putDelayMs: 0, missWaitMs: 50 });
    const [a, b] = group.relays as [LocalRelay, LocalRelay];
    const c = new GunRelayClient({ baseUrl: group.urls, missCache: {} });
    try {
      await c.put('k:1', { v: 'b' }, { relay: b.url });
      assert.equal(await c.get('k:1'), null, 'A has nothing');
      assert.equal(await c.get('k:1'), null);
      assert.equal(getsOf(a, 'k:1'), 1, 'the second read of A came from memory');
      assert.deepEqual(await c.get('k:1', { relay: b.url }), { v: 'b' });
    } finally {
      c.close();
      await group.close();
    }
  });
});

describe('MissCache unit', () => {
  it('a read token older than a write of the soul is not remembered; other souls are', () => {
    const cache = new MissCache({ maxEntries: 10, ttlMs: 1_000, clock: new ManualClock(0) });
    const token = cache.begin();
    cache.written('s');
    cache.remember('r', 's', token);
    cache.remember('r', 't', token);
    assert.equal(cache.has('r', 's'), false);
    assert.equal(cache.has('r', 't'), true);
    cache.written('t');
    assert.equal(cache.has('r', 't'), false);
    assert.equal(cache.size, 0);
  });
});

describe('hostile: a get started after a write resolved never joins a read sent before it', () => {
  it('neither answers the pre-write miss nor remembers it (scripted relay)', async () => {
    const { startFaultServer } = await import('../src/testing/index.js');
    let stored = false;
    let releaseFirst!: () => void;
    const firstGetHeld = new Promise<void>((r) => (releaseFirst = r));
    let gets = 0;
    const server = await startFaultServer(async (req) => {
      if (req.path === '/put') {
        stored = true;
        return { status: 200, body: { success: true, soul: 'race:co' } };
      }
      gets++;
      if (gets === 1) {
        // The first get read the store before the put: it answers "Not found", late.
        await firstGetHeld;
        return { status: 404, body: { error: 'Not found' } };
      }
      return stored ? { status: 200, body: { success: true, data: { a: 1 } } } : { status: 404, body: { error: 'Not found' } };
    });
    const c = new GunRelayClient({ baseUrl: server.url, missCache: {}, retry: false });
    try {
      const early = c.get('race:co');
      while (server.inFlight < 1) await new Promise((r) => setTimeout(r, 5));
      await c.put('race:co', { a: 1 });
      const late = c.get('race:co'); // asked after the put resolved
      releaseFirst();
      assert.equal(await early, null, 'the early read saw the store before the put');
      assert.deepEqual(await late, { a: 1 }, 'a read asked after the put resolved sees it');
      assert.deepEqual(await c.get('race:co'), { a: 1 }, 'no miss remembered over the write');
    } finally {
      releaseFirst();
      c.close();
      await server.close();
    }
  });
});
