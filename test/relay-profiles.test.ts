import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { GunRelayClient, ManualClock, type FailureEvent } from '../src/index.js';
import { startFaultServer, startLocalRelay, startOipProxy, type LocalRelay, type OipProxy } from '../src/testing/index.js';
import { Attribution, type HeldRefusal } from '../src/relays/Attribution.js';
import { oipProxyClassifier } from '../src/relays/classifiers.js';
import { outcome } from './helpers/clock.js';
import { isCode } from './helpers/errors.js';

const GUN_ERROR = { error: 'Data at root of graph must be a node (an object).' };

describe('oip-proxy profile: a peer behind the /gun-relay proxy (local relay, real gun)', () => {
  let relay: LocalRelay;
  let proxy: OipProxy;
  const clients: GunRelayClient[] = [];

  before(async () => {
    relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 100 });
    proxy = await startOipProxy({ target: relay.url, getTimeoutMs: 2_000, putTimeoutMs: 2_000 });
  });
  after(async () => {
    for (const c of clients) c.close();
    await proxy.close();
    await relay.close();
  });
  afterEach(async () => {
    relay.clearFaults();
    proxy.setDisabled(false);
    await relay.listen();
  });

  function client(extra: Record<string, unknown> = {}): GunRelayClient {
    const c = new GunRelayClient({ baseUrl: [{ url: proxy.url, kind: 'oip-proxy' }], ...extra });
    clients.push(c);
    return c;
  }

  it('a miss resolves null (the proxy 500 "status code 404"), one request, nothing counted', async () => {
    const c = client();
    proxy.resetCounters();
    assert.equal(await c.get('oip:registry:index:never'), null);
    assert.equal(proxy.requestCount, 1, 'a miss is not retried');
    assert.deepEqual(await c.lookup('oip:registry:index:never'), { soul: 'oip:registry:index:never', outcome: 'missing', node: null, relay: proxy.url });
    assert.equal(c.stats().byOperation.get.failures, 0);
  });

  it('put and get go through the proxy; results name the proxy', async () => {
    const c = client();
    assert.deepEqual(await c.put('oip:p:one', { a: 1 }), { soul: 'oip:p:one', outcome: 'written', relay: proxy.url });
    assert.deepEqual(await c.lookup('oip:p:one'), { soul: 'oip:p:one', outcome: 'found', node: { a: 1 }, relay: proxy.url });
    const deleted = await c.delete('oip:p:one');
    assert.equal(deleted.outcome, 'deleted');
    assert.equal(deleted.relay, proxy.url);
    assert.equal(await c.get('oip:p:one'), null);
  });

  it("300 puts of distinct souls while the peer's relay is stopped quarantine 0 souls", async () => {
    const c = client({ retry: false, breaker: false });
    const codes = new Map<string, number>();
    const counted: FailureEvent[] = [];
    c.on('failure', (e) => e.counted !== false && counted.push(e));
    await relay.stopListening();
    proxy.resetCounters();
    for (let i = 0; i < 300; i++) {
      const r = await outcome(c.put(`oip:down:${i}`, { i }));
      assert.equal(r.ok, false);
      if (!r.ok) codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
    }
    assert.equal(proxy.requestCount, 300, 'every put reached the proxy');
    assert.deepEqual([...codes], [['RELAY_ERROR', 300]]);
    assert.equal(counted.length, 0);
    assert.equal(c.quarantined().length, 0);
    assert.equal(c.stats().trackedSouls, 0);
  });

  it('a shared soul put 10 times while the relay refuses every put is never quarantined', async () => {
    const c = client({ retry: false });
    relay.fault('*', { status: 500, body: GUN_ERROR, path: '/put' });
    for (let i = 0; i < 10; i++) assert.deepEqual(await outcome(c.put('oip:registry:index:post', { [`k${i}`]: 1 })), { ok: false, code: 'SOUL_REJECTED' });
    assert.equal(c.quarantined().length, 0, 'nobody else succeeded: the refusals are not attributed to the soul');
  });

  it('hostile: a relay refusing every write is not made credible by its answered reads (a worker reads between writes)', async () => {
    const c = client({ retry: false });
    relay.fault('*', { status: 500, body: GUN_ERROR, path: '/put' });
    const counted: FailureEvent[] = [];
    c.on('failure', (e) => e.counted === true && counted.push(e));
    for (let i = 0; i < 4; i++) {
      assert.equal(await c.get(`oip:reads:other${i}`), null, 'reads of other souls are answered');
      assert.deepEqual(await outcome(c.put('oip:registry:index:post', { k: 1 })), { ok: false, code: 'SOUL_REJECTED' });
    }
    assert.equal(counted.length, 0, 'no write of any soul succeeded: the write refusals are not attributed');
    assert.equal(c.quarantined().length, 0);
    assert.equal(c.stats().trackedSouls, 0, 'the held refusal never gained evidence');
  });

  it('a soul the relay keeps refusing while others succeed is quarantined after 3', async () => {
    const c = client({ retry: false });
    const bad = 'oip:p:poisoned';
    relay.fault(bad, { status: 500, body: GUN_ERROR, path: '/put' });
    const seen: Array<[FailureEvent['counted'], boolean]> = [];
    c.on('failure', (e) => seen.push([e.counted, e.first]));
    const quarantined: number[] = [];
    c.on('quarantine', (e) => quarantined.push(e.failures));
    for (let i = 0; i < 3; i++) {
      await assert.rejects(c.put(bad, { a: 1 }), isCode('SOUL_REJECTED'));
      // Held until the proxy takes another soul's put after it.
      assert.equal(c.stats().pendingRefusals, 1);
      assert.equal((await c.put(`oip:p:good${i}`, { i })).outcome, 'written');
      assert.equal(c.stats().pendingRefusals, 0);
    }
    assert.deepEqual(seen, [['pending', true], ['pending', false], ['pending', false]]);
    assert.deepEqual(quarantined, [3], 'the third refusal, once confirmed, quarantines the write');
    proxy.resetCounters();
    const skipped = await c.put(bad, { a: 1 });
    assert.equal(skipped.outcome, 'skipped');
    assert.equal(skipped.relay, proxy.url);
    assert.equal(proxy.requestCount, 0);
  });

  it('maintenance 503 is relay-level: retried, never counted', async () => {
    const c = client({ retry: { retries: 1, baseDelayMs: 0 }, breaker: false });
    await c.put('oip:p:warm', { a: 1 });
    proxy.setDisabled(true);
    proxy.resetCounters();
    const failures: FailureEvent[] = [];
    c.on('failure', (e) => failures.push(e));
    for (let i = 0; i < 3; i++) await assert.rejects(c.put('oip:p:maint', { a: 1 }), isCode('RELAY_ERROR'));
    assert.equal(proxy.requestCount, 6, 'each put was retried once');
    assert.deepEqual(failures.map((f) => [f.scope, f.counted, f.relay]), Array(3).fill(['relay', false, proxy.url]));
    assert.equal(c.quarantined().length, 0);
  });

  it('a relay timeout behind the proxy is relay-level', async () => {
    const slow = await startOipProxy({ target: relay.url, getTimeoutMs: 50 });
    try {
      const c = client({ baseUrl: [{ url: slow.url, kind: 'oip-proxy' }], retry: false });
      relay.fault('oip:p:slow', { hang: true, path: '/get' });
      await assert.rejects(c.get('oip:p:slow'), (e: unknown) => isCode('RELAY_ERROR')(e) && (e as { scope: string }).scope === 'relay');
    } finally {
      await slow.close();
    }
  });

  it('health() probes the proxy with a get: ok for a miss; a plain relay profile at the proxy is not ok (no /peers/status)', async () => {
    const c = client({ baseUrl: [{ url: proxy.url, kind: 'oip-proxy' }, proxy.url] });
    const [asProxy, asRelay] = await c.health({ timeoutMs: 2_000 });
    assert.equal(asProxy?.ok, true);
    assert.equal(asRelay?.ok, false);
    proxy.setDisabled(true);
    const [down] = await c.health({ timeoutMs: 2_000 });
    assert.deepEqual([down?.ok, down?.error], [false, 'RELAY_ERROR']);
  });

  it('healthPath picks the probe', async () => {
    const c = client({ baseUrl: [{ url: proxy.url, kind: 'oip-proxy', healthPath: '/get?soul=oip%3Ap%3Awarm' }] });
    await c.put('oip:p:warm', { a: 1 });
    proxy.resetCounters();
    const [h] = await c.health();
    assert.equal(h?.ok, true);
    assert.deepEqual(proxy.log.map((r) => r.soul), ['oip:p:warm']);
  });
});

describe('classify: a per-relay override', () => {
  it('overrides the verdict of an answer (here a 418 as a miss, a 409 as the soul\'s)', async () => {
    const server = await startFaultServer((req) =>
      req.path === '/get' ? { status: 418, body: { error: 'gone' } } : { status: 409, body: { error: 'conflict' } },
    );
    const calls: string[] = [];
    const c = new GunRelayClient({
      baseUrl: [
        {
          url: server.url,
          classify: (op, status, body) => {
            calls.push(`${op}:${status}:${body}`);
            if (status === 418) return 'miss';
            return status === 409 ? 'soul' : undefined;
          },
        },
      ],
      retry: false,
      attributionWindowMs: 0,
    });
    try {
      assert.equal(await c.get('a:1'), null);
      await assert.rejects(c.put('a:1', { k: 1 }), isCode('SOUL_REJECTED'));
      assert.equal(c.quarantined().length, 0);
      assert.deepEqual(calls, ['get:418:{"error":"gone"}', 'put:409:{"error":"conflict"}']);
      assert.equal(c.stats().trackedSouls, 1, 'the 409 counted against the soul');
    } finally {
      c.close();
      await server.close();
    }
  });

  it('the built-in proxy verdicts', () => {
    const msg = (m: string) => JSON.stringify({ error: m, success: false });
    assert.equal(oipProxyClassifier('get', 500, msg('Request failed with status code 404')), 'miss');
    assert.equal(oipProxyClassifier('put', 500, msg('Request failed with status code 500')), 'soul');
    assert.equal(oipProxyClassifier('put', 400, '{"error":"soul and data required"}'), 'soul');
    assert.equal(oipProxyClassifier('put', 413, '<html>'), 'soul');
    assert.equal(oipProxyClassifier('put', 502, msg('Request failed with status code 502')), 'relay');
    assert.equal(oipProxyClassifier('get', 500, msg('Request failed with status code 500')), 'relay');
    assert.equal(oipProxyClassifier('get', 503, msg('GUN relay proxy disabled for maintenance')), 'relay');
    assert.equal(oipProxyClassifier('put', 500, msg('connect ECONNREFUSED 10.0.0.1:8765')), 'relay');
    assert.equal(oipProxyClassifier('put', 500, msg('timeout of 30000ms exceeded')), 'relay');
    assert.equal(oipProxyClassifier('put', 500, msg('socket hang up')), 'relay');
  });
});

describe('attribution: a refusal counts once the relay accepts another soul\'s request of the same kind after it', () => {
  const refusal = (soul: string, at: number, op: 'put' | 'delete' = 'put'): HeldRefusal => ({ op, soul, key: soul, code: 'SOUL_REJECTED', status: 500, at });

  it('the rule, on the injected clock (window 60 s)', () => {
    const a = new Attribution(60_000, 100);
    assert.equal(a.accepted('other', 0), undefined, 'nothing held');
    assert.equal(a.hold(refusal('s', 10)), false);
    assert.equal(a.accepted('s', 11), undefined, 'the soul itself is no evidence');
    assert.deepEqual(a.accepted('t', 12)?.map((r) => r.soul), ['s'], 'another soul accepted after it: confirmed');
    assert.equal(a.size(12), 0, 'confirmed refusals are handed back once');
    a.hold(refusal('s', 100));
    assert.equal(a.hold(refusal('s', 200)), true, 'a repeat before any evidence replaces the held one');
    assert.deepEqual(a.accepted(undefined, 60_200)?.map((r) => r.at), [200], 'a list counts as another soul; at the edge of the window');
    a.hold(refusal('s', 70_000));
    assert.equal(a.accepted('t', 130_001), undefined, 'past the window: dropped uncounted');
    assert.equal(a.size(130_001), 0);
  });

  it('bounded: the oldest held refusal is dropped first; drop() and dropSoul() forget', () => {
    const a = new Attribution(60_000, 3);
    for (let i = 0; i < 5; i++) a.hold(refusal(`s${i}`, i));
    assert.equal(a.size(5), 3);
    a.drop('put', 's4');
    a.hold(refusal('s3', 6, 'delete'));
    a.dropSoul('s3');
    assert.deepEqual(a.accepted('t', 7)?.map((r) => r.soul), ['s2']);
  });

  it('direct relays too: a refused soul counts once another soul succeeds after it within the window', async () => {
    const relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 100 });
    const clock = new ManualClock(1_000);
    const c = new GunRelayClient({ baseUrl: relay.url, clock, retry: false });
    try {
      relay.fault('bad:1', { status: 500, body: GUN_ERROR, path: '/put' });
      const counted: Array<FailureEvent['counted']> = [];
      c.on('failure', (e) => counted.push(e.counted));
      await outcome(c.put('bad:1', { a: 1 }));
      await c.put('good:1', { a: 1 });
      assert.equal(c.exportLedger().entries[0]?.failures, 1, 'the success after it is the evidence');
      await outcome(c.put('bad:1', { a: 1 }));
      await clock.advance(60_001);
      await c.put('good:1', { a: 2 });
      assert.equal(c.exportLedger().entries[0]?.failures, 1, 'a success past the window is no evidence');
      assert.deepEqual(counted, ['pending', 'pending']);
      assert.equal(c.stats().pendingRefusals, 0);
    } finally {
      c.close();
      await relay.close();
    }
  });
});
