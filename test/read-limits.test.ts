/**
 * Per-call `maxContentLength` on reads: it replaces the client's limit for that call only.
 * Real loopback server, no mocks.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GunRelayClient, type GunRelayError } from '../src/index.js';
import { startFaultServer, type FaultServer } from '../src/testing/index.js';

const BIG = 'x'.repeat(4_000);
const BIG_NODE = { status: 200, body: { success: true, data: { a: BIG } } } as const;
const BIG_LIST = { status: 200, body: { success: true, records: [{ soul: 'pub:1', data: { a: BIG } }] } } as const;

describe('per-call maxContentLength', () => {
  let server: FaultServer;
  before(async () => {
    server = await startFaultServer(BIG_NODE);
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.reset();
    server.setDefault(BIG_NODE);
  });

  const client = (): GunRelayClient => new GunRelayClient({ baseUrl: server.url, maxContentLength: 1_024, retry: false });

  it('get: a body over the client limit reads with a larger per-call limit; the client limit still holds for other calls', async () => {
    const c = client();
    const node = await c.get('big:1', { maxContentLength: 10_000 });
    assert.equal(node?.['a'], BIG);
    const e = (await c.get('big:1').catch((error: unknown) => error)) as GunRelayError;
    assert.equal(e.code, 'RESPONSE_TOO_LARGE');
    assert.match(e.message, /1024 bytes/);
    c.close();
  });

  it('get: over the per-call limit is RESPONSE_TOO_LARGE naming that limit', async () => {
    const c = client();
    const e = (await c.get('big:2', { maxContentLength: 2_000 }).catch((error: unknown) => error)) as GunRelayError;
    assert.equal(e.code, 'RESPONSE_TOO_LARGE');
    assert.match(e.message, /2000 bytes/);
    c.close();
  });

  it('list and getRecord take it too', async () => {
    const c = client();
    server.setDefault(BIG_LIST);
    const entries = await c.list('pub', { maxContentLength: 10_000 });
    assert.equal(entries.length, 1);
    const e = (await c.list('pub', { maxContentLength: 2_000 }).catch((error: unknown) => error)) as GunRelayError;
    assert.equal(e.code, 'RESPONSE_TOO_LARGE');
    server.setDefault(BIG_NODE);
    const tooBig = (await c.getRecord('big:3', { maxContentLength: 2_000 }).catch((error: unknown) => error)) as GunRelayError;
    assert.equal(tooBig.code, 'RESPONSE_TOO_LARGE');
    const fits = await c.getRecord('big:3', { maxContentLength: 10_000 }).catch((error: unknown) => error);
    assert.notEqual((fits as GunRelayError | null)?.code, 'RESPONSE_TOO_LARGE', 'the larger limit reached the read');
    c.close();
  });

  it('delete: its read of the keys takes it', async () => {
    const c = client();
    server.setDefault((req) => (req.method === 'GET' ? BIG_NODE : { status: 200, body: { success: true } }));
    const result = await c.delete('big:4', { maxContentLength: 10_000 });
    assert.equal(result.outcome, 'deleted');
    server.reset();
    const e = (await c.delete('big:4').catch((error: unknown) => error)) as GunRelayError;
    assert.equal(e.code, 'RESPONSE_TOO_LARGE');
    c.close();
  });

  it('is validated (a positive whole number) before anything is sent', async () => {
    const c = client();
    for (const bad of [0, -5, 1.5, '10', null]) {
      for (const call of [() => c.get('v:1', { maxContentLength: bad as number }), () => c.list('pub', { maxContentLength: bad as number })]) {
        const e = (await call().catch((error: unknown) => error)) as GunRelayError;
        assert.equal(e.code, 'INVALID_INPUT', String(bad));
        assert.equal(e.field, 'maxContentLength');
      }
    }
    assert.equal(server.requestCount, 0);
    c.close();
  });
});
