import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GunRelayClient, ManualClock } from '../src/index.js';
import { startFaultServer, type FaultServer } from '../src/testing/index.js';
import { advanceWhenSleeping, outcome } from './helpers/clock.js';

const OK = { status: 200, body: { success: true, soul: 's' } };

describe('concurrency limit, timeouts, cancellation, sockets', () => {
  let server: FaultServer;
  before(async () => {
    server = await startFaultServer();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => server.reset());

  it('at most maxInFlight requests at once, maxQueue waiting, QUEUE_FULL beyond — every call settles once', async () => {
    server.setDefault({ delayMs: 100, then: OK });
    const c = new GunRelayClient({ baseUrl: server.url, maxInFlight: 2, maxQueue: 3, retry: false });
    const calls = Array.from({ length: 7 }, (_, i) => outcome(c.put(`q:${i}`, { k: i })));
    await new Promise((r) => setTimeout(r, 20));
    const s = c.stats();
    assert.equal(s.inFlight, 2);
    assert.equal(s.queueDepth, 3);
    const results = await Promise.all(calls);
    assert.equal(results.filter((r) => r.ok).length, 5);
    assert.deepEqual(results.filter((r) => !r.ok).map((r) => !r.ok && r.code), ['QUEUE_FULL', 'QUEUE_FULL']);
    assert.ok(server.maxConcurrent <= 2, `server saw ${server.maxConcurrent} at once`);
    c.close();
  });

  it('a hang ends in TIMEOUT after the operation timeout; it does not count against the soul', async () => {
    server.setDefault({ hang: true });
    const c = new GunRelayClient({ baseUrl: server.url, timeouts: { put: 150 }, retry: false });
    const started = Date.now();
    assert.deepEqual(await outcome(c.put('h:1', { k: 1 })), { ok: false, code: 'TIMEOUT' });
    assert.ok(Date.now() - started < 2_000);
    assert.equal(c.stats().trackedSouls, 0);
    c.close();
  });

  it('an AbortSignal cancels in flight, while queued and during a backoff, settling once with ABORTED', async () => {
    const clock = new ManualClock(0);
    const c = new GunRelayClient({ baseUrl: server.url, maxInFlight: 1, clock, retry: { baseDelayMs: 1_000 }, random: () => 0.5 });
    // in flight
    server.enqueue({ hang: true });
    const ac1 = new AbortController();
    const inflight = outcome(c.get('x:1', { signal: ac1.signal }));
    // queued behind it
    const ac2 = new AbortController();
    const queued = outcome(c.get('x:2', { signal: ac2.signal }));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(c.stats().queueDepth, 1);
    ac2.abort();
    assert.deepEqual(await queued, { ok: false, code: 'ABORTED' });
    ac1.abort();
    assert.deepEqual(await inflight, { ok: false, code: 'ABORTED' });
    // in a backoff
    server.enqueue({ status: 503 });
    const ac3 = new AbortController();
    const backoff = outcome(c.get('x:3', { signal: ac3.signal }));
    await advanceWhenSleeping(clock, 0);
    ac3.abort();
    assert.deepEqual(await backoff, { ok: false, code: 'ABORTED' });
    assert.equal(clock.pendingSleeps, 0);
    const s = c.stats();
    assert.equal(s.inFlight, 0);
    assert.equal(s.queueDepth, 0);
    c.close();
  });

  it('close() rejects queued calls with CLIENT_CLOSED and later calls too', async () => {
    server.setDefault({ hang: true });
    const c = new GunRelayClient({ baseUrl: server.url, maxInFlight: 1, retry: false });
    const first = outcome(c.get('y:1'));
    const second = outcome(c.get('y:2'));
    await new Promise((r) => setTimeout(r, 20));
    c.close();
    assert.deepEqual(await second, { ok: false, code: 'CLIENT_CLOSED' });
    assert.deepEqual(await first, { ok: false, code: 'CLIENT_CLOSED' });
    assert.deepEqual(await outcome(c.get('y:3')), { ok: false, code: 'CLIENT_CLOSED' });
  });

  it('one keep-alive pool: 10,000 calls open at most maxInFlight sockets; close() leaves none', async () => {
    server.setDefault(OK);
    const c = new GunRelayClient({ baseUrl: server.url, maxInFlight: 16 });
    const before = server.connectionsOpened;
    let done = 0;
    const worker = async (w: number) => {
      for (let i = w; i < 10_000; i += 64) {
        await c.put(`p:${i}`, { k: i });
        done++;
      }
    };
    await Promise.all(Array.from({ length: 64 }, (_, w) => worker(w)));
    assert.equal(done, 10_000);
    assert.ok(server.connectionsOpened - before <= 16, `opened ${server.connectionsOpened - before} sockets`);
    c.close();
    const deadline = Date.now() + 2_000;
    while (server.openConnections > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(server.openConnections, 0);
  });
});
