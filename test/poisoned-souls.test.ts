import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { GunRelayClient, ManualClock, isGunRelayError, type ClientEvents, type StatsSnapshot } from '../src/index.js';
import { startLocalRelay, type LocalRelay } from '../src/testing/index.js';
import { outcome } from './helpers/clock.js';

const GUN_ERROR = { error: 'Data at root of graph must be a node (an object).' };

describe('soul-keyed failure ledger against the local relay', () => {
  let relay: LocalRelay;
  before(async () => {
    relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 500 });
  });
  after(async () => {
    await relay.close();
  });
  afterEach(() => relay.clearFaults());

  // These tests are about the ledger's counting; attributionWindowMs: 0 counts every refusal even
  // when no other soul succeeded (the attribution rule has its own tests in relay-profiles.test.ts).
  function client(extra: Record<string, unknown> = {}) {
    return new GunRelayClient({ baseUrl: relay.url, retry: false, attributionWindowMs: 0, ...extra });
  }

  it('calls 1–3 reach the relay and throw; call 4 on is skipped with no request; a skip is never a success', async () => {
    const c = client();
    const soul = 'poison0000001:rec';
    relay.fault(soul, { status: 500, body: GUN_ERROR, path: '/put' });
    const events: Array<[keyof ClientEvents, unknown]> = [];
    for (const name of ['failure', 'quarantine', 'skip'] as const) c.on(name, (e: unknown) => events.push([name, e]));
    for (let i = 1; i <= 3; i++) {
      const before = relay.requestCount;
      await assert.rejects(c.delete(soul, { keys: ['a'] }), (e: unknown) => isGunRelayError(e) && e.code === 'SOUL_REJECTED' && e.status === 500 && e.soul === soul && e.op === 'delete');
      assert.equal(relay.requestCount, before + 1, `call ${i} was sent`);
    }
    const before = relay.requestCount;
    for (let i = 4; i <= 20; i++) assert.deepEqual(await c.delete(soul, { keys: ['a'] }), { soul, outcome: 'skipped', failures: 3, relay: relay.url });
    assert.equal(relay.requestCount, before, 'skips send nothing');
    const s = c.stats();
    assert.equal(s.byOperation.delete.successes, 0);
    assert.equal(s.byOperation.delete.skipped, 17);
    assert.equal(s.byOperation.delete.failures, 3);
    assert.equal(s.byOperation.delete.attempts, 3);
    assert.equal(s.quarantinedSouls, 1);
    assert.deepEqual(events.filter(([n]) => n === 'quarantine').length, 1);
    const failures = events.filter(([n]) => n === 'failure').map(([, e]) => e as { first: boolean; counted: boolean; failures: number });
    assert.deepEqual(failures.map((f) => [f.first, f.counted, f.failures]), [[true, true, 1], [false, true, 2], [false, true, 3]]);
    assert.equal(events.filter(([n]) => n === 'skip').length, 17);
    // puts of the same soul are a separate count
    assert.equal((await c.put(soul, { a: 1 }).catch((e) => e)).code, 'SOUL_REJECTED');
    c.close();
  });

  it('a stats event every statsEvery skips, with overall and per-operation counters', async () => {
    const c = client({ statsEvery: 10 });
    const soul = 'poison0000002:rec';
    relay.fault(soul, { status: 500, body: GUN_ERROR });
    const stats: StatsSnapshot[] = [];
    c.on('stats', (s) => stats.push(s));
    for (let i = 0; i < 3; i++) await outcome(c.delete(soul, { keys: ['a'] }));
    for (let i = 0; i < 9; i++) await c.delete(soul, { keys: ['a'] });
    assert.equal(stats.length, 0);
    await c.delete(soul, { keys: ['a'] });
    assert.equal(stats.length, 1);
    const s = stats[0]!;
    assert.equal(s.skipped, 10);
    assert.equal(s.attempts, 3);
    assert.equal(s.failures, 3);
    assert.equal(s.trackedSouls, 1);
    assert.equal(s.quarantinedSouls, 1);
    assert.equal(s.byOperation.delete.skipped, 10);
    for (let i = 0; i < 10; i++) await c.delete(soul, { keys: ['a'] });
    assert.equal(stats.length, 2);
    assert.equal(stats[1]!.skipped, 20);
    c.close();
  });

  it('forgive(), a success, or the TTL (on the injected clock) let a soul through again', async () => {
    const clock = new ManualClock(0);
    const c = client({ clock, failureTtlMs: 60_000 });
    const soul = 'poison0000003:rec';
    const recovered: unknown[] = [];
    c.on('recover', (e) => recovered.push(e));
    relay.fault(soul, { status: 500, body: GUN_ERROR });
    for (let i = 0; i < 3; i++) await outcome(c.put(soul, { a: 1 }));
    assert.equal((await c.put(soul, { a: 1 })).outcome, 'skipped');
    assert.deepEqual(c.quarantined().map((q) => [q.op, q.soul, q.failures]), [['put', soul, 3]]);
    // TTL: still skipped at exactly 60 s, sent after
    await clock.advance(60_000);
    assert.equal((await c.put(soul, { a: 1 })).outcome, 'skipped');
    await clock.advance(1);
    assert.equal((await outcome(c.put(soul, { a: 1 }))).ok, false, 'expired: sent again (and refused again)');
    // forgive
    for (let i = 0; i < 2; i++) await outcome(c.put(soul, { a: 1 }));
    assert.equal((await c.put(soul, { a: 1 })).outcome, 'skipped');
    assert.equal(c.forgive(soul), true);
    assert.equal(c.forgive(soul), false);
    relay.clearFaults();
    // success after failures clears the count
    assert.equal((await c.put(soul, { a: 1 })).outcome, 'written');
    assert.equal(c.stats().trackedSouls, 0);
    assert.deepEqual(recovered.map((r) => (r as { reason: string }).reason), ['forgive']);
    relay.fault(soul, { status: 500, body: GUN_ERROR, times: 2 });
    await outcome(c.put(soul, { a: 1 }));
    await outcome(c.put(soul, { a: 1 }));
    // Puts are keyed by write: the same write succeeding clears its count.
    assert.equal((await c.put(soul, { a: 1 })).outcome, 'written');
    assert.deepEqual(recovered.map((r) => (r as { reason: string }).reason), ['forgive', 'success']);
    c.close();
  });

  it('relay-level failures (reset, hang, 503) throw typed errors and never count against the soul', async () => {
    const c = client({ timeouts: { put: 1_000 }, breaker: false });
    const soul = 'innocent00001:rec';
    relay.fault(soul, { reset: true, times: 5 });
    for (let i = 0; i < 5; i++) assert.deepEqual(await outcome(c.put(soul, { a: 1 })), { ok: false, code: 'CONNECTION_RESET' });
    relay.fault(soul, { hang: true, times: 1 });
    assert.deepEqual(await outcome(c.put(soul, { a: 1 })), { ok: false, code: 'TIMEOUT' });
    relay.fault(soul, { status: 503, body: { error: 'overloaded' }, times: 5 });
    for (let i = 0; i < 5; i++) assert.deepEqual(await outcome(c.put(soul, { a: 1 })), { ok: false, code: 'RELAY_ERROR' });
    assert.equal(c.stats().trackedSouls, 0);
    assert.equal((await c.put(soul, { a: 1 })).outcome, 'written');
    c.close();
  });

  it('a throwing listener breaks neither the call nor the other listeners', async () => {
    const c = client();
    const soul = 'poison0000004:rec';
    relay.fault(soul, { status: 500, body: GUN_ERROR });
    const seen: string[] = [];
    const listenerErrors: unknown[] = [];
    c.on('failure', () => {
      throw new Error('listener bug');
    });
    c.on('failure', (e) => seen.push(e.code));
    c.on('listenerError', (e) => listenerErrors.push(e.event));
    assert.deepEqual(await outcome(c.delete(soul, { keys: ['x'] })), { ok: false, code: 'SOUL_REJECTED' });
    assert.deepEqual(seen, ['SOUL_REJECTED']);
    assert.deepEqual(listenerErrors, ['failure']);
    const off = c.on('skip', () => seen.push('skip'));
    off();
    c.close();
  });

  it('the ledger is bounded by maxTrackedSouls', async () => {
    const c = client({ maxTrackedSouls: 5, failureThreshold: 1 });
    relay.fault('*', { status: 500, body: GUN_ERROR, path: '/put' });
    for (let i = 0; i < 20; i++) await outcome(c.put(`many0000000${i}:x`, { a: 1 }));
    assert.equal(c.stats().trackedSouls, 5);
    assert.deepEqual(
      c.quarantined().map((q) => q.soul).sort(),
      [15, 16, 17, 18, 19].map((i) => `many0000000${i}:x`),
    );
    c.close();
  });
});
