/**
 * Reads that must reach the relay: `compare()` reads every relay for real (never the miss cache)
 * within its `timeoutMs`; a get resolving links sends no more link reads once it has rejected;
 * a get through an ended cycle's view rejects instead of being answered from memory.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GunRelayClient, ManualClock, SyncLoop, isGunRelayError } from '../src/index.js';
import { startFaultServer } from '../src/testing/index.js';
import { within } from './helpers/clock.js';

const NOT_FOUND = { status: 404, body: { error: 'Not found' } };

describe('reads that must reach the relay', () => {
  it('compare() asks every relay, even for a soul the miss cache remembers, and sees what a relay now holds', async () => {
    let holds = false;
    const one = await startFaultServer(() => (holds ? { status: 200, body: { success: true, data: { a: 1 } } } : NOT_FOUND));
    const two = await startFaultServer(NOT_FOUND);
    const client = new GunRelayClient({ baseUrl: [one.url, two.url], retry: false, missCache: {} });
    try {
      assert.equal(await client.get('cmp:1'), null);
      const sentToOne = one.log.length;
      assert.equal(await client.get('cmp:1'), null);
      assert.equal(one.log.length, sentToOne, 'the miss cache answered');
      holds = true; // another writer reached relay 1
      const before = client.stats().requests;
      const comparison = await client.compare('cmp:1');
      assert.equal(client.stats().requests - before, 2, 'one request per relay');
      assert.equal(comparison.agree, false);
      assert.deepEqual(comparison.answers.map((a) => a.outcome), ['found', 'missing']);
    } finally {
      client.close();
      await one.close();
      await two.close();
    }
  });

  it('compare() honours its timeoutMs: a hung relay is a TIMEOUT answer, not a 30 s wait', async () => {
    const one = await startFaultServer({ status: 200, body: { success: true, data: { a: 1 } } });
    const two = await startFaultServer({ hang: true });
    const client = new GunRelayClient({ baseUrl: [one.url, two.url], retry: false, timeouts: { get: 30_000 } });
    try {
      const comparison = await within(client.compare('cmp:2', { timeoutMs: 200 }), 10_000);
      assert.equal(comparison.answers[1]!.outcome, 'error');
      assert.equal((comparison.answers[1] as { code: string }).code, 'TIMEOUT');
    } finally {
      client.close();
      await one.close();
      await two.close();
    }
  });

  it('a get resolving 20 links stops sending link reads once it has rejected', async () => {
    const links = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, { '#': `child:${i}` }]));
    const server = await startFaultServer((req) =>
      req.query['soul'] === 'root:1' ? { status: 200, body: links } : { delayMs: 10, then: { status: 500, body: { error: 'broken' } } },
    );
    const client = new GunRelayClient({ baseUrl: server.url, retry: false, breaker: false });
    try {
      await assert.rejects(client.get('root:1', { resolveLinks: 1 }), (e: unknown) => isGunRelayError(e));
      await new Promise((r) => setTimeout(r, 300)); // room for reads that should not be sent
      const linkReads = server.log.filter((r) => r.query['soul']?.startsWith('child:')).length;
      assert.ok(linkReads <= 4, `${linkReads} link reads sent (at most the 4 in flight when the first failed)`);
    } finally {
      client.close();
      await server.close();
    }
  });

  it("a get through an ended cycle's view rejects ABORTED, even for a soul the miss cache remembers", async () => {
    const server = await startFaultServer(NOT_FOUND);
    const client = new GunRelayClient({ baseUrl: server.url, retry: false, missCache: {} });
    let kept: GunRelayClient | undefined;
    const loop = new SyncLoop({
      name: 'ended-view',
      client,
      intervalMs: 1_000,
      cycleTimeoutMs: 5_000,
      clock: new ManualClock(),
      unref: true,
      run: async (cycle) => {
        kept = cycle.client;
        return cycle.client.get('view:1');
      },
    });
    try {
      assert.equal((await loop.trigger()).outcome, 'ok');
      assert.equal(await client.get('view:1'), null);
      const sent = server.log.length;
      await assert.rejects(kept!.get('view:1'), (e: unknown) => isGunRelayError(e) && e.code === 'ABORTED');
      assert.equal(server.log.length, sent);
    } finally {
      client.close();
      await server.close();
    }
  });
});
