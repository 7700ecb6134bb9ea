/**
 * The call's deadline bounds everything (queue, attempts, backoff), on the injected clock, and
 * close() really closes: backoffs and queued calls end with CLIENT_CLOSED, no request starts
 * after it, no socket remains.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GunRelayClient, ManualClock } from '../src/index.js';
import { startFaultServer, type FaultServer } from '../src/testing/index.js';
import { advanceWhenSleeping, outcome, within } from './helpers/clock.js';

const FOUND = { status: 200, body: { success: true, data: { a: 1 } } } as const;

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), what);
}

describe('deadlines and close()', () => {
  let server: FaultServer;
  let clock: ManualClock;
  before(async () => {
    server = await startFaultServer(FOUND);
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.reset();
    clock = new ManualClock();
  });

  it('a Retry-After longer than the time left is not slept: the call fails at once with the last error', async () => {
    const client = new GunRelayClient({ baseUrl: server.url, clock, timeouts: { get: 300 }, retry: { retries: 2, maxRetryAfterMs: 10_000 } });
    server.enqueue({ status: 503, body: { error: 'busy' }, headers: { 'Retry-After': '5' } }, FOUND);
    const e = (await within(client.get('r:1').catch((error: unknown) => error))) as { code: string; status: number; retries: number };
    assert.equal(e.code, 'RELAY_ERROR');
    assert.equal(e.status, 503);
    assert.equal(e.retries, 0, 'no retry ran');
    assert.equal(server.requestCount, 1, 'nothing was sent after the deadline');
    assert.equal(clock.pendingSleeps, 0);
    client.close();
  });

  it('a backoff that ends past the deadline is not slept; one that fits is, and retries counts it', async () => {
    const client = new GunRelayClient({ baseUrl: server.url, clock, random: () => 0.99, timeouts: { get: 500 }, retry: { retries: 3, baseDelayMs: 200, maxDelayMs: 10_000 } });
    server.enqueue({ status: 503 }, { status: 503 }, { status: 503 }, FOUND);
    const call = client.get('b:1').catch((error: unknown) => error);
    await advanceWhenSleeping(clock, 198); // first backoff: 0.99 × 200 = 198 ms, fits
    // Second backoff would be 396 ms at t=198: it would end at 594 > 500, so the call fails now.
    const e = (await within(call)) as { code: string; retries: number };
    assert.equal(e.code, 'RELAY_ERROR');
    assert.equal(e.retries, 1);
    assert.equal(server.requestCount, 2);
    client.close();
  });

  it('time in the queue counts: a queued call whose deadline passes rejects TIMEOUT without sending', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    server.setDefault(async (req) => {
      if (req.n === 1) await gate;
      return FOUND;
    });
    const client = new GunRelayClient({ baseUrl: server.url, clock, maxInFlight: 1, timeouts: { get: 300 }, retry: false });
    const first = client.get('q:1');
    await until(() => server.requestCount === 1, 'the first request arrived');
    const queued = outcome(client.get('q:2'));
    assert.equal(client.stats().queueDepth, 1);
    await clock.advance(300);
    assert.deepEqual(await within(queued), { ok: false, code: 'TIMEOUT' });
    assert.equal(client.stats().queueDepth, 0);
    release();
    assert.deepEqual(await first, { a: 1 });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.requestCount, 1, 'the timed-out call never reached the relay');
    client.close();
  });

  it('close() during a backoff: CLIENT_CLOSED at once, no request after it, no socket left', async () => {
    const client = new GunRelayClient({ baseUrl: server.url, clock, random: () => 0.99, timeouts: { get: 60_000 }, retry: { retries: 2, baseDelayMs: 1_000 } });
    server.enqueue({ status: 503 });
    const call = outcome(client.get('c:1'));
    await until(() => clock.pendingSleeps === 1, 'the call is in its backoff');
    assert.ok(server.openConnections > 0, 'a keep-alive socket is open');
    client.close();
    assert.deepEqual(await within(call), { ok: false, code: 'CLIENT_CLOSED' });
    assert.equal(clock.pendingSleeps, 0, 'the backoff was cancelled');
    await clock.advance(10_000);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.requestCount, 1, 'no request started after close()');
    await until(() => server.openConnections === 0, 'every socket of the client was closed (server-side count)');
  });

  it('close() rejects queued calls with CLIENT_CLOSED; none is sent', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    server.setDefault(async (req) => {
      if (req.n === 1) await gate;
      return FOUND;
    });
    const client = new GunRelayClient({ baseUrl: server.url, clock, maxInFlight: 1, retry: false });
    const first = outcome(client.get('x:1'));
    await until(() => server.requestCount === 1, 'the first request arrived');
    const queued = [outcome(client.get('x:2')), outcome(client.put('x:3', { a: 1 }))];
    client.close();
    for (const q of queued) assert.deepEqual(await within(q), { ok: false, code: 'CLIENT_CLOSED' });
    release();
    assert.equal((await within(first)).ok, false, 'the in-flight call ends too');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.requestCount, 1);
    await until(() => server.openConnections === 0, 'no socket remains');
  });
});
