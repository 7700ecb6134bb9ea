/** What docs/guarantees.md says the SDK does not do, shown to be so. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GunRelayClient } from '../src/index.js';
import { startFaultServer, startLocalRelay } from '../src/testing/index.js';
import { outcome } from './helpers/clock.js';

describe('documented limits', () => {
  it('HTTP_PROXY / HTTPS_PROXY are ignored: the client connects to the relay directly', async () => {
    const relay = await startFaultServer({ status: 200, body: { success: true, data: { a: 1 } } });
    const proxy = await startFaultServer({ status: 502, body: 'proxy' });
    const saved = { http: process.env['HTTP_PROXY'], https: process.env['HTTPS_PROXY'], no: process.env['NO_PROXY'] };
    process.env['HTTP_PROXY'] = proxy.url;
    process.env['HTTPS_PROXY'] = proxy.url;
    delete process.env['NO_PROXY'];
    try {
      const client = new GunRelayClient({ baseUrl: relay.url.replace('127.0.0.1', 'localhost') });
      assert.deepEqual(await client.get('p:1'), { a: 1 });
      client.close();
    } finally {
      for (const [k, v] of [['HTTP_PROXY', saved.http], ['HTTPS_PROXY', saved.https], ['NO_PROXY', saved.no]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    assert.equal(proxy.requestCount, 0, 'the proxy saw nothing');
    assert.equal(relay.requestCount, 1);
    await Promise.all([relay.close(), proxy.close()]);
  });

  it('an ABORTED put may still have been written (the real gun stored it)', async () => {
    const relay = await startLocalRelay({ putDelayMs: 500, writeBatchMs: 1, missWaitMs: 50 });
    const client = new GunRelayClient({ baseUrl: relay.url, retry: false });
    const ac = new AbortController();
    const put = outcome(client.put('ab:1', { title: 'kept' }, { signal: ac.signal }));
    for (let i = 0; i < 200 && relay.log.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 100)); // gun has acked; the relay is in its put delay
    ac.abort();
    assert.deepEqual(await put, { ok: false, code: 'ABORTED' });
    assert.deepEqual(await client.get('ab:1'), { title: 'kept' });
    client.close();
    await relay.close();
  });

  it('bodyExcerpt carries whatever the relay or a proxy answered, unscrubbed', async () => {
    const server = await startFaultServer((req) => ({ status: 502, body: `<html>echo: ${String(req.headers['x-trace'])}</html>` }));
    const client = new GunRelayClient({ baseUrl: server.url, headers: { 'X-Trace': 'visible-value' }, retry: false });
    const e = (await client.get('e:1').catch((error: unknown) => error)) as { bodyExcerpt?: string };
    assert.match(e.bodyExcerpt ?? '', /visible-value/);
    client.close();
    await server.close();
  });
});
