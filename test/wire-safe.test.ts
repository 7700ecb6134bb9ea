/**
 * Every string that goes on the wire is well-formed: a lone surrogate (half an emoji) in a soul,
 * key or list prefix is INVALID_INPUT before anything is sent, never a retried relay failure that
 * opens the breaker for every other soul.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AxiosTransport, GunRelayClient } from '../src/index.js';
import { computeSoul } from '../src/oip/index.js';
import { startFaultServer, type FaultServer } from '../src/testing/index.js';
import { isCode } from './helpers/errors.js';

const HALF_EMOJI = '😀'.slice(0, 1); // '\ud83d'

describe('wire-safe strings', () => {
  let server: FaultServer;
  let client: GunRelayClient;
  before(async () => {
    server = await startFaultServer({ status: 200, body: { success: true, data: { a: 1 } } });
    client = new GunRelayClient({ baseUrl: server.url, breaker: { threshold: 2, halfOpenAfterMs: 60_000 } });
  });
  after(async () => {
    client.close();
    await server.close();
  });
  beforeEach(() => server.reset());

  it('a soul with a lone surrogate is refused by every operation; nothing sent, breaker untouched', async () => {
    for (const soul of [`title:${HALF_EMOJI}`, `x${'\udc00'}y`]) {
      await assert.rejects(client.put(soul, { a: 1 }), isCode('INVALID_INPUT', 'soul'));
      await assert.rejects(client.get(soul), isCode('INVALID_INPUT', 'soul'));
      await assert.rejects(client.delete(soul), isCode('INVALID_INPUT', 'soul'));
      await assert.rejects(client.list(soul), isCode('INVALID_INPUT', 'soul'));
    }
    assert.equal(server.requestCount, 0);
    const stats = client.stats();
    assert.deepEqual(Object.values(stats.breakers), ['closed']);
    assert.equal(stats.retries, 0);
    assert.deepEqual(await client.get('fine:1'), { a: 1 }, 'other souls are still served');
  });

  it('a well-formed emoji soul is fine', async () => {
    assert.deepEqual(await client.get('title:😀'), { a: 1 });
    assert.equal(server.log[0]?.query['soul'], 'title:😀');
  });

  it('node keys and delete keys with lone surrogates or control characters are refused', async () => {
    await assert.rejects(client.put('k:1', { [`a${HALF_EMOJI}`]: 1 }), isCode('INVALID_INPUT', `node.a${HALF_EMOJI}`));
    await assert.rejects(client.put('k:1', { 'a\u0001': 1 }), isCode('INVALID_INPUT'));
    await assert.rejects(client.put('k:1', { a: { '#': `s${HALF_EMOJI}` } }), isCode('INVALID_INPUT', 'node.a'));
    await assert.rejects(client.delete('k:1', { keys: [`a${HALF_EMOJI}`] }), isCode('INVALID_INPUT', 'keys'));
    assert.equal(server.requestCount, 0);
  });

  it('computeSoul never mints a soul with a lone surrogate', () => {
    assert.throws(() => computeSoul('pk', `title ${HALF_EMOJI}`), isCode('INVALID_INPUT', 'localId'));
    assert.match(computeSoul('pk', 'title 😀'), /:title 😀$/);
  });

  it('header values that Node cannot send are INVALID_OPTIONS at construction', () => {
    assert.throws(() => new GunRelayClient({ baseUrl: server.url, headers: { 'X-Title': `a${HALF_EMOJI}` } }), isCode('INVALID_OPTIONS'));
    assert.throws(() => new GunRelayClient({ baseUrl: server.url, headers: { 'X-A': 'a\r\nInjected: 1' } }), isCode('INVALID_OPTIONS'));
    assert.throws(() => new GunRelayClient({ baseUrl: server.url, headers: { 'Bad Name': 'x' } }), isCode('INVALID_OPTIONS'));
  });

  it('the transport classifies an unencodable request as INVALID_INPUT (caller scope), not a relay failure', async () => {
    const t = new AxiosTransport({ maxSockets: 1, maxContentLength: 1024, maxBodyLength: 1024 });
    let retried = 0;
    const retry = { retries: 3, shouldRetry: () => true, beforeRetry: async () => void retried++ };
    const error = await t
      .send({ baseUrl: server.url, method: 'GET', path: '/get', params: { soul: `a${HALF_EMOJI}` }, timeoutMs: 1000, op: 'get', retry })
      .catch((e: unknown) => e);
    t.close();
    assert.ok(isCode('INVALID_INPUT')(error));
    assert.equal((error as { scope: string }).scope, 'caller');
    assert.equal(retried, 0);
    assert.equal(server.requestCount, 0);
  });
});
