import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../src/clock.js';
import { FailureLedger } from '../src/ledger/FailureLedger.js';

function ledger(over: Partial<{ threshold: number; ttlMs: number; maxEntries: number }> = {}) {
  const clock = new ManualClock(1_000);
  const l = new FailureLedger({ threshold: 3, ttlMs: 60_000, maxEntries: 100, clock, ...over });
  return { clock, l };
}

describe('FailureLedger', () => {
  it('skips a soul from its third consecutive failure, per operation', () => {
    const { l, clock } = ledger();
    assert.equal(l.skipCount('delete', 's'), 0);
    assert.deepEqual(l.recordFailure('delete', 's', 'SOUL_REJECTED', 500, clock.now()), { failures: 1, first: true, quarantined: false });
    assert.deepEqual(l.recordFailure('delete', 's', 'SOUL_REJECTED', 500, clock.now()), { failures: 2, first: false, quarantined: false });
    assert.equal(l.skipCount('delete', 's'), 0);
    assert.deepEqual(l.recordFailure('delete', 's', 'SOUL_REJECTED', 500, clock.now()), { failures: 3, first: false, quarantined: true });
    assert.equal(l.skipCount('delete', 's'), 3);
    assert.equal(l.skipCount('put', 's'), 0, 'puts of the same soul are counted separately');
    assert.equal(l.quarantinedCount, 1);
  });

  it('expires an entry failureTtlMs after the last failure, on the injected clock, with no timer', async () => {
    const { l, clock } = ledger();
    for (let i = 0; i < 3; i++) l.recordFailure('put', 's', 'SOUL_REJECTED', 500, clock.now());
    await clock.advance(60_000);
    assert.equal(l.skipCount('put', 's'), 3);
    assert.equal(clock.pendingSleeps, 0);
    await clock.advance(1);
    assert.equal(l.skipCount('put', 's'), 0);
    assert.equal(l.quarantinedCount, 0);
    assert.equal(l.size, 0);
  });

  it('a new failure restarts the TTL; skips (reads) do not', async () => {
    const { l, clock } = ledger();
    for (let i = 0; i < 3; i++) l.recordFailure('put', 's', 'SOUL_REJECTED', 500, clock.now());
    await clock.advance(30_000);
    assert.equal(l.skipCount('put', 's'), 3);
    await clock.advance(30_001);
    assert.equal(l.skipCount('put', 's'), 0, 'reading did not extend the TTL');
    for (let i = 0; i < 3; i++) l.recordFailure('put', 's', 'SOUL_REJECTED', 500, clock.now());
    await clock.advance(50_000);
    l.recordFailure('put', 's', 'SOUL_REJECTED', 500, clock.now());
    await clock.advance(50_000);
    assert.equal(l.skipCount('put', 's'), 4);
  });

  it('clear() forgets a soul and reports what it had', () => {
    const { l, clock } = ledger();
    for (let i = 0; i < 4; i++) l.recordFailure('delete', 's', 'SOUL_REJECTED', 500, clock.now());
    assert.equal(l.clear('delete', 's'), 4);
    assert.equal(l.clear('delete', 's'), 0);
    assert.equal(l.skipCount('delete', 's'), 0);
    assert.equal(l.quarantinedCount, 0);
  });

  it('is bounded by maxEntries with least-recently-used eviction', () => {
    const { l, clock } = ledger({ maxEntries: 3, threshold: 1 });
    l.recordFailure('put', 'a', 'SOUL_REJECTED', 500, clock.now());
    l.recordFailure('put', 'b', 'SOUL_REJECTED', 500, clock.now());
    l.recordFailure('put', 'c', 'SOUL_REJECTED', 500, clock.now());
    l.skipCount('put', 'a'); // touch a: b is now least recently used
    l.recordFailure('put', 'd', 'SOUL_REJECTED', 500, clock.now());
    assert.equal(l.size, 3);
    assert.equal(l.skipCount('put', 'b'), 0);
    assert.equal(l.skipCount('put', 'a'), 1);
    assert.equal(l.quarantinedCount, 3);
  });

  it('quarantined() lists souls at the threshold with the time they have left', async () => {
    const { l, clock } = ledger();
    for (let i = 0; i < 3; i++) l.recordFailure('delete', 'x:1', 'SOUL_REJECTED', 500, clock.now());
    l.recordFailure('delete', 'x:2', 'SOUL_REJECTED', 500, clock.now());
    await clock.advance(10_000);
    const q = l.quarantined(clock.now(), clock.wallNow());
    assert.equal(q.length, 1);
    assert.equal(q[0]!.soul, 'x:1');
    assert.equal(q[0]!.op, 'delete');
    assert.equal(q[0]!.failures, 3);
    assert.equal(q[0]!.remainingMs, 50_000);
    // Absolute times are epoch ms (the manual clock's epoch starts at 2026-01-01), not clock readings.
    assert.equal(q[0]!.lastFailureAt, Date.UTC(2026, 0, 1));
    assert.equal(q[0]!.retryAt, Date.UTC(2026, 0, 1) + 60_000);
  });

  it('a snapshot round-trips: live entries keep counts and remaining TTL, expired ones are dropped', async () => {
    const { l, clock } = ledger();
    for (let i = 0; i < 3; i++) l.recordFailure('delete', 'old', 'SOUL_REJECTED', 500, clock.now());
    await clock.advance(50_000);
    for (let i = 0; i < 4; i++) l.recordFailure('delete', 'new', 'SOUL_REJECTED', 500, clock.now());
    l.recordFailure('put', 'one', 'SOUL_REJECTED', 400, clock.now());
    const wall = 1_700_000_000_000;
    const snap = l.toSnapshot(clock.now(), wall);
    assert.equal(snap.version, 1);
    assert.deepEqual(snap.entries.map((e) => [e.op, e.soul, e.failures, wall - e.lastFailureAt]), [
      ['delete', 'old', 3, 50_000],
      ['delete', 'new', 4, 0],
      ['put', 'one', 1, 0],
    ]);
    // A restarted worker imports it 15 s later: 'old' (65 s > 60 s TTL) is dropped.
    const fresh = ledger();
    assert.equal(fresh.l.load(JSON.parse(JSON.stringify(snap)), fresh.clock.now(), wall + 15_000, 60_000), 2);
    assert.equal(fresh.l.skipCount('delete', 'old'), 0);
    assert.equal(fresh.l.skipCount('delete', 'new'), 4);
    assert.equal(fresh.l.quarantinedCount, 1);
    assert.equal(fresh.l.quarantined(fresh.clock.now(), wall + 15_000)[0]!.remainingMs, 45_000);
    await fresh.clock.advance(45_001);
    assert.equal(fresh.l.skipCount('delete', 'new'), 0);
  });

  it('properties: bounded size; skipped iff >= threshold consecutive failures within the TTL; clear resets', async () => {
    type Cmd = { kind: 'fail' | 'ok' | 'wait'; soul: number; ms: number };
    const cmd = fc.record({
      kind: fc.constantFrom<'fail' | 'ok' | 'wait'>('fail', 'fail', 'ok', 'wait'),
      soul: fc.integer({ min: 0, max: 11 }),
      ms: fc.integer({ min: 0, max: 400 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { maxLength: 120 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 8 }), async (cmds: Cmd[], threshold, max) => {
        const clock = new ManualClock(0);
        const ttlMs = 1_000;
        const l = new FailureLedger({ threshold, ttlMs, maxEntries: max, clock });
        // Model: per soul, consecutive failures and last failure time, plus LRU order.
        const model = new Map<number, { n: number; last: number }>();
        const lru: number[] = [];
        const touch = (s: number) => {
          const i = lru.indexOf(s);
          if (i >= 0) lru.splice(i, 1);
          lru.push(s);
        };
        const live = (s: number) => {
          const e = model.get(s);
          if (e && clock.now() - e.last > ttlMs) {
            model.delete(s);
            lru.splice(lru.indexOf(s), 1);
            return undefined;
          }
          return e;
        };
        for (const c of cmds) {
          if (c.kind === 'wait') await clock.advance(c.ms);
          else if (c.kind === 'ok') {
            l.clear('put', `s${c.soul}`);
            if (model.delete(c.soul)) lru.splice(lru.indexOf(c.soul), 1);
          } else {
            const e = live(c.soul);
            l.recordFailure('put', `s${c.soul}`, 'SOUL_REJECTED', 500, clock.now());
            model.set(c.soul, { n: (e?.n ?? 0) + 1, last: clock.now() });
            touch(c.soul);
            while (lru.length > max) model.delete(lru.shift()!);
          }
          assert.ok(l.size <= max);
          for (let s = 0; s < 12; s++) {
            const e = live(s);
            const expected = e && e.n >= threshold ? e.n : 0;
            assert.equal(l.skipCount('put', `s${s}`), expected, `soul s${s}`);
            if (e) touch(s);
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
