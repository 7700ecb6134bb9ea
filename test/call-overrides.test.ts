import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GunRelayClient } from '../src/index.js';
import { startFaultServer, type FaultServer } from '../src/testing/index.js';
import { isCode } from './helpers/errors.js';

const OK = { status: 200, body: { success: true, soul: 's' } };

describe('per-call timeoutMs and retry', () => {
  let server: FaultServer;
  let client: GunRelayClient;
  before(async () => {
    server = await startFaultServer(OK);
    client = new GunRelayClient({ baseUrl: server.url, breaker: false, retry: { retries: 2, baseDelayMs: 0, maxDelayMs: 0 } });
  });
  after(async () => {
    client.close();
    await server.close();
  });
  beforeEach(() => server.reset());

  it('timeoutMs bounds this call instead of the operation default (30 s for puts)', async () => {
    server.enqueue({ hang: true });
    await assert.rejects(client.put('t:1', { a: 1 }, { timeoutMs: 100 }), isCode('TIMEOUT'));
    server.enqueue({ hang: true });
    await assert.rejects(client.get('t:2', { timeoutMs: 100 }), isCode('TIMEOUT'));
    server.enqueue({ hang: true });
    await assert.rejects(client.delete('t:3', { timeoutMs: 100 }), isCode('TIMEOUT'));
  });

  it('retry: false sends once; { retries: 1 } at most twice; the default twice more', async () => {
    server.enqueue({ status: 503 }, { status: 503 }, { status: 503 });
    await assert.rejects(client.put('r:1', { a: 1 }, { retry: false }), isCode('RELAY_ERROR'));
    assert.equal(server.requestCount, 1);
    server.reset();
    server.enqueue({ status: 503 }, { status: 503 }, { status: 503 });
    await assert.rejects(client.get('r:2', { retry: { retries: 1 } }), isCode('RELAY_ERROR'));
    assert.equal(server.requestCount, 2);
    server.reset();
    server.enqueue({ status: 503 }, { status: 503 });
    assert.equal((await client.put('r:3', { a: 1 })).outcome, 'written');
    assert.equal(server.requestCount, 3);
  });

  it('bad values are INVALID_INPUT before anything is sent', async () => {
    await assert.rejects(client.put('b:1', { a: 1 }, { timeoutMs: 0 }), isCode('INVALID_INPUT', 'timeoutMs'));
    await assert.rejects(client.get('b:1', { timeoutMs: 1.5 }), isCode('INVALID_INPUT', 'timeoutMs'));
    await assert.rejects(client.delete('b:1', { retry: { retries: 11 } }), isCode('INVALID_INPUT', 'retry'));
    assert.equal(server.requestCount, 0);
  });
});

describe('hostile: per-call limits of a get that could join one in flight', () => {
  it('a get with its own timeoutMs is not held by an identical get with a longer deadline', async () => {
    const server = await startFaultServer({ hang: true });
    const c = new GunRelayClient({ baseUrl: server.url, retry: false, timeouts: { get: 60_000 } });
    const controller = new AbortController();
    let longSettled = false;
    try {
      const long = c.get('lim:1', { signal: controller.signal }).finally(() => (longSettled = true));
      long.catch(() => undefined);
      await assert.rejects(c.get('lim:1', { timeoutMs: 100 }), isCode('TIMEOUT'));
      assert.equal(longSettled, false, 'the short call ended on its own deadline, while the long one still waits');
      controller.abort();
      await assert.rejects(long, isCode('ABORTED'));
    } finally {
      c.close();
      await server.close();
    }
  });
});

describe('hostile: per-call maxContentLength of a get that could join one in flight', () => {
  it('a get with a small maxContentLength does not take the answer of an identical get without one', async () => {
    const big = { a: 'x'.repeat(50_000) };
    const server = await startFaultServer({ delayMs: 100, then: { status: 200, body: { success: true, data: big } } });
    const c = new GunRelayClient({ baseUrl: server.url, retry: false });
    try {
      const [roomy, small] = await Promise.allSettled([c.get('lim:big'), c.get('lim:big', { maxContentLength: 1_000 })]);
      assert.equal(roomy.status, 'fulfilled');
      assert.equal(small.status, 'rejected', 'the small call got an answer beyond its own limit');
      if (small.status === 'rejected') assert.equal((small.reason as { code?: string }).code, 'RESPONSE_TOO_LARGE');
    } finally {
      c.close();
      await server.close();
    }
  });
});
