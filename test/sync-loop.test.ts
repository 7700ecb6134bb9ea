import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CycleAbort,
  GunRelayClient,
  ManualClock,
  MemoryLeaseStore,
  SyncLoop,
  isGunRelayError,
  type Cycle,
  type CycleReport,
  type LeaseStore,
  type SyncLoopOptions,
} from '../src/index.js';
import { startLocalRelay, type LocalRelay } from '../src/testing/index.js';

/** A promise with its resolve function exposed. */
function gate<T = void>(): { promise: Promise<T>; open: (v: T) => void } {
  let open!: (v: T) => void;
  const promise = new Promise<T>((r) => (open = r));
  return { promise, open };
}

/** A client that is never called (its URL refuses), for loops whose cycles send nothing. */
function idleClient(): GunRelayClient {
  return new GunRelayClient({ baseUrl: 'http://127.0.0.1:9', retry: false });
}

function loopOf<R>(clock: ManualClock, run: (c: Cycle) => R | Promise<R>, extra: Partial<SyncLoopOptions<R>> = {}): SyncLoop<R> {
  return new SyncLoop<R>({ name: 'test-sync', client: idleClient(), intervalMs: 1_000, cycleTimeoutMs: 500, clock, run, ...extra });
}

function collect<R>(loop: SyncLoop<R>): CycleReport<R>[] {
  const reports: CycleReport<R>[] = [];
  loop.on('cycle', (r) => reports.push(r));
  return reports;
}

describe('SyncLoop on a manual clock', () => {
  it('triggers during a cycle return that cycle: one run, one report', async () => {
    const clock = new ManualClock();
    const g = gate<string>();
    let runs = 0;
    const loop = loopOf(clock, () => {
      runs++;
      return g.promise;
    });
    const reports = collect(loop);
    const first = loop.trigger();
    const second = loop.trigger();
    assert.equal(first, second);
    await clock.advance(100);
    assert.equal(loop.trigger(), first);
    g.open('done');
    const report = await first;
    assert.equal(runs, 1);
    assert.equal(report.outcome, 'ok');
    assert.equal(report.result, 'done');
    assert.equal(report.number, 1);
    assert.equal(reports.length, 1);
    assert.notEqual(loop.trigger(), first, 'after it ended, a trigger starts a new cycle');
  });

  it('a hung cycle is aborted at cycleTimeoutMs, reported timedOut, and the next cycle runs', async () => {
    const clock = new ManualClock();
    const signals: AbortSignal[] = [];
    const loop = loopOf(clock, (cycle) => {
      signals.push(cycle.signal);
      if (cycle.number === 1) return new Promise<string>(() => {}); // ignores its signal
      return 'second';
    });
    const reports = collect(loop);
    loop.start();
    await clock.advance(499);
    assert.equal(reports.length, 0);
    await clock.advance(1);
    assert.equal(reports.length, 1);
    assert.equal(reports[0]!.outcome, 'timedOut');
    assert.equal(reports[0]!.durationMs, 500);
    assert.equal(reports[0]!.error?.code, 'ABORTED');
    assert.ok(signals[0]!.aborted);
    assert.ok(signals[0]!.reason instanceof CycleAbort && signals[0]!.reason.outcome === 'timedOut');
    await clock.advance(1_000);
    assert.equal(reports.length, 2);
    assert.equal(reports[1]!.outcome, 'ok');
    assert.equal(reports[1]!.result, 'second');
    assert.equal(loop.health().timeouts, 1);
    await loop.stop();
  });

  it('schedules the next cycle from the end of the last (with jitter), never piling up', async () => {
    const clock = new ManualClock();
    const starts: number[] = [];
    const loop = loopOf(
      clock,
      async (cycle) => {
        starts.push(clock.now());
        await clock.sleep(300, cycle.signal);
      },
      { jitter: 0.5, random: () => 0.5 },
    );
    loop.start();
    for (let i = 0; i < 10; i++) await clock.advance(250);
    await loop.stop();
    // each cycle lasts 300 ms; the next starts 1,000 + 0.5 × 0.5 × 1,000 = 1,250 ms after its end
    assert.deepEqual(starts, [0, 1_550]);
  });

  it('stop({ drain }) waits for the running cycle; the drain is bounded; without drain it aborts', async () => {
    const clock = new ManualClock();
    const g = gate();
    const loop = loopOf(clock, () => g.promise, { cycleTimeoutMs: 10_000 });
    const reports = collect(loop);
    loop.start();
    let stopped = false;
    const stopping = loop.stop({ drain: true }).then(() => (stopped = true));
    await clock.advance(100);
    assert.equal(stopped, false, 'still draining');
    g.open();
    await stopping;
    assert.equal(reports[0]!.outcome, 'ok');
    await clock.advance(5_000);
    assert.equal(reports.length, 1, 'nothing scheduled after stop');

    const hung = loopOf(clock, () => new Promise<void>(() => {}), { cycleTimeoutMs: 10_000 });
    const hungReports = collect(hung);
    hung.start();
    const bounded = hung.stop({ drain: true, timeoutMs: 200 });
    await clock.advance(200);
    await bounded;
    assert.equal(hungReports[0]!.outcome, 'stopped');
    assert.equal(hungReports[0]!.durationMs, 200);

    const cut = loopOf(clock, () => new Promise<void>(() => {}), { cycleTimeoutMs: 10_000 });
    const cutReports = collect(cut);
    cut.start();
    await cut.stop({ drain: false });
    assert.equal(cutReports[0]!.outcome, 'stopped');
    assert.equal(cutReports[0]!.durationMs, 0);
  });

  it('health is judged against the loop interval: ok, degraded, then stale after 2 × interval, with reasons', async () => {
    const clock = new ManualClock();
    let fail = false;
    const loop = loopOf(clock, async (cycle) => {
      if (cycle.number === 1) await clock.sleep(1_200, cycle.signal); // an overrun of the 1,000 ms interval
      if (fail) throw Object.assign(new Error('relay refused'), { code: 'CONNECTION_REFUSED' });
    }, { cycleTimeoutMs: 5_000 });
    assert.equal(loop.health().status, 'stopped');
    loop.start();
    assert.equal(loop.health().status, 'starting');
    assert.equal(loop.health().healthy, true);
    await clock.advance(1_200);
    let h = loop.health();
    assert.equal(h.status, 'ok');
    assert.equal(h.sinceLastSuccessMs, 0);
    assert.equal(h.overruns, 1);
    fail = true;
    await clock.advance(1_000); // cycle 2 fails at 2,200
    h = loop.health();
    assert.equal(h.status, 'degraded');
    assert.equal(h.healthy, true);
    assert.equal(h.consecutiveFailures, 1);
    assert.equal(h.lastError?.code, 'CONNECTION_REFUSED');
    assert.match(h.reasons.join('\n'), /cycle 2 failed: relay refused/);
    await clock.advance(1_000); // cycle 3 fails at 3,200: 2,000 ms since the last success, not yet stale
    assert.equal(loop.health().status, 'degraded');
    assert.equal(loop.health().consecutiveFailures, 2);
    await clock.advance(1); // 2,001 ms > 2 × 1,000
    h = loop.health();
    assert.equal(h.status, 'stale');
    assert.equal(h.healthy, false);
    assert.equal(h.staleAfterMs, 2_000);
    assert.match(h.reasons[0]!, /last successful cycle ended 2001 ms ago \(stale after 2000 ms\)/);
    await loop.stop({ drain: false });
  });

  it('rejects bad options with INVALID_OPTIONS naming the field', () => {
    const clock = new ManualClock();
    const bad = (extra: Record<string, unknown>, field: string): void =>
      assert.throws(() => loopOf(clock, () => undefined, extra as Partial<SyncLoopOptions<undefined>>), (e: unknown) => isGunRelayError(e) && e.code === 'INVALID_OPTIONS' && e.field === field);
    bad({ intervalMs: 0 }, 'intervalMs');
    bad({ jitter: 2 }, 'jitter');
    bad({ client: {} }, 'client');
    bad({ lease: { acquire() {} } }, 'lease');
    bad({ leaseTtlMs: 500 }, 'leaseTtlMs');
    bad({ every: 5 }, 'every');
  });
});

describe('SyncLoop leases', () => {
  it('one holder at a time: the other loop reports leaseUnavailable without running; release is compare-and-delete', async () => {
    const clock = new ManualClock();
    const store = new MemoryLeaseStore({ clock });
    const g = gate();
    let runsB = 0;
    const a = loopOf(clock, () => g.promise, { lease: store, holder: 'a' });
    const b = loopOf(clock, () => void runsB++, { lease: store, holder: 'b' });
    const cycleA = a.trigger();
    await clock.advance(10);
    assert.equal(store.holderOf('test-sync'), 'a');
    const reportB = await b.trigger();
    assert.equal(reportB.outcome, 'leaseUnavailable');
    assert.equal(runsB, 0);
    assert.equal(b.health().status, 'stopped');
    assert.equal(await store.release('test-sync', 'b'), false, 'b cannot release what a holds');
    g.open();
    assert.equal((await cycleA).outcome, 'ok');
    assert.equal(store.holderOf('test-sync'), undefined, 'released at the end of the cycle');
    const resting = await b.trigger();
    assert.equal(resting.outcome, 'leaseUnavailable', 'the fleet rests one interval after a cycle');
    assert.equal(resting.lease?.refused, 'resting');
    await clock.advance(1_000);
    assert.equal((await b.trigger()).outcome, 'ok');
    assert.equal(runsB, 1);
  });

  it('the TTL covers the cycle timeout and is extended while the cycle runs', async () => {
    const clock = new ManualClock();
    const store = new MemoryLeaseStore({ clock });
    const extends_: number[] = [];
    const spy: LeaseStore = {
      acquire: (n, h, ttl) => store.acquire(n, h, ttl),
      extend: (n, h, ttl) => {
        extends_.push(ttl);
        return store.extend(n, h, ttl);
      },
      release: (n, h) => store.release(n, h),
    };
    const loop = loopOf(clock, (cycle) => clock.sleep(8_000, cycle.signal), { lease: spy, holder: 'a', cycleTimeoutMs: 9_000, leaseTtlMs: 9_900 });
    const done = loop.trigger();
    await clock.advance(0); // lets the acquisition settle before time moves
    for (let i = 0; i < 80; i++) await clock.advance(100);
    assert.equal((await done).outcome, 'ok');
    assert.deepEqual(extends_, [9_900, 9_900], 'extended every third of the TTL (at 3.3 s and 6.6 s)');
    assert.equal(store.holderOf('test-sync'), undefined, 'released at the end');
  });

  it('a cycle whose lease is lost is aborted through its signal and reported leaseLost', async () => {
    const clock = new ManualClock();
    const store = new MemoryLeaseStore({ clock });
    const stealing: LeaseStore = {
      acquire: (n, h, ttl) => store.acquire(n, h, ttl),
      extend: async (n) => {
        // another worker took the lease meanwhile (e.g. this one was paused past its TTL)
        await store.release(n, 'a');
        await store.acquire(n, 'thief', 60_000);
        return false;
      },
      release: (n, h) => store.release(n, h),
    };
    let seen: AbortSignal | undefined;
    const loop = loopOf(clock, (cycle) => {
      seen = cycle.signal;
      return new Promise<void>(() => {});
    }, { lease: stealing, holder: 'a', cycleTimeoutMs: 3_000, leaseTtlMs: 3_300 });
    const done = loop.trigger();
    await clock.advance(0);
    await clock.advance(1_100);
    const report = await done;
    assert.equal(report.outcome, 'leaseLost');
    assert.ok(seen?.aborted && seen.reason instanceof CycleAbort && seen.reason.outcome === 'leaseLost');
    assert.equal(store.holderOf('test-sync'), 'thief', "the release did not delete the thief's lease");
    assert.equal(loop.health().consecutiveFailures, 1);
  });

  it('hostile: a lease store whose acquire hangs: the cycle times out, and a late grant is given back, never extended', async () => {
    const clock = new ManualClock();
    const store = new MemoryLeaseStore({ clock });
    const late = gate<boolean>();
    let extends_ = 0;
    const hanging: LeaseStore = {
      acquire: async (n, h, ttl) => {
        const ok = await late.promise; // Redis paused: the answer comes long after
        return ok && store.acquire(n, h, ttl);
      },
      extend: (n, h, ttl) => {
        extends_++;
        return store.extend(n, h, ttl);
      },
      release: (n, h) => store.release(n, h),
    };
    let runs = 0;
    const loop = loopOf(clock, () => void runs++, { lease: hanging, holder: 'a', cycleTimeoutMs: 3_000, leaseTtlMs: 3_300 });
    const done = loop.trigger();
    await clock.advance(0);
    await clock.advance(3_000);
    const report = await done;
    assert.equal(report.outcome, 'timedOut', 'the cycle ends at its timeout though the store never answered');
    assert.equal(runs, 0);
    late.open(true); // the store answers at last: the lease is ours, for nobody
    for (let i = 0; i < 5; i++) await clock.advance(0);
    assert.equal(store.holderOf('test-sync'), undefined, 'the late grant was released');
    await clock.advance(1_100);
    await clock.advance(1_100);
    assert.equal(extends_, 0, 'nothing extends a lease of a cycle that is over');
    await loop.stop();
  });

  it('hostile: a lease store whose release hangs delays the report at most the lease TTL (the TTL frees the lease anyway)', async () => {
    const clock = new ManualClock();
    const store = new MemoryLeaseStore({ clock });
    const hanging: LeaseStore = {
      acquire: (n, h, ttl) => store.acquire(n, h, ttl),
      extend: (n, h, ttl) => store.extend(n, h, ttl),
      release: () => new Promise<boolean>(() => {}),
    };
    const loop = loopOf(clock, () => 'done', { lease: hanging, holder: 'a', cycleTimeoutMs: 3_000, leaseTtlMs: 3_300 });
    const reports = collect(loop);
    const done = loop.trigger();
    for (let i = 0; i < 5; i++) await clock.advance(0);
    await clock.advance(3_300);
    const report = await done;
    assert.equal(report.outcome, 'ok');
    assert.equal(report.result, 'done');
    assert.equal(reports.length, 1);
    await loop.stop();
  });

  it('MemoryLeaseStore: expiry on the clock, re-acquire by the holder, extend only by the holder', async () => {
    const clock = new ManualClock();
    const store = new MemoryLeaseStore({ clock });
    assert.deepEqual(await store.acquire('job', 'a', 1_000), { granted: true, token: 1 });
    assert.deepEqual(await store.acquire('job', 'a', 1_000), { granted: true, token: 2 }, 'each grant gets a larger fencing token');
    assert.deepEqual(await store.acquire('job', 'b', 1_000), { granted: false, reason: 'held', holder: 'a', retryInMs: 1_000 });
    assert.equal(await store.extend('job', 'b', 1_000), false);
    await clock.advance(999);
    assert.equal(await store.extend('job', 'a', 1_000), true);
    await clock.advance(999);
    assert.equal((await store.acquire('job', 'b', 1_000)).granted, false);
    await clock.advance(1);
    assert.equal(await store.extend('job', 'a', 1_000), false, 'expired');
    assert.equal((await store.acquire('job', 'b', 1_000)).granted, true);
    assert.equal(await store.release('job', 'b', 500), true);
    assert.equal((await store.acquire('job', 'b', 1_000)).granted, false, 'a rest keeps the releaser out too');
    await clock.advance(500);
    assert.equal((await store.acquire('job', 'a', 1_000)).granted, true);
    await assert.rejects(store.acquire('job', 'b', 0), (e: unknown) => isGunRelayError(e) && e.code === 'INVALID_INPUT');
  });
});

describe("SyncLoop cycle counters against the local relay", () => {
  let relay: LocalRelay;
  before(async () => {
    relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 100 });
  });
  after(async () => {
    await relay.close();
  });

  it("each cycle counts only its own calls, and the cycles plus the calls outside add up to the client's stats", async () => {
    const clock = new ManualClock();
    const client = new GunRelayClient({ baseUrl: relay.url, retry: { retries: 2, baseDelayMs: 0, maxDelayMs: 0 } });
    const poisoned = 'syncloop0001:poisoned';
    relay.fault(poisoned, { status: 500, body: { error: 'Data at root of graph must be a node (an object).' }, path: '/put' });
    relay.fault('syncloop0001:flaky', { status: 503, times: 1 });
    const loop = new SyncLoop({
      name: 'counted',
      client,
      intervalMs: 60_000,
      cycleTimeoutMs: 60_000,
      clock,
      run: async ({ client: c, number }) => {
        // The same write each time: puts are quarantined per write (soul + body). A refusal counts
        // once the relay accepts another soul's put after it (attribution): the put that follows.
        await c.put(poisoned, { n: 0 }).catch(() => undefined);
        await c.put(`syncloop0001:rec${number}`, { n: number, meta: { at: number } });
        await c.get(`syncloop0001:rec${number}`, { resolveLinks: 1 });
        await c.get(`syncloop0001:never${number}`);
        if (number === 1) await c.get('syncloop0001:flaky');
        await c.delete(`syncloop0001:rec${number}`);
        await c.list('syncloop0001', { limit: 5 });
        await c.put(poisoned, { n: 0 }).catch(() => undefined);
        await c.put(`syncloop0001:done${number}`, { n: number });
      },
    });
    const reports = collect(loop);
    for (let i = 0; i < 3; i++) await loop.trigger();
    await client.get('syncloop0001:outside');
    assert.deepEqual(reports.map((r) => r.outcome), ['ok', 'ok', 'ok']);
    const [r1, r2, r3] = reports as [CycleReport, CycleReport, CycleReport];
    assert.deepEqual([r1.misses, r2.misses, r3.misses], [2, 1, 1], 'the never-written souls (and the flaky one once its 503 is retried)');
    assert.equal(r1.retries, 1, 'the 503 was retried once');
    assert.equal(r2.retries, 0);
    // cycle 2 fails the poisoned put once more (3rd failure) and then skips it; cycle 3 skips both
    assert.deepEqual([r1.failures, r2.failures, r3.failures], [2, 1, 0]);
    assert.deepEqual([r1.skipped, r2.skipped, r3.skipped], [0, 1, 2]);
    // puts (2: rec with its nested meta in one request; done) + get (2: node and meta) + miss (1) + delete (2: read, write) + list (1) = 8, + poisoned puts sent
    assert.equal(r3.requests, 8);
    assert.equal(r2.requests, 8 + 1);
    assert.equal(r1.requests, 8 + 2 + 2, 'plus the flaky get and its retry, and two poisoned puts');
    assert.ok(r3.bytesOut > 0 && r3.bytesIn > 0);

    const s = client.stats();
    const sum = (f: (r: CycleReport) => number): number => reports.reduce((n, r) => n + f(r), 0);
    assert.equal(s.requests, sum((r) => r.requests) + 1, 'plus the one get outside any cycle');
    assert.equal(s.misses, sum((r) => r.misses) + 1);
    assert.equal(s.retries, sum((r) => r.retries));
    assert.equal(s.skipped, sum((r) => r.skipped));
    assert.equal(s.failures, sum((r) => r.failures));
    assert.equal(s.bytesOut, sum((r) => r.bytesOut));
    assert.equal(s.bytesIn, sum((r) => r.bytesIn) + '{"error":"Not found"}'.length);
    for (const op of ['put', 'get', 'delete', 'list'] as const) {
      for (const k of ['calls', 'attempts', 'successes', 'failures', 'skipped'] as const) {
        assert.equal(s.byOperation[op][k], sum((r) => r.byOperation[op][k]) + (op === 'get' && k !== 'failures' && k !== 'skipped' ? 1 : 0), `${op}.${k}`);
      }
    }
    assert.ok(s.sockets.open >= 1 && s.sockets.idle <= s.sockets.open, JSON.stringify(s.sockets));
    client.close();
  });

  it('cycle.view(other) counts another client in the same cycle report', async () => {
    const clock = new ManualClock();
    const local = new GunRelayClient({ baseUrl: relay.url, retry: false });
    const peer = new GunRelayClient({ baseUrl: relay.url, retry: false });
    const loop = new SyncLoop({
      name: 'two-clients',
      client: local,
      intervalMs: 1_000,
      cycleTimeoutMs: 30_000,
      clock,
      run: async (cycle) => {
        const p = cycle.view(peer);
        await p.put('syncloop0001:peer', { a: 1 });
        await p.get('syncloop0001:peer');
        await cycle.client.get('syncloop0001:peer');
      },
    });
    const report = await loop.trigger();
    assert.equal(report.requests, 3);
    assert.deepEqual([report.byOperation.put.calls, report.byOperation.get.calls], [1, 2]);
    assert.equal(peer.stats().requests + local.stats().requests, 3);
    local.close();
    peer.close();
  });

  it("a cycle's client stops with its cycle, and cannot close the loop's client", async () => {
    const clock = new ManualClock();
    const client = new GunRelayClient({ baseUrl: relay.url, retry: false });
    let kept: GunRelayClient | undefined;
    const loop = new SyncLoop({
      name: 'view',
      client,
      intervalMs: 1_000,
      cycleTimeoutMs: 1_000,
      clock,
      run: ({ client: c }) => {
        kept = c;
        assert.throws(() => c.close(), (e: unknown) => isGunRelayError(e) && e.code === 'INVALID_INPUT');
      },
    });
    assert.equal((await loop.trigger()).outcome, 'ok');
    assert.equal(client.isClosed, false);
    await assert.rejects(kept!.get('syncloop0001:late'), (e: unknown) => isGunRelayError(e) && e.code === 'ABORTED');
    assert.equal(await client.get('syncloop0001:late2'), null, 'the client itself still works');
    client.close();
  });
});

describe('SyncLoop and the clock it is given', () => {
  it('reports epoch times from the clock (ManualClock: deterministic), not Date.now()', async () => {
    const clock = new ManualClock();
    const loop = loopOf(clock, () => 'ok');
    const report = await loop.trigger();
    assert.equal(report.startedAt, clock.wallNow());
    await clock.advance(250);
    assert.equal(loop.health().lastSuccessAt, clock.wallNow() - 250);
  });

  it('accepts a clock without setTimer (written before 0.2): the system timer schedules, unref\'d', async () => {
    const clock = { now: () => performance.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
    const client = new GunRelayClient({ baseUrl: 'http://127.0.0.1:9', retry: false, clock });
    let runs = 0;
    const loop = new SyncLoop({ name: 'old-clock', client, intervalMs: 10, cycleTimeoutMs: 1_000, clock, run: () => ++runs });
    loop.start();
    const deadline = Date.now() + 5_000;
    while (runs < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await loop.stop({ drain: true });
    client.close();
    assert.ok(runs >= 2, `the loop scheduled a second cycle with the fallback timer (runs: ${runs})`);
  });
});
