import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GunRelayClient, ManualClock, SyncLoop, type Cycle, type CycleReport } from '../src/index.js';
import { IndexSnapshot } from '../src/oip/index.js';
import { CycleReads } from '../src/reads/CycleReads.js';
import { startLocalRelay, startLocalRelays, type LocalRelay } from '../src/testing/index.js';

function index(n: number): Record<string, { soul: string; nodeId: string; timestamp: number }> {
  const data: Record<string, { soul: string; nodeId: string; timestamp: number }> = {};
  for (let i = 0; i < n; i++) data[`rec${i}`] = { soul: `pub:rec${i}`, nodeId: 'n1', timestamp: 1_700_000_000_000 + i };
  return data;
}

/** Runs one cycle of `run` on `client` (manual clock, no lease) and returns its report. */
async function oneCycle<R>(client: GunRelayClient, run: (c: Cycle) => Promise<R>): Promise<CycleReport<R>> {
  const loop = new SyncLoop<R>({ name: 'reads', client, intervalMs: 60_000, cycleTimeoutMs: 60_000, clock: new ManualClock(0), run });
  const report = await loop.trigger();
  assert.equal(report.outcome, 'ok', JSON.stringify(report.error));
  return report;
}

describe('a sync cycle reads each soul once (local relay, real gun)', () => {
  let relay: LocalRelay;
  let client: GunRelayClient;
  before(async () => {
    relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 1_500 });
    client = new GunRelayClient({ baseUrl: relay.url, retry: false });
    await client.put('cr:index', index(200));
  });
  after(async () => {
    client.close();
    await relay.close();
  });
  beforeEach(() => relay.resetCounters());
  const getsOf = (soul: string): number => relay.log.filter((r) => r.path === '/get' && r.soul === soul).length;

  it('two reads of one index in a cycle (a get, a lookup) cost one request; each caller gets its own copy', async () => {
    const report = await oneCycle(client, async ({ client: c }) => {
      const a = await c.get('cr:index');
      const b = await c.lookup('cr:index');
      assert.ok(a && b.node);
      delete a['rec0'];
      return [Object.keys(a).length, Object.keys(b.node).length];
    });
    assert.deepEqual(report.result, [199, 200], 'changing one copy changes no other');
    assert.equal(getsOf('cr:index'), 1);
    assert.equal(report.cycleReadHits, 1);
    assert.equal(report.requests, 1);
  });

  it('a streamed read (an IndexSnapshot load) is its own request: its body is parsed as it arrives, never kept', async () => {
    const report = await oneCycle(client, async ({ client: c }) => {
      await c.get('cr:index');
      return (await IndexSnapshot.load(c, 'cr:index')).size;
    });
    assert.equal(report.result, 200);
    assert.equal(getsOf('cr:index'), 2);
    assert.equal(report.cycleReadHits, 0);
  });

  it('the next cycle reads it again; a read outside any cycle is never answered from one', async () => {
    await oneCycle(client, async ({ client: c }) => c.get('cr:index'));
    await oneCycle(client, async ({ client: c }) => c.get('cr:index'));
    await client.get('cr:index');
    await client.get('cr:index');
    assert.equal(getsOf('cr:index'), 4);
  });

  it('a write of the soul in the cycle (through any client view) makes the next read go to the relay', async () => {
    const report = await oneCycle(client, async ({ client: c }) => {
      await c.get('cr:written');
      await c.put('cr:written', { v: 1 });
      const after = await c.get('cr:written');
      await client.put('cr:written', { v: 2 }); // the loop's client itself, outside the view
      const later = await c.get('cr:written');
      return [after, later];
    });
    assert.deepEqual(report.result, [{ v: 1 }, { v: 2 }]);
    assert.equal(getsOf('cr:written'), 3);
  });

  it('a miss is read once per cycle too (a never-written soul costs the relay its wait each time)', async () => {
    const report = await oneCycle(client, async ({ client: c }) => [await c.get('cr:never'), await c.get('cr:never')]);
    assert.deepEqual(report.result, [null, null]);
    assert.equal(getsOf('cr:never'), 1);
    assert.equal(report.misses, 1);
  });

  it("a get with its own maxContentLength is never answered from the cycle's reads (its limit still holds)", async () => {
    const report = await oneCycle(client, async ({ client: c }) => {
      await c.get('cr:index');
      return c.get('cr:index', { maxContentLength: 100 }).then(
        () => 'answered',
        (e: { code?: string }) => e.code,
      );
    });
    assert.equal(report.result, 'RESPONSE_TOO_LARGE');
    assert.equal(report.cycleReadHits, 0);
  });

  it('a delete reads the node itself, never from the cycle', async () => {
    await client.put('cr:del', { a: 1, b: 2 });
    relay.resetCounters();
    const report = await oneCycle(client, async ({ client: c }) => {
      await c.get('cr:del');
      return c.delete('cr:del');
    });
    assert.equal(report.result?.outcome, 'deleted');
    assert.equal(getsOf('cr:del'), 2);
  });
});

describe('a cycle over two clients of separate stores', () => {
  it('keeps what each client read apart', async () => {
    const group = await startLocalRelays(2, { putDelayMs: 0, missWaitMs: 1_500 });
    const [a, b] = group.relays as [LocalRelay, LocalRelay];
    const local = new GunRelayClient({ baseUrl: a.url, retry: false });
    const peer = new GunRelayClient({ baseUrl: b.url, retry: false });
    try {
      await local.put('cr:both', { side: 'local' });
      await peer.put('cr:both', { side: 'peer' });
      const report = await oneCycle(local, async (cycle) => {
        const p = cycle.view(peer);
        return [await cycle.client.get('cr:both'), await p.get('cr:both'), await cycle.client.get('cr:both'), await p.get('cr:both')];
      });
      assert.deepEqual(report.result, [{ side: 'local' }, { side: 'peer' }, { side: 'local' }, { side: 'peer' }]);
      assert.equal(report.cycleReadHits, 2);
    } finally {
      local.close();
      peer.close();
      await group.close();
    }
  });
});

describe('CycleReads unit', () => {
  const response = (text: string) => ({ status: 200, text, relay: 'r', retries: 0 });
  it('bounded by the characters held; a read sent before a write of its soul is not kept; closed keeps nothing', () => {
    let closed = 0;
    const reads = new CycleReads(0, () => closed++);
    const big = 'x'.repeat(40 * 1024 * 1024);
    reads.set('', 'a', response(big), reads.begin());
    reads.set('', 'b', response(big), reads.begin());
    assert.equal(reads.get('', 'a'), undefined, 'the least recently used answer left to stay under 64 Mi characters');
    assert.ok(reads.get('', 'b'));
    const token = reads.begin();
    reads.forget('c');
    reads.set('', 'c', response('{}'), token);
    assert.equal(reads.get('', 'c'), undefined);
    reads.set('', 'c', response('{}'), reads.begin());
    assert.ok(reads.get('', 'c'));
    reads.close();
    reads.close();
    assert.equal(closed, 1);
    assert.equal(reads.get('', 'b'), undefined);
  });
});
