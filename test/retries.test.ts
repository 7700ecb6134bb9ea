import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GunRelayClient, ManualClock, type RetryEvent } from '../src/index.js';
import { startFaultServer, type FaultServer } from '../src/testing/index.js';
import { advanceWhenSleeping, outcome } from './helpers/clock.js';

const GUN_MESSAGE = { error: 'Data at root of graph must be a node (an object).' };
const OK = { status: 200, body: { success: true, soul: 's' } };

describe('retries (relay-level failures only, full jitter, Retry-After, budget)', () => {
  let server: FaultServer;
  let clock: ManualClock;
  let retries: RetryEvent[];

  before(async () => {
    server = await startFaultServer();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.reset();
    clock = new ManualClock(0);
    retries = [];
  });

  function client(extra: Record<string, unknown> = {}) {
    const c = new GunRelayClient({ baseUrl: server.url, clock, random: () => 0.5, breaker: false, ...extra });
    c.on('retry', (e) => retries.push(e));
    return c;
  }

  for (const status of [502, 503, 504]) {
    it(`retries ${status} and succeeds, with backoff from the injected clock`, async () => {
      server.enqueue({ status }, { status }, OK);
      const c = client();
      const call = c.put('a:1', { x: 1 });
      await advanceWhenSleeping(clock, 50); // 1st retry: 0.5 × 100 ms
      await advanceWhenSleeping(clock, 100); // 2nd retry: 0.5 × 200 ms
      assert.deepEqual(await call, { soul: 'a:1', outcome: 'written', relay: server.url });
      assert.equal(server.requestCount, 3);
      assert.deepEqual(retries.map((r) => [r.attempt, r.delayMs, r.code]), [[1, 50, 'RELAY_ERROR'], [2, 100, 'RELAY_ERROR']]);
      assert.equal(c.stats().retries, 2);
      assert.equal(c.stats().trackedSouls, 0, 'relay-level failures never reach the ledger');
      c.close();
    });
  }

  it('a 500 whose error is an object (disk error in the relay) is retried and not counted against the soul', async () => {
    server.enqueue({ status: 500, body: { error: { errno: -2, code: 'ENOENT', syscall: 'rename' } } }, OK);
    const c = client();
    const call = c.put('a:2', { x: 1 });
    await advanceWhenSleeping(clock, 50);
    assert.equal((await call).outcome, 'written');
    assert.equal(server.requestCount, 2);
    c.close();
  });

  it('never retries a soul-level 500, a 400 or a 404', async () => {
    const c = client();
    server.enqueue({ status: 500, body: GUN_MESSAGE });
    assert.deepEqual(await outcome(c.put('a:3', { x: 1 })), { ok: false, code: 'SOUL_REJECTED' });
    server.enqueue({ status: 400, body: { error: 'Invalid JSON' } });
    assert.deepEqual(await outcome(c.put('a:3', { x: 1 })), { ok: false, code: 'SOUL_REJECTED' });
    server.enqueue({ status: 404, body: { error: 'Not found' } });
    assert.deepEqual(await outcome(c.get('a:3')), { ok: true, value: null });
    assert.equal(server.requestCount, 3);
    assert.equal(retries.length, 0);
    c.close();
  });

  it('honours Retry-After on 429/503, capped at maxRetryAfterMs', async () => {
    server.enqueue({ status: 429, headers: { 'retry-after': '2' } }, { status: 503, headers: { 'retry-after': '120' } }, OK);
    const c = client({ retry: { maxRetryAfterMs: 10_000 } });
    const call = c.put('a:4', { x: 1 });
    await advanceWhenSleeping(clock, 2_000);
    await advanceWhenSleeping(clock, 10_000);
    assert.equal((await call).outcome, 'written');
    assert.deepEqual(retries.map((r) => [r.code, r.delayMs]), [['RATE_LIMITED', 2_000], ['RELAY_ERROR', 10_000]]);
    c.close();
  });

  it('the retry budget caps retries at a share of requests, so an outage meets no retry storm', async () => {
    server.setDefault({ status: 503 });
    const c = client({ retry: { retries: 3, baseDelayMs: 0, budget: { ratio: 0.1, minPerWindow: 2, windowMs: 60_000 } } });
    const results = [];
    for (let i = 0; i < 40; i++) results.push(await outcome(c.put(`b:${i}`, { x: 1 })));
    assert.ok(results.every((r) => !r.ok && r.code === 'RELAY_ERROR'));
    const s = c.stats();
    // At most 2 + 0.1 × 40 = 6 retries for 40 calls; without a budget it would be 120.
    assert.ok(s.retries <= 6, `retries ${s.retries}`);
    assert.equal(server.requestCount, 40 + s.retries);
    assert.ok(s.retriesDenied > 0);
    assert.ok(s.retryBudgetUsed <= 0.15 + 2 / 40);
    c.close();
  });

  it('the final error says how many retries were made', async () => {
    server.setDefault({ status: 503 });
    const c = client({ retry: { baseDelayMs: 0 } });
    const error = await c.get('r:1').catch((e: unknown) => e);
    assert.equal((error as { code: string }).code, 'RELAY_ERROR');
    assert.equal((error as { retries: number }).retries, 2);
    assert.equal(server.requestCount, 3);
    c.close();
  });

  it('retries: 0 or retry: false sends exactly one request', async () => {
    server.setDefault({ status: 503 });
    for (const retry of [{ retries: 0 }, false] as const) {
      const c = client({ retry });
      assert.deepEqual(await outcome(c.get('c:1')), { ok: false, code: 'RELAY_ERROR' });
      c.close();
    }
    assert.equal(server.requestCount, 2);
  });
});
