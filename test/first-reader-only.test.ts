/**
 * The production relay serves a large index (20,000 entries) whole only to its first reader, then
 * answers 404 for 4–9 s: longer than the read guard's two re-reads 500 ms apart. The local relay
 * reproduces it deterministically (`firstReaderOnly: { missForMs, clock }`, on the client's manual
 * clock), and each read path is shown never to hand such a 404 to its caller as "absent" for a
 * soul seen present: the typed get and IndexSnapshot fail `UNCONFIRMED_MISS`, the facade logs it
 * and caches nothing, and every path reads the node whole once the relay does again.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GunRelayClient, ManualClock, isGunRelayError, type GunNode, type SuspectReadEvent } from '../src/index.js';
import { GunHelper } from '../src/legacy/index.js';
import { IndexSnapshot } from '../src/oip/index.js';
import { startLocalRelay, type LocalRelay } from '../src/testing/index.js';

const ENTRIES = 1_000;
const WINDOW = 4_000; // the shortest 404 spell measured on the production relay
const SOUL = 'oip:registry:index:first-reader';
const keyOf = (i: number): string => `5ca1e0000001:h:${i.toString(16).padStart(12, '0')}`;

/** Settles `p`, advancing the manual clock 500 ms whenever something sleeps on it. Bounded in real time. */
async function drive<T>(clock: ManualClock, p: Promise<T>): Promise<T> {
  let settled = false;
  const done = p.finally(() => (settled = true));
  done.catch(() => undefined);
  const deadline = Date.now() + 30_000;
  while (!settled) {
    if (Date.now() > deadline) throw new Error('not settled within 30 s');
    if (clock.pendingSleeps > 0) await clock.advance(500);
    else await new Promise((r) => setTimeout(r, 2));
  }
  return done;
}

const unconfirmed = (soul: string) => (e: unknown) => isGunRelayError(e) && e.code === 'UNCONFIRMED_MISS' && e.scope === 'relay' && e.soul === soul && e.status === 404;

describe('a relay that serves a large node whole only to its first reader (firstReaderOnly, real gun)', () => {
  let relay: LocalRelay;
  const clients: GunRelayClient[] = [];
  const saved = process.env['GUN_PEERS'];

  before(async () => {
    relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 1_500, writeBatchMs: 10 });
    const writer = new GunRelayClient({ baseUrl: relay.url, timeouts: { put: 120_000 } });
    try {
      const node: GunNode = {};
      for (let i = 0; i < ENTRIES; i++) node[keyOf(i)] = { soul: keyOf(i), nodeId: 'node-a', timestamp: 1_700_000_000_000 + i };
      assert.equal((await writer.put(SOUL, node)).outcome, 'written');
    } finally {
      writer.close();
    }
    process.env['GUN_PEERS'] = relay.url;
  });
  after(async () => {
    for (const c of clients) c.close();
    GunHelper.closeAll();
    if (saved === undefined) delete process.env['GUN_PEERS'];
    else process.env['GUN_PEERS'] = saved;
    await relay.close();
  });
  beforeEach(() => {
    relay.clearFaults();
    relay.resetCounters();
  });

  const getsOf = (soul: string): number => relay.log.filter((r) => r.path === '/get' && r.soul === soul).length;
  function client(clock: ManualClock, extra: Record<string, unknown> = {}): GunRelayClient {
    const c = new GunRelayClient({ baseUrl: relay.url, clock, retry: false, ...extra });
    clients.push(c);
    return c;
  }

  it('the fault: whole to the first reader, the relay 404 within missForMs of it, whole again after; puts unaffected', async () => {
    const clock = new ManualClock(0);
    relay.fault(SOUL, { firstReaderOnly: { missForMs: WINDOW, clock } });
    const read = async (): Promise<[number, number]> => {
      const res = await fetch(`${relay.url}/get?soul=${encodeURIComponent(SOUL)}`);
      const body = (await res.json()) as { data?: Record<string, unknown>; error?: string };
      return [res.status, body.data ? Object.keys(body.data).length : 0];
    };
    assert.deepEqual(await read(), [200, ENTRIES]);
    assert.deepEqual(await read(), [404, 0]);
    await clock.advance(WINDOW - 1);
    assert.deepEqual(await read(), [404, 0], 'still within the window');
    await clock.advance(1);
    assert.deepEqual(await read(), [200, ENTRIES], 'the window is over: whole, and a new window opens');
    assert.deepEqual(await read(), [404, 0]);
    const put = await fetch(`${relay.url}/put`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ soul: 'first-reader:other', data: { a: 1 } }) });
    assert.equal(put.status, 200);
  });

  it('typed get: the 404 outlasting the re-reads fails UNCONFIRMED_MISS, nothing is cached, and the node is read whole after the window', async () => {
    const clock = new ManualClock(0);
    const c = client(clock, { missCache: { ttlMs: 3_600_000 } });
    const events: SuspectReadEvent[] = [];
    c.on('suspectRead', (e) => events.push(e));
    relay.fault(SOUL, { firstReaderOnly: { missForMs: WINDOW, clock } });
    assert.equal(Object.keys((await c.get(SOUL))!).length, ENTRIES, 'the first reader gets it whole');
    await assert.rejects(drive(clock, c.get(SOUL)), unconfirmed(SOUL));
    assert.deepEqual(events.map((e) => [e.reason, e.action, e.expectedKeys]), [
      ['miss', 'reread', ENTRIES],
      ['miss', 'reread', ENTRIES],
      ['miss', 'confirmed', ENTRIES],
    ]);
    assert.equal(getsOf(SOUL), 4, 'one whole read, then the read and its two re-reads');
    assert.equal(clock.now(), 1_000, 're-reads 500 ms apart on the client clock');
    assert.deepEqual([c.stats().confirmedMisses, c.stats().missCacheHits], [1, 0]);

    await clock.advance(WINDOW);
    assert.equal(Object.keys((await c.get(SOUL))!).length, ENTRIES, 'asked again (not a cached miss): whole');
    assert.equal(getsOf(SOUL), 5);
    assert.equal(c.stats().missCacheHits, 0);
  });

  it('typed get: re-reads spaced past the window (readGuard.rereadDelayMs) answer the whole node', async () => {
    const clock = new ManualClock(0);
    const c = client(clock, { readGuard: { rereadDelayMs: 2_500 } });
    relay.fault(SOUL, { firstReaderOnly: { missForMs: WINDOW, clock } });
    assert.equal(Object.keys((await c.get(SOUL))!).length, ENTRIES);
    const node = await drive(clock, c.get(SOUL));
    assert.equal(Object.keys(node!).length, ENTRIES);
    assert.equal(clock.now(), 5_000, 'the re-read at 2.5 s still missed; the one at 5 s got it');
    assert.deepEqual([c.stats().rereads, c.stats().confirmedMisses], [2, 0]);
  });

  it('IndexSnapshot: a refresh in the window fails UNCONFIRMED_MISS, keeps every entry, makes nothing fresh; a new snapshot of it fails too', async () => {
    const clock = new ManualClock(0);
    const c = client(clock);
    relay.fault(SOUL, { firstReaderOnly: { missForMs: WINDOW, clock } });
    const snapshot = await IndexSnapshot.load(c, SOUL, { clock, ttlMs: 1_000, missingTtlMs: 600_000 });
    assert.equal(snapshot.size, ENTRIES);
    await clock.advance(1_000);
    await assert.rejects(drive(clock, snapshot.ensureFresh()), unconfirmed(SOUL));
    assert.equal(snapshot.size, ENTRIES, 'no entry left because a read came back absent');
    assert.ok(snapshot.exists && snapshot.has(keyOf(ENTRIES - 1)));
    assert.equal(snapshot.isFresh(), false);
    await assert.rejects(drive(clock, IndexSnapshot.load(c, SOUL, { clock })), unconfirmed(SOUL), 'not an empty snapshot');

    await clock.advance(WINDOW);
    assert.equal(await snapshot.ensureFresh(), true);
    assert.equal(snapshot.size, ENTRIES);
    assert.equal(snapshot.isFresh(), true);
  });

  it('GunHelper.getRecord: the facade logs UNCONFIRMED_MISS (its null is "failed", not a remembered miss) and reads the record after the window', async () => {
    const clock = new ManualClock(0);
    const lines: string[] = [];
    const gun = new GunHelper({ logger: { warn: (...args: unknown[]) => void lines.push(args.map(String).join(' ')), info: () => {}, error: () => {} }, clock });
    const soul = gun.computeSoul('pubkey-first-reader', 'record-1');
    await gun.putRecord({ data: { basic: { name: 'First reader' } }, oip: { recordType: 'post' } }, soul, { localId: 'record-1' });
    relay.fault(soul, { firstReaderOnly: { missForMs: WINDOW, clock } });
    assert.equal(((await gun.getRecord(soul))?.data as { basic?: { name?: string } } | undefined)?.basic?.name, 'First reader');
    assert.equal(await drive(clock, gun.getRecord(soul)), null);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /getRecord\(.*\) failed \(UNCONFIRMED_MISS: .*\); returning null/);
    assert.equal(gun.rememberedMisses, 0, 'not remembered as absent');
    const gets = getsOf(soul);
    assert.equal(await drive(clock, gun.getRecord(soul)), null, 'still in the window: asked again, not answered from memory');
    assert.ok(getsOf(soul) > gets);

    await clock.advance(WINDOW);
    assert.equal(((await gun.getRecord(soul))?.data as { basic?: { name?: string } } | undefined)?.basic?.name, 'First reader');
  });
});
