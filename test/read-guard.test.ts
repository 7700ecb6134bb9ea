import assert from 'node:assert/strict';
import diagnostics_channel from 'node:diagnostics_channel';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GunRelayClient, ManualClock, SyncLoop, isGunRelayError, TRACING_CHANNELS, type CycleReport, type RereadTrace, type SuspectReadEvent } from '../src/index.js';
import { IndexSnapshot } from '../src/oip/index.js';
import { GunHelper } from '../src/legacy/index.js';
import { ReadGuard } from '../src/reads/ReadGuard.js';
import { startLocalRelay, startOipProxy, type LocalRelay } from '../src/testing/index.js';

const NOT_FOUND = { status: 404, body: { error: 'Not found' }, path: '/get' } as const;
const DELAY = 500;

/** A registry-style index of `n` entries, nested the way the indexer writes them (each becomes a link). */
function index(n: number): Record<string, { soul: string; nodeId: string; timestamp: number }> {
  const data: Record<string, { soul: string; nodeId: string; timestamp: number }> = {};
  for (let i = 0; i < n; i++) data[`rec${i}`] = { soul: `pub:rec${i}`, nodeId: 'n1', timestamp: 1_700_000_000_000 + i };
  return data;
}

/**
 * Settles `p`, advancing the manual clock by `step` whenever more than `idle` sleeps or timers wait
 * on it (`idle`: timers that are not re-read pauses, e.g. a cycle's timeout). Bounded in real time.
 */
async function drive<T>(clock: ManualClock, p: Promise<T>, idle = 0, step = DELAY): Promise<T> {
  let settled = false;
  const done = p.finally(() => (settled = true));
  done.catch(() => undefined);
  const deadline = Date.now() + 20_000;
  while (!settled) {
    if (Date.now() > deadline) throw new Error('not settled within 20 s');
    if (clock.pendingSleeps > idle) await clock.advance(step);
    else await new Promise((r) => setTimeout(r, 2));
  }
  return done;
}

const keysOf = (node: Record<string, unknown> | null): number => (node === null ? 0 : Object.keys(node).length);

describe('ReadGuard unit', () => {
  const R = 'http://relay';
  it('a miss or a shorter node of a soul seen present is suspect; a whole one is not', () => {
    const g = new ReadGuard({ rereads: 2, rereadDelayMs: DELAY, rememberMs: 60_000, maxSouls: 10, clock: new ManualClock(0) });
    const t = g.begin();
    assert.equal(g.judge(R, 's', null, t), undefined, 'nothing known: a miss is a miss');
    g.settled(R, 's', { a: 1, b: 2, c: 3 });
    const t2 = g.begin();
    assert.deepEqual(g.judge(R, 's', null, t2), { reason: 'miss', keys: 0, expectedKeys: 3 });
    assert.deepEqual(g.judge(R, 's', { a: 1 }, t2), { reason: 'short', keys: 1, expectedKeys: 3 });
    assert.equal(g.judge(R, 's', { a: 1, b: 2, c: 3, d: 4 }, t2), undefined);
    assert.equal(g.judge('http://other', 's', null, t2), undefined, 'another relay (a separate store) knows nothing of it');
    assert.equal(g.judge(R, 's', null, t), undefined, 'a read sent before the guard learnt it is not judged by it');
  });

  it('writes: a put sets a lower bound, tombstones lower it, a delete of every key forgets the soul', () => {
    const g = new ReadGuard({ rereads: 2, rereadDelayMs: DELAY, rememberMs: 60_000, maxSouls: 10, clock: new ManualClock(0) });
    g.wrote(R, 's', 2, 0);
    assert.deepEqual(g.judge(R, 's', { a: 1 }, g.begin()), { reason: 'short', keys: 1, expectedKeys: 2 });
    g.settled(R, 's', { a: 1, b: 1, c: 1, d: 1, e: 1 });
    g.wrote(R, 's', 1, 0);
    assert.equal(g.judge(R, 's', { a: 1, b: 1, c: 1, d: 1 }, g.begin())?.expectedKeys, 5, 'a put of one key keeps what was seen');
    g.wrote(R, 's', 0, 2);
    assert.equal(g.judge(R, 's', { a: 1, b: 1, c: 1 }, g.begin()), undefined, 'two tombstones: three keys are enough');
    g.wrote(R, 's', 0, 3);
    assert.equal(g.expects(R, 's'), false, 'every key tombstoned: a miss is expected');
  });

  it('bounded (LRU) and forgotten after rememberMs on the injected clock', async () => {
    const clock = new ManualClock(0);
    const g = new ReadGuard({ rereads: 2, rereadDelayMs: DELAY, rememberMs: 1_000, maxSouls: 3, clock });
    for (let i = 0; i < 5; i++) g.settled(R, `s${i}`, { a: 1 });
    assert.equal(g.size, 3);
    assert.equal(g.expects(R, 's0'), false, 'the least recently used went first');
    assert.equal(g.expects(R, 's4'), true);
    await clock.advance(1_001);
    assert.equal(g.expects(R, 's4'), false);
  });
});

describe('read guard against the local relay (real gun)', () => {
  let relay: LocalRelay;
  const clients: GunRelayClient[] = [];
  before(async () => {
    // Gun needs up to a few hundred ms to answer a 200-entry node under load; a shorter miss wait
    // would make the relay itself answer slow reads as misses.
    relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 1_500 });
  });
  after(async () => {
    for (const c of clients) c.close();
    await relay.close();
  });
  beforeEach(() => {
    relay.resetCounters();
    relay.clearFaults();
  });

  const getsOf = (soul: string): number => relay.log.filter((r) => r.path === '/get' && r.soul === soul).length;

  function client(clock: ManualClock, extra: Record<string, unknown> = {}): GunRelayClient {
    const c = new GunRelayClient({ baseUrl: relay.url, clock, retry: false, ...extra });
    clients.push(c);
    return c;
  }

  it('a miss right after this client wrote the soul is re-read after the stated pause; the caller gets the node', async () => {
    const clock = new ManualClock(0);
    const c = client(clock);
    const events: SuspectReadEvent[] = [];
    c.on('suspectRead', (e) => events.push(e));
    await c.put('guard:written', index(200));
    relay.fault('guard:written', { ...NOT_FOUND, times: 2 });
    const node = await drive(clock, c.get('guard:written'));
    assert.equal(keysOf(node), 200);
    assert.equal(getsOf('guard:written'), 3, 'two false 404s, then the node');
    assert.equal(clock.now(), 2 * DELAY, 'each re-read waited rereadDelayMs on the client clock');
    assert.deepEqual(
      events.map((e) => [e.reason, e.action, e.attempt, e.keys, e.expectedKeys, e.delayMs]),
      [
        ['miss', 'reread', 0, 0, 200, DELAY],
        ['miss', 'reread', 1, 0, 200, DELAY],
      ],
    );
    const s = c.stats();
    assert.deepEqual([s.suspectReads, s.rereads, s.confirmedMisses, s.shortNodes, s.confirmedShortNodes], [2, 2, 0, 0, 0]);
  });

  it('a miss of a soul this client saw present (another client wrote it) is re-read', async () => {
    const clock = new ManualClock(0);
    const writer = client(new ManualClock(0));
    const reader = client(clock);
    await writer.put('guard:seen', { a: 1, b: 2, c: 3 });
    assert.deepEqual(await drive(clock, reader.get('guard:seen')), { a: 1, b: 2, c: 3 });
    relay.fault('guard:seen', { ...NOT_FOUND, times: 1 });
    assert.deepEqual(await drive(clock, reader.get('guard:seen')), { a: 1, b: 2, c: 3 });
    assert.equal(reader.stats().rereads, 1);
    // A soul never seen: its miss is believed at once, no pause, no re-read.
    assert.equal(await reader.get('guard:never'), null);
    assert.equal(getsOf('guard:never'), 1);
    assert.equal(clock.pendingSleeps, 0);
  });

  it('a short node (fewer keys than last seen) is re-read; the caller gets the whole node', async () => {
    const clock = new ManualClock(0);
    const c = client(clock);
    await c.put('guard:short', index(200));
    assert.equal(keysOf(await drive(clock, c.get('guard:short'))), 200);
    relay.fault('guard:short', { partialKeys: 56, times: 1 });
    assert.equal(keysOf(await drive(clock, c.get('guard:short'))), 200);
    const s = c.stats();
    assert.deepEqual([s.suspectReads, s.shortNodes, s.rereads, s.confirmedShortNodes], [1, 1, 1, 0]);
  });

  it('a delete whose read misread still tombstones every key (it is not answered "absent")', async () => {
    const clock = new ManualClock(0);
    const c = client(clock);
    await c.put('guard:del', { a: 1, b: 2 });
    relay.fault('guard:del', { ...NOT_FOUND, times: 1 });
    const result = await drive(clock, c.delete('guard:del'));
    assert.equal(result.outcome, 'deleted');
    assert.deepEqual(result.outcome === 'deleted' && result.keys.sort(), ['a', 'b']);
    // Every key tombstoned by this client: the next miss is expected, believed at once.
    assert.equal(await drive(clock, c.get('guard:del')), null);
    assert.equal(clock.pendingSleeps, 0);
  });

  it('a node deleted by someone else: the re-reads agree, the call fails UNCONFIRMED_MISS (not "absent") until rememberMs passes', async () => {
    const clock = new ManualClock(0);
    const c = client(clock, { readGuard: { rememberMs: 60_000 } });
    const other = client(new ManualClock(0));
    await c.put('guard:gone', { a: 1 });
    await other.delete('guard:gone');
    relay.resetCounters();
    const events: SuspectReadEvent[] = [];
    c.on('suspectRead', (e) => events.push(e));
    await assert.rejects(drive(clock, c.get('guard:gone')), (e: unknown) => isGunRelayError(e) && e.code === 'UNCONFIRMED_MISS' && e.scope === 'relay' && e.soul === 'guard:gone' && e.relay === relay.url && /3 times, 500 ms apart/.test(e.message));
    assert.deepEqual(events.map((e) => e.action), ['reread', 'reread', 'confirmed']);
    const s = c.stats();
    assert.deepEqual([s.suspectReads, s.rereads, s.confirmedMisses], [3, 2, 1]);
    assert.equal(getsOf('guard:gone'), 3);
    // Once the guard's memory of the soul expires, a miss is believed at once.
    await clock.advance(60_000);
    assert.equal(await c.get('guard:gone'), null);
    assert.equal(getsOf('guard:gone'), 4);
  });

  it('a delete whose read misses past the re-reads fails UNCONFIRMED_MISS, not "absent": nothing is sent, the node is still there', async () => {
    const clock = new ManualClock(0);
    const c = client(clock);
    await c.put('guard:del', { a: 1 });
    relay.fault('guard:del', { ...NOT_FOUND, times: 3 });
    relay.resetCounters();
    await assert.rejects(drive(clock, c.delete('guard:del')), (e: unknown) => isGunRelayError(e) && e.code === 'UNCONFIRMED_MISS' && e.op === 'delete' && e.soul === 'guard:del');
    assert.equal(relay.log.filter((r) => r.path === '/put').length, 0, 'no tombstones sent');
    assert.deepEqual(await c.get('guard:del'), { a: 1 });
    assert.equal((await c.delete('guard:del')).outcome, 'deleted', 'read whole again: deleted');
  });

  it('the miss cache never holds a suspect miss, even one every re-read agreed with', async () => {
    const clock = new ManualClock(0);
    const c = client(clock, { missCache: { ttlMs: 3_600_000 } });
    await c.put('guard:cache', { a: 1 });
    relay.fault('guard:cache', { ...NOT_FOUND, times: 3 });
    await assert.rejects(drive(clock, c.get('guard:cache')), { code: 'UNCONFIRMED_MISS' }, 'three false 404s: more than the re-reads');
    assert.equal(c.stats().confirmedMisses, 1);
    assert.deepEqual(await drive(clock, c.get('guard:cache')), { a: 1 }, 'asked again, not answered from the miss cache');
    assert.equal(c.stats().missCacheHits, 0);
    assert.equal(getsOf('guard:cache'), 4);
    // A soul it never saw is still cached as before.
    assert.equal(await c.get('guard:cache-never'), null);
    assert.equal(await c.get('guard:cache-never'), null);
    assert.equal(c.stats().missCacheHits, 1);
  });

  it("a snapshot's missingTtlMs never holds a misread: the entries stay, and the next ensureFresh reads again", async () => {
    const clock = new ManualClock(0);
    const c = client(clock);
    await c.put('guard:snap', index(200));
    const snapshot = await IndexSnapshot.load(c, 'guard:snap', { clock, ttlMs: 60_000, missingTtlMs: 600_000 });
    assert.equal(snapshot.size, 200);
    // One false 404: the client's re-read answers the whole index.
    relay.fault('guard:snap', { ...NOT_FOUND, times: 1 });
    await drive(clock, snapshot.refresh());
    assert.equal(snapshot.size, 200);
    // More false 404s than re-reads: the snapshot keeps what it had and is not "fresh" for missingTtlMs.
    relay.fault('guard:snap', { ...NOT_FOUND, times: 3 });
    await assert.rejects(drive(clock, snapshot.refresh()), { code: 'UNCONFIRMED_MISS' });
    assert.equal(snapshot.exists, true);
    assert.equal(snapshot.size, 200);
    assert.ok(snapshot.has('rec199'));
    assert.equal(snapshot.isFresh(), false, 'a read that came back absent makes nothing fresh');
    const before = getsOf('guard:snap');
    assert.equal(await snapshot.ensureFresh(), true);
    assert.equal(getsOf('guard:snap'), before + 1);
    assert.equal(snapshot.isFresh(), true);
  });

  it('a streamed read that found an index makes a later streamed miss of it suspect (a new snapshot re-reads it)', async () => {
    const clock = new ManualClock(0);
    const writer = client(new ManualClock(0));
    const c = client(clock);
    await writer.put('guard:streamed', index(200));
    assert.equal((await drive(clock, IndexSnapshot.load(c, 'guard:streamed', { clock }))).size, 200);
    relay.fault('guard:streamed', { ...NOT_FOUND, times: 1 });
    const fresh = await drive(clock, IndexSnapshot.load(c, 'guard:streamed', { clock }));
    assert.equal(fresh.exists, true);
    assert.equal(fresh.size, 200);
    assert.deepEqual([c.stats().suspectReads, c.stats().rereads], [1, 1]);
  });

  it('back-to-back reads of a fresh 200-entry index (8, with false 404s and partial nodes injected) never reach the caller absent or short', async () => {
    const clock = new ManualClock(0);
    const c = client(clock);
    await c.put('guard:b2b', index(200));
    // As measured on the production relay: 200, 404, 200, 56 of 200 keys, 200, …
    const schedule: Array<Parameters<LocalRelay['fault']>[1] | undefined> = [undefined, NOT_FOUND, undefined, { partialKeys: 56 }, { partialKeys: 174 }, undefined, NOT_FOUND, undefined];
    const answers: number[] = [];
    for (const fault of schedule) {
      if (fault) relay.fault('guard:b2b', { ...fault, times: 1 });
      answers.push(keysOf(await drive(clock, c.get('guard:b2b'))));
    }
    assert.deepEqual(answers, Array(8).fill(200));
    const s = c.stats();
    assert.deepEqual([s.suspectReads, s.shortNodes, s.rereads, s.confirmedMisses, s.confirmedShortNodes], [4, 2, 4, 0, 0]);
    assert.equal(getsOf('guard:b2b'), 12);
  });

  it('a cycle report and the reread tracing channel count what the guard did', async () => {
    const clock = new ManualClock(0);
    const c = client(clock);
    await c.put('guard:cycle', index(20));
    const traces: RereadTrace[] = [];
    const channel = diagnostics_channel.tracingChannel<unknown, RereadTrace>(TRACING_CHANNELS.reread);
    const handlers = { asyncEnd: (ctx: RereadTrace) => traces.push({ ...ctx }) };
    channel.subscribe(handlers as never);
    try {
      const loop = new SyncLoop({
        name: 'guarded',
        client: c,
        intervalMs: 60_000,
        cycleTimeoutMs: 60_000,
        clock,
        run: async ({ client: cc }) => keysOf(await cc.get('guard:cycle')),
      });
      relay.fault('guard:cycle', { ...NOT_FOUND, times: 1 });
      const report: CycleReport = await drive(clock, loop.trigger(), 1);
      assert.equal(report.result, 20);
      assert.deepEqual([report.suspectReads, report.rereads, report.confirmedMisses, report.shortNodes, report.confirmedShortNodes], [1, 1, 0, 0, 0]);
      assert.equal(report.requests, 2);
    } finally {
      channel.unsubscribe(handlers as never);
    }
    assert.equal(traces.length, 1);
    const [t] = traces as [RereadTrace];
    assert.deepEqual([t.soul, t.reason, t.attempt, t.keys, t.expectedKeys, t.delayMs], ['guard:cycle', 'miss', 1, 0, 20, DELAY]);
    assert.deepEqual(t.result, { found: true, keys: 20, relay: relay.url });
  });

  it("through the OIP proxy (the relay's 404 arrives as the proxy's 500) a misread of a written index is re-read too", async () => {
    const proxy = await startOipProxy({ target: relay.url });
    try {
      const clock = new ManualClock(0);
      const c = client(clock, { baseUrl: [{ url: proxy.url, kind: 'oip-proxy' }], missCache: {} });
      await c.put('guard:proxy', index(200));
      relay.fault('guard:proxy', { ...NOT_FOUND, times: 1 });
      assert.equal(keysOf(await drive(clock, c.get('guard:proxy'))), 200);
      relay.fault('guard:proxy', { partialKeys: 174, times: 1 });
      assert.equal(keysOf(await drive(clock, c.get('guard:proxy'))), 200);
      const s = c.stats();
      assert.deepEqual([s.suspectReads, s.shortNodes, s.rereads, s.missCacheHits], [2, 1, 2, 0]);
    } finally {
      await proxy.close();
    }
  });

  it('readGuard: false returns the misread as the relay answered it', async () => {
    const clock = new ManualClock(0);
    const c = client(clock, { readGuard: false });
    await c.put('guard:off', { a: 1 });
    relay.fault('guard:off', { ...NOT_FOUND, times: 1 });
    assert.equal(await c.get('guard:off'), null);
    assert.equal(c.stats().suspectReads, 0);
  });
});

describe('read guard in the GunHelper facade (local relay, real gun)', () => {
  const saved = process.env['GUN_PEERS'];
  let relay: LocalRelay;
  before(async () => {
    relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 1_500 });
    process.env['GUN_PEERS'] = relay.url;
  });
  after(async () => {
    GunHelper.closeAll();
    if (saved === undefined) delete process.env['GUN_PEERS'];
    else process.env['GUN_PEERS'] = saved;
    await relay.close();
  });

  it('getRecord of a record this process wrote, answered a false 404, returns the record; the miss is never cached', async () => {
    const gun = new GunHelper({ logger: null });
    const soul = gun.computeSoul('pubkey-guard', `guarded-${process.pid}`);
    await gun.putRecord({ data: { basic: { name: 'Guarded' } }, oip: { recordType: 'post' } }, soul, { localId: `guarded-${process.pid}` });
    relay.fault(soul, { ...NOT_FOUND, times: 1 });
    assert.deepEqual((await gun.getRecord(soul))?.data, { basic: { name: 'Guarded' } }, 'one false 404: re-read, the record');
    // More false 404s than the re-reads (the facade's clock is the system clock: 2 × 500 ms).
    relay.fault(soul, { ...NOT_FOUND, times: 3 });
    assert.equal(await gun.getRecord(soul), null, 'every read misread: UNCONFIRMED_MISS, which the facade logs and answers null');
    const again = await gun.getRecord(soul);
    assert.deepEqual(again?.data, { basic: { name: 'Guarded' } }, 'the miss cache (on in the facade) did not keep it');
    const s = gun.client.stats();
    assert.deepEqual([s.confirmedMisses, s.rereads, s.missCacheHits], [1, 3, 0]);
  });
  it('deleteRecord of a record this process wrote, answered "Not found" past the re-reads, throws UNCONFIRMED_MISS and sends nothing; the retry deletes it', async () => {
    const gun = new GunHelper({ logger: null });
    const soul = gun.computeSoul('pubkey-guard', `guarded-del-${process.pid}`);
    await gun.putRecord({ data: { basic: { name: 'Guarded' } }, oip: { recordType: 'post' } }, soul, { localId: `guarded-del-${process.pid}` });
    relay.fault(soul, { ...NOT_FOUND, times: 3 });
    const puts = relay.log.filter((r) => r.path === '/put').length;
    await assert.rejects(gun.deleteRecord(soul), (e: unknown) => isGunRelayError(e) && e.code === 'UNCONFIRMED_MISS' && e.soul === soul);
    assert.equal(relay.log.filter((r) => r.path === '/put').length, puts, 'no tombstones sent');
    assert.equal(await gun.deleteRecord(soul), true);
    assert.equal(await gun.getRecord(soul), null, 'deleted');
  });
});
