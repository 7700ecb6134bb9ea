import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { GunRelayClient, type SettleEvent } from '../src/index.js';
import { startLocalRelays, type LocalRelay, type LocalRelayGroup } from '../src/testing/index.js';
import { isCode } from './helpers/errors.js';

describe('two local relays that are separate stores (real gun)', () => {
  let group: LocalRelayGroup;
  let a: LocalRelay;
  let b: LocalRelay;
  const clients: GunRelayClient[] = [];

  before(async () => {
    group = await startLocalRelays(2, { putDelayMs: 0, missWaitMs: 100 });
    [a, b] = group.relays as [LocalRelay, LocalRelay];
  });
  after(async () => {
    for (const c of clients) c.close();
    await group.close();
  });
  afterEach(async () => {
    await a.listen();
    a.clearFaults();
    b.clearFaults();
  });

  function client(extra: Record<string, unknown> = {}): GunRelayClient {
    const c = new GunRelayClient({ baseUrl: group.urls, retry: { retries: 1, baseDelayMs: 0 }, ...extra });
    clients.push(c);
    return c;
  }

  it('defaults: a failed write is never sent to the other relay (put and delete)', async () => {
    const c = client({ breaker: false });
    await a.stopListening();
    b.resetCounters();
    for (let i = 0; i < 5; i++) await assert.rejects(c.put(`w:${i}`, { i }), isCode('CONNECTION_REFUSED'));
    await assert.rejects(c.delete('w:0'), isCode('CONNECTION_REFUSED'));
    await assert.rejects(c.delete('w:0', { keys: ['i'] }), isCode('CONNECTION_REFUSED'));
    assert.equal(b.requestCount, 0, 'relay B saw nothing');
    // With the breaker on, A's open breaker fails writes fast; they still do not move to B.
    const withBreaker = client({ breaker: { threshold: 2, halfOpenAfterMs: 60_000 } });
    for (let i = 0; i < 4; i++) await assert.rejects(withBreaker.put(`w:${i}`, { i }));
    await assert.rejects(withBreaker.put('w:9', { i: 9 }), isCode('RELAY_UNAVAILABLE'));
    assert.equal(b.requestCount, 0, 'relay B still saw nothing');
    await a.listen();
    assert.equal(await c.get('w:0', { relay: b.url }), null, 'nothing landed on B');
  });

  it("failover: 'all' sends a failed write to the next relay, and the result says so", async () => {
    const c = client({ failover: 'all' });
    await a.stopListening();
    assert.deepEqual(await c.put('moved:1', { x: 1 }), { soul: 'moved:1', outcome: 'written', relay: b.url });
  });

  it("defaults: a read fails over ('reads'), and says which relay answered", async () => {
    const c = client();
    await c.put('r:1', { v: 'b' }, { relay: b.url });
    await a.stopListening();
    assert.deepEqual(await c.lookup('r:1'), { soul: 'r:1', outcome: 'found', node: { v: 'b' }, relay: b.url });
  });

  it("failover: 'none': a read stays on the first relay", async () => {
    const c = client({ failover: 'none' });
    await a.stopListening();
    b.resetCounters();
    await assert.rejects(c.get('r:1'), isCode('CONNECTION_REFUSED'));
    assert.equal(b.requestCount, 0);
  });

  it('every result and settle event names the relay that answered', async () => {
    const c = client();
    const settled: SettleEvent[] = [];
    c.on('settle', (e) => settled.push(e));
    assert.equal((await c.put('id:1', { k: 1 })).relay, a.url);
    assert.equal((await c.put('id:1', { k: 2 }, { relay: b.url })).relay, b.url);
    assert.equal((await c.lookup('id:1')).relay, a.url);
    assert.equal((await c.lookup('id:1', { relay: b.url })).relay, b.url);
    assert.equal((await c.delete('id:1', { relay: b.url })).relay, b.url);
    assert.equal((await c.delete('never:1')).relay, a.url);
    assert.deepEqual(settled.map((e) => e.relay), [a.url, b.url, a.url, b.url, b.url, a.url]);
    assert.deepEqual((await c.get('id:1'))?.['k'], 1, "A still has its own value: B's delete did not touch it");
  });

  it('a failure event names the relay that refused', async () => {
    const c = client({ retry: false });
    a.fault('bad:1', { status: 503, path: '/put' });
    const relays: Array<string | undefined> = [];
    c.on('failure', (e) => relays.push(e.relay));
    await assert.rejects(c.put('bad:1', { k: 1 }), isCode('RELAY_ERROR'));
    assert.deepEqual(relays, [a.url]);
  });

  it('a pin to an unknown relay is INVALID_INPUT, nothing sent', async () => {
    const c = client();
    a.resetCounters();
    b.resetCounters();
    await assert.rejects(c.put('p:1', { k: 1 }, { relay: 'http://127.0.0.1:1' }), isCode('INVALID_INPUT', 'relay'));
    await assert.rejects(c.get('p:1', { relay: 'nope' }), isCode('INVALID_INPUT', 'relay'));
    assert.equal(a.requestCount + b.requestCount, 0);
  });

  it('compare(soul): each relay\'s answer and whether they agree', async () => {
    const c = client();
    await c.put('cmp:1', { v: 1 }, { relay: a.url });
    let cmp = await c.compare('cmp:1');
    assert.equal(cmp.agree, false);
    assert.deepEqual(cmp.answers, [
      { relay: a.url, outcome: 'found', node: { v: 1 } },
      { relay: b.url, outcome: 'missing' },
    ]);
    await c.put('cmp:1', { v: 1 }, { relay: b.url });
    cmp = await c.compare('cmp:1');
    assert.equal(cmp.agree, true);
    await a.stopListening();
    cmp = await c.compare('cmp:1');
    assert.equal(cmp.agree, false);
    assert.deepEqual(cmp.answers.map((x) => x.outcome), ['error', 'found']);
  });

  it("failover: 'all': a delete reads and tombstones on the same relay", async () => {
    const c = client({ failover: 'all' });
    await c.put('del:1', { k: 1 }, { relay: b.url });
    await a.stopListening();
    const r = await c.delete('del:1');
    assert.equal(r.outcome, 'deleted');
    assert.equal(r.relay, b.url);
    assert.equal(await c.get('del:1', { relay: b.url }), null);
  });
});
