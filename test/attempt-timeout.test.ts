/**
 * `attemptTimeoutMs`: one attempt that hangs (the relay never answers some puts) is ended and
 * retried under the retry policy, within the call's own deadline. Real loopback server, no mocks.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GunRelayClient, ManualClock, type GunRelayError } from '../src/index.js';
import type { BreakerEvent } from '../src/events.js';
import { startFaultServer, type FaultServer } from '../src/testing/index.js';
import { within } from './helpers/clock.js';

const FOUND = { status: 200, body: { success: true, data: { a: 1 } } } as const;
const WRITTEN = { status: 200, body: { success: true } } as const;

describe('attemptTimeoutMs: a hung attempt is ended and retried', () => {
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
    server.setDefault(FOUND);
    clock = new ManualClock();
  });

  /** A client whose backoff is 0 ms (random 0), so nothing sleeps on the manual clock. */
  function client(extra: Partial<ConstructorParameters<typeof GunRelayClient>[0]> = {}): GunRelayClient {
    return new GunRelayClient({ baseUrl: server.url, clock, random: () => 0, retry: { retries: 2 }, ...extra });
  }

  it('a put whose first attempt hangs is written by the retry: 2 requests, 1 retry', async () => {
    server.setDefault((req) => (req.n === 1 ? { hang: true } : WRITTEN));
    const c = client({ attemptTimeoutMs: 100 });
    const retries: number[] = [];
    c.on('retry', (e) => retries.push(e.attempt));
    const result = await within(c.put('hang:1', { a: 1 }));
    assert.equal(result.outcome, 'written');
    assert.equal(server.requestCount, 2);
    assert.deepEqual(retries, [1]);
    assert.equal(c.stats().retries, 1);
    assert.equal(c.stats().byOperation.put.successes, 1);
    c.close();
  });

  it('the per-call option works on a get when the client has none', async () => {
    server.setDefault((req) => (req.n === 1 ? { hang: true } : FOUND));
    const c = client();
    const node = await within(c.get('hang:2', { attemptTimeoutMs: 100 }));
    assert.deepEqual({ ...node }, { a: 1 });
    assert.equal(server.requestCount, 2);
    assert.equal(c.stats().retries, 1);
    c.close();
  });

  it('a relay that always hangs: TIMEOUT with retries, each attempt reaching the breaker once', async () => {
    server.setDefault({ hang: true });
    const c = client({ attemptTimeoutMs: 50, breaker: { threshold: 3 } });
    const breaker: BreakerEvent[] = [];
    c.on('breaker', (e) => breaker.push(e));
    const e = (await within(c.put('hang:3', { a: 1 }, { timeoutMs: 10_000 }).catch((error: unknown) => error))) as GunRelayError;
    assert.equal(e.code, 'TIMEOUT');
    assert.equal(e.retries, 2);
    assert.match(e.message, /attemptTimeoutMs/);
    assert.equal(server.requestCount, 3, 'first attempt plus 2 retries');
    // Threshold 3, three failed attempts: the breaker opens on the last, counted once each.
    assert.deepEqual(
      breaker.map((b) => [b.to, b.failures]),
      [['open', 3]],
    );
    c.close();
  });

  it("the call's deadline still bounds everything: a TIMEOUT, at most retries + 1 attempts", async () => {
    server.setDefault({ hang: true });
    const c = client({ attemptTimeoutMs: 200, retry: { retries: 5 } });
    const e = (await within(c.get('hang:4', { timeoutMs: 500 }).catch((error: unknown) => error))) as GunRelayError;
    assert.equal(e.code, 'TIMEOUT');
    assert.ok(server.requestCount >= 1 && server.requestCount <= 6, `${server.requestCount} requests`);
    assert.ok(e.retries <= 5);
    assert.equal(e.retries, server.requestCount - 1, 'retries counts every attempt after the first');
    c.close();
  });

  it('off by default: a hung exchange times out once and is not retried', async () => {
    server.setDefault({ hang: true });
    const c = client();
    const e = (await within(c.get('hang:5', { timeoutMs: 200 }).catch((error: unknown) => error))) as GunRelayError;
    assert.equal(e.code, 'TIMEOUT');
    assert.equal(e.retries, 0);
    assert.equal(server.requestCount, 1);
    c.close();
  });

  it('is validated before anything is sent', async () => {
    const c = client();
    for (const bad of [0, -1, 1.5, '100', Infinity]) {
      const e = (await c.get('v:1', { attemptTimeoutMs: bad as number }).catch((error: unknown) => error)) as GunRelayError;
      assert.equal(e.code, 'INVALID_INPUT', String(bad));
      assert.equal(e.field, 'attemptTimeoutMs');
    }
    assert.equal(server.requestCount, 0);
    assert.throws(() => client({ attemptTimeoutMs: 0 }), { code: 'INVALID_OPTIONS' });
    c.close();
  });
});
