import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GunRelayClient, ManualClock, type BreakerEvent } from '../src/index.js';
import { startFaultServer, type FaultServer } from '../src/testing/index.js';
import { outcome } from './helpers/clock.js';

const OK = { status: 200, body: { success: true, soul: 's' } };

describe('relay circuit breaker and failover', () => {
  let a: FaultServer;
  let b: FaultServer;
  let clock: ManualClock;
  let changes: BreakerEvent[];

  before(async () => {
    a = await startFaultServer();
    b = await startFaultServer();
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
  });
  beforeEach(() => {
    a.reset();
    b.reset();
    clock = new ManualClock(0);
    changes = [];
  });

  function client(baseUrl: string | string[], extra: Record<string, unknown> = {}) {
    const c = new GunRelayClient({ baseUrl, clock, retry: false, breaker: { threshold: 3, halfOpenAfterMs: 5_000 }, ...extra });
    c.on('breaker', (e) => changes.push(e));
    return c;
  }

  it('opens after threshold relay-level failures: then fails fast with RELAY_UNAVAILABLE, sends nothing, counts against no soul', async () => {
    a.setDefault({ status: 503 });
    const c = client(a.url);
    for (let i = 0; i < 3; i++) assert.deepEqual(await outcome(c.delete(`s:${i}`, { keys: ['k'] })), { ok: false, code: 'RELAY_ERROR' });
    assert.equal(c.stats().breakers[a.url], 'open');
    for (let i = 0; i < 50; i++) assert.deepEqual(await outcome(c.delete(`t:${i}`, { keys: ['k'] })), { ok: false, code: 'RELAY_UNAVAILABLE' });
    assert.equal(a.requestCount, 3);
    assert.equal(c.stats().trackedSouls, 0);
    assert.equal(c.quarantined().length, 0);
    assert.deepEqual(changes.map((e) => `${e.from}->${e.to}`), ['closed->open']);
    c.close();
  });

  it('each failed attempt counts once: 5 timeouts, or 5 failed attempts with retries, open a threshold-5 breaker', async () => {
    a.setDefault({ hang: true });
    const c = client(a.url, { breaker: { threshold: 5, halfOpenAfterMs: 5_000 }, timeouts: { put: 100 }, retry: { baseDelayMs: 0 } });
    for (let i = 0; i < 4; i++) assert.deepEqual(await outcome(c.put(`h:${i}`, { k: 1 })), { ok: false, code: 'TIMEOUT' });
    assert.equal(c.stats().breakers[a.url], 'closed', 'four timeouts are four failures');
    assert.deepEqual(await outcome(c.put('h:4', { k: 1 })), { ok: false, code: 'TIMEOUT' });
    assert.equal(c.stats().breakers[a.url], 'open');
    assert.equal(changes.at(-1)?.failures, 5);
    assert.equal(a.requestCount, 5);
    a.reset();
    a.setDefault({ status: 503 });
    const d = client(a.url, { breaker: { threshold: 5, halfOpenAfterMs: 5_000 }, retry: { retries: 2, baseDelayMs: 0, budget: { minPerWindow: 100 } } });
    assert.deepEqual(await outcome(d.put('r:1', { k: 1 })), { ok: false, code: 'RELAY_ERROR' });
    assert.equal(d.stats().breakers[a.url], 'closed', 'three failed attempts');
    assert.deepEqual(await outcome(d.put('r:2', { k: 1 })), { ok: false, code: 'RELAY_ERROR' });
    assert.equal(d.stats().breakers[a.url], 'open', 'the fifth failed attempt opens it; no sixth is sent');
    assert.equal(a.requestCount, 5);
    c.close();
    d.close();
  });

  it('after halfOpenAfterMs one probe goes through; a success closes the breaker', async () => {
    a.setDefault({ status: 503 });
    const c = client(a.url);
    for (let i = 0; i < 3; i++) await outcome(c.put(`s:${i}`, { k: 1 }));
    a.setDefault(OK);
    await clock.advance(4_999);
    assert.deepEqual(await outcome(c.put('s:x', { k: 1 })), { ok: false, code: 'RELAY_UNAVAILABLE' });
    await clock.advance(1);
    assert.deepEqual(await outcome(c.put('s:x', { k: 1 })), { ok: true, value: { soul: 's:x', outcome: 'written', relay: a.url } });
    assert.equal(c.stats().breakers[a.url], 'closed');
    assert.deepEqual(changes.map((e) => `${e.from}->${e.to}`), ['closed->open', 'open->half-open', 'half-open->closed']);
    assert.equal(a.requestCount, 4);
    c.close();
  });

  it('soul-level refusals prove the relay is up: they never open the breaker', async () => {
    a.setDefault({ status: 500, body: { error: 'Invalid data: Array at s.x' } });
    const c = client(a.url, { failureThreshold: 100 });
    for (let i = 0; i < 10; i++) assert.deepEqual(await outcome(c.put('s:1', { k: 1 })), { ok: false, code: 'SOUL_REJECTED' });
    assert.equal(c.stats().breakers[a.url], 'closed');
    c.close();
  });

  it("failover: 'all': a relay-level failure moves the call to the next relay; each relay has its own breaker", async () => {
    a.setDefault({ reset: 'before-response' });
    b.setDefault(OK);
    const c = client([a.url, b.url], { failover: 'all' });
    for (let i = 0; i < 5; i++) assert.deepEqual(await outcome(c.put(`f:${i}`, { k: 1 })), { ok: true, value: { soul: `f:${i}`, outcome: 'written', relay: b.url } });
    assert.equal(a.requestCount, 3, 'relay A is tried until its breaker opens');
    assert.equal(b.requestCount, 5);
    assert.deepEqual(c.stats().breakers, { [a.url]: 'open', [b.url]: 'closed' });
    c.close();
  });

  it('health() probes every relay with GET /peers/status without touching ledger or breakers', async () => {
    a.setDefault({ status: 200, body: { peers: [] } });
    await b.refuse();
    const c = client([a.url, b.url]);
    const h = await c.health({ timeoutMs: 2_000 });
    assert.deepEqual(h.map((r) => [r.relay, r.ok, r.error]), [[a.url, true, undefined], [b.url, false, 'CONNECTION_REFUSED']]);
    assert.equal(a.log.at(-1)?.path, '/peers/status');
    assert.deepEqual(c.stats().breakers, { [a.url]: 'closed', [b.url]: 'closed' });
    assert.equal(c.stats().trackedSouls, 0);
    await b.accept();
    c.close();
  });

  it('health() is ok only for a 200 JSON answer: a wrong base path or a non-JSON page is not healthy', async () => {
    a.setDefault({ status: 404, body: { error: 'Endpoint not found' } });
    b.setDefault({ status: 200, body: '<html>proxy login</html>' });
    const c = client([`${a.url}/wrong-prefix`, b.url]);
    const h = await c.health({ timeoutMs: 2_000 });
    assert.deepEqual(h.map((r) => [r.ok, r.error]), [[false, 'BAD_RESPONSE'], [false, 'BAD_RESPONSE']]);
    a.setDefault({ status: 500, body: { error: 'internal' } });
    assert.deepEqual((await c.health({ timeoutMs: 2_000 }))[0]?.error, 'RELAY_ERROR', 'a 500 on the status endpoint is not about a soul');
    c.close();
  });

  it('outage drill: relay down, 1,000 deletes of distinct souls → nobody quarantined, bounded connection attempts, recovery without restart', async () => {
    await a.refuse();
    const c = client(a.url, { retry: { retries: 2, baseDelayMs: 0, budget: { ratio: 0.1, minPerWindow: 2 } }, breaker: { threshold: 5, halfOpenAfterMs: 5_000 } });
    let attempts = 0;
    c.on('retry', () => attempts++);
    c.on('failure', (e) => {
      if (e.code === 'CONNECTION_REFUSED') attempts++;
    });
    const codes = new Map<string, number>();
    for (let i = 0; i < 1_000; i++) {
      const r = await outcome(c.delete(`outage:${i}`, { keys: ['k'] }));
      assert.equal(r.ok, false);
      if (!r.ok) codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
      if (i % 250 === 249) await clock.advance(5_000); // three half-open probes during the outage
    }
    assert.equal(c.quarantined().length, 0);
    assert.equal(c.stats().trackedSouls, 0);
    // threshold (5) + retries granted by the budget (2 + 10%) + probes (3): far from 1,000.
    assert.ok(attempts <= 5 + 3 + 3, `connection attempts: ${attempts}`);
    assert.ok((codes.get('RELAY_UNAVAILABLE') ?? 0) >= 985);
    await a.accept();
    a.setDefault(OK);
    await clock.advance(5_000);
    assert.deepEqual(await outcome(c.delete('outage:1', { keys: ['k'] })), {
      ok: true,
      value: { soul: 'outage:1', outcome: 'deleted', keys: ['k'], links: [], requests: 1, relay: a.url },
    });
    assert.equal(c.stats().breakers[a.url], 'closed');
    c.close();
  });
});
