/**
 * The lease rules of SyncLoop on an injected clock: a cycle whose lease may have lapsed sends
 * nothing more (judged on the loop's clock before any extension answer), each grant carries a
 * fencing token, a standby replica is healthy, an unreachable store is not "another holder",
 * and a fleet rests one interval after each cycle (one cycle per interval in all).
 * Requests go to a real loopback fault server; the lease stores are MemoryLeaseStore (Redis
 * versions: test/redis-stores.test.ts, processes: test/fleet-processes.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AxiosTransport, GunRelayClient, isGunRelayError, ManualClock, MemoryLeaseStore, SyncLoop, type Clock, type CycleReport, type LeaseStore, type SyncLoopOptions } from '../src/index.js';
import { startFaultServer, type FaultServer } from '../src/testing/index.js';

/** A promise with its resolve function exposed. */
function gate<T = void>(): { promise: Promise<T>; open: (v: T) => void } {
  let open!: (v: T) => void;
  const promise = new Promise<T>((r) => (open = r));
  return { promise, open };
}

/**
 * A manual clock whose `now()` can jump without running any timer: what a process sees when it
 * is resumed after a pause (SIGSTOP, a long GC) and its code runs before its timers do.
 */
function pausableClock(): { clock: Clock; base: ManualClock; jump(ms: number): void } {
  const base = new ManualClock();
  let skew = 0;
  const clock: Clock = {
    now: () => base.now() + skew,
    wallNow: () => base.wallNow() + skew,
    sleep: (ms, signal) => base.sleep(ms, signal),
    setTimer: (ms, fn) => base.setTimer(ms, fn),
  };
  return { clock, base, jump: (ms) => (skew += ms) };
}

async function until(check: () => boolean, ms = 5_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`${what} not reached within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('SyncLoop lease safety (injected clock)', () => {
  let relay: FaultServer;
  const clients: GunRelayClient[] = [];
  before(async () => {
    relay = await startFaultServer();
  });
  after(async () => {
    for (const c of clients) c.close();
    await relay.close();
  });

  function client(over: Record<string, unknown> = {}): GunRelayClient {
    const c = new GunRelayClient({ baseUrl: relay.url, retry: false, breaker: false, ...over });
    clients.push(c);
    return c;
  }

  function loop<R>(opts: Partial<SyncLoopOptions<R>> & Pick<SyncLoopOptions<R>, 'run' | 'clock'>): SyncLoop<R> {
    return new SyncLoop<R>({ name: 'job', client: client(), intervalMs: 1_000, cycleTimeoutMs: 3_000, leaseTtlMs: 3_300, ...opts });
  }

  it('a resumed holder past its lease deadline sends no further request, before any timer or extension answer', async () => {
    const { clock, base, jump } = pausableClock();
    const store = new MemoryLeaseStore({ clock: base });
    const resumed = gate();
    const l = loop({
      clock,
      lease: store,
      holder: 'a',
      run: async (cycle) => {
        await cycle.client.put('lease:first', { n: 1 });
        await resumed.promise;
        await cycle.client.put('lease:second', { n: 2 });
      },
    });
    relay.reset();
    const done = l.trigger();
    await until(() => relay.requestCount === 1, 5_000, 'the first put');
    jump(3_300); // paused past the TTL: no timer has run, no extension was asked
    resumed.open();
    const report = await done;
    assert.equal(relay.requestCount, 1, 'the second put was never sent');
    assert.equal(report.outcome, 'leaseLost');
    assert.match(report.error?.message ?? '', /lease lost \(no extension was confirmed within the lease TTL/);
  });

  it('a request waiting in backoff checks the lease again before its retry is sent', async () => {
    const { clock, base, jump } = pausableClock();
    const store = new MemoryLeaseStore({ clock: base });
    relay.reset();
    relay.enqueue({ status: 503, body: { error: 'busy' } });
    const retrying = client({ clock, retry: { retries: 3, baseDelayMs: 100, maxDelayMs: 100 }, random: () => 0.999 });
    let failure: unknown;
    const l = new SyncLoop({
      name: 'job',
      client: retrying,
      clock,
      intervalMs: 1_000,
      cycleTimeoutMs: 3_000,
      leaseTtlMs: 3_300,
      lease: store,
      holder: 'a',
      run: (cycle) => cycle.client.put('lease:retried', { n: 1 }).catch((e: unknown) => void (failure = e)),
    });
    const done = l.trigger();
    // The loop's own timers (≥ 1 s) are pending from the start; the backoff is the sleep due within 100 ms.
    const backingOff = (): boolean => base.wakeTimes.some((t) => t <= base.now() + 100);
    await until(() => relay.requestCount === 1 && backingOff(), 5_000, 'the first attempt failed and backs off');
    jump(3_300);
    await base.advance(100); // the backoff ends; the deadline's own timer is still 3.1 s away on the base clock
    const report = await done;
    assert.equal(relay.requestCount, 1, 'the retry was not sent');
    assert.equal(report.outcome, 'leaseLost');
    assert.match(String((failure as Error | undefined)?.message), /not sent: .*lease lost/);
  });

  it('each grant carries a larger fencing token: in the cycle, its report and health', async () => {
    const base = new ManualClock();
    const store = new MemoryLeaseStore({ clock: base });
    const seen: Array<number | undefined> = [];
    const l = loop({ clock: base, lease: store, holder: 'a', run: (cycle) => void seen.push(cycle.leaseToken) });
    const first = await l.trigger();
    await base.advance(1_000);
    const second = await l.trigger();
    assert.deepEqual(seen, [1, 2]);
    assert.equal(first.lease?.token, 1);
    assert.equal(second.lease?.token, 2);
    assert.equal(l.health().leaseToken, 2);
  });

  it('a standby replica stays healthy (`standby`) however long another holder keeps the lease', async () => {
    const base = new ManualClock();
    const store = new MemoryLeaseStore({ clock: base });
    await store.acquire('job', 'holder-elsewhere', 600_000);
    const l = loop({ clock: base, lease: store, holder: 'b', run: () => undefined });
    l.start();
    for (let i = 0; i < 10; i++) await base.advance(1_000); // 5 × staleAfterMs
    const h = l.health();
    assert.equal(h.status, 'standby');
    assert.equal(h.healthy, true);
    assert.match(h.reasons[0]!, /another holder \(holder-elsewhere\) has the lease/);
    assert.equal(h.consecutiveFailures, 0);
    await l.stop();
  });

  it('a lease store that cannot be reached is not "another holder": leaseUnavailable with LEASE_STORE_UNREACHABLE, health not standby', async () => {
    const base = new ManualClock();
    const broken: LeaseStore = {
      acquire: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1\u0007')),
      extend: async () => false,
      release: async () => false,
    };
    const l = loop({ clock: base, lease: broken, holder: 'b', run: () => undefined });
    const reports: CycleReport[] = [];
    l.on('cycle', (r) => reports.push(r));
    l.start();
    for (let i = 0; i < 3; i++) await base.advance(1_000);
    assert.ok(reports.length >= 3);
    const last = reports.at(-1)!;
    assert.equal(last.outcome, 'leaseUnavailable');
    assert.equal(last.lease?.refused, 'unreachable');
    assert.equal(last.error?.code, 'LEASE_STORE_UNREACHABLE');
    assert.ok(!/[\u0000-\u001f]/.test(last.error!.message));
    const h = l.health();
    assert.notEqual(h.status, 'standby');
    assert.ok(h.reasons.some((r) => /lease store is unreachable/.test(r)), h.reasons.join(' | '));
    assert.ok(!h.reasons.some((r) => /another holder/.test(r)));
    await base.advance(2_000);
    assert.equal(l.health().status, 'stale', 'a fleet that cannot be granted the lease is not syncing');
    await l.stop();
  });

  it('W loops sharing a lease run one cycle per interval in all: the fleet rests an interval after each cycle', async () => {
    const base = new ManualClock();
    const store = new MemoryLeaseStore({ clock: base });
    const starts: Array<{ who: number; at: number }> = [];
    const ends: number[] = [];
    const loops = [0, 1, 2].map((who) =>
      loop({
        clock: base,
        lease: store,
        holder: `w${who}`,
        jitter: 0.5,
        random: () => (who * 0.37) % 1,
        run: async () => {
          starts.push({ who, at: base.now() });
          await base.sleep(50);
          ends.push(base.now());
        },
      }),
    );
    for (const l of loops) l.start();
    for (let i = 0; i < 200; i++) await base.advance(50); // 10 s
    for (const l of loops) await l.stop({ drain: false });
    assert.ok(starts.length >= 6 && starts.length <= 11, `${starts.length} cycles in 10 s at a 1 s interval`);
    for (let i = 1; i < starts.length; i++) {
      assert.ok(starts[i]!.at - ends[i - 1]! >= 900, `cycle ${i} started ${starts[i]!.at - ends[i - 1]!} ms after the last ended`);
    }
  });
});

describe('the gate at the socket: a pause between the pool\'s check and the wire sends nothing', () => {
  let server: FaultServer;
  before(async () => {
    server = await startFaultServer({ status: 503 });
  });
  after(async () => {
    await server.close();
  });

  it('an attempt whose gate gives a reason as it is handed to the socket is ABORTED, nothing sent; a retry is asked again', async () => {
    const transport = new AxiosTransport({ maxSockets: 1, maxContentLength: 1 << 20, maxBodyLength: 1 << 20 });
    const body = '{"soul":"s","data":{"a":1}}';
    server.reset();
    const shut = await transport.send({ baseUrl: server.url, method: 'POST', path: '/put', body, timeoutMs: 5_000, op: 'put', soul: 's', gate: () => 'the lease may have lapsed' }).catch((e: unknown) => e);
    assert.ok(isGunRelayError(shut) && shut.code === 'ABORTED', String(shut));
    assert.match(shut.message, /^put: not sent: the lease may have lapsed$/);
    assert.equal(server.requestCount, 0, 'nothing reached the relay');

    // The first attempt passes the gate and is answered 503; the retry finds the gate shut.
    let asked = 0;
    const retry = { retries: 3, shouldRetry: () => true, beforeRetry: async () => undefined };
    const second = await transport
      .send({ baseUrl: server.url, method: 'POST', path: '/put', body, timeoutMs: 5_000, op: 'put', soul: 's', retry, gate: () => (++asked > 1 ? 'lapsed' : undefined) })
      .catch((e: unknown) => e);
    transport.close();
    assert.ok(isGunRelayError(second) && second.code === 'ABORTED', String(second));
    assert.equal(asked, 2, 'asked once per attempt');
    assert.equal(server.requestCount, 1, 'only the attempt that passed was sent');
  });
});
