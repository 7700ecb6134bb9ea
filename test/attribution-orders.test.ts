import assert from 'node:assert/strict';
import diagnostics_channel from 'node:diagnostics_channel';
import { after, afterEach, before, describe, it } from 'node:test';
import { DIAGNOSTIC_CHANNELS, GunRelayClient, ManualClock, type ClassifierErrorEvent, type FailureEvent } from '../src/index.js';
import { startFaultServer, startLocalRelay, startOipProxy, type LocalRelay, type OipProxy } from '../src/testing/index.js';
import { outcome } from './helpers/clock.js';

/** GUN's own refusal message (a 500 the relay answers when gun refuses the data). */
const GUN_ERROR = { error: 'Data at root of graph must be a node (an object).' };
const MINUTE = 60_000;

type Op = 'put' | 'delete';

/**
 * The attribution rule in the orders real sync cycles produce, against the real gun behind the
 * local relay's fault hooks, reached directly and through the OIP proxy, on an injected clock.
 */
for (const via of ['direct', 'oip-proxy'] as const) {
  describe(`attribution orders, ${via} (real gun, injected clock)`, () => {
    let relay: LocalRelay;
    let proxy: OipProxy | undefined;
    const clients: GunRelayClient[] = [];

    before(async () => {
      relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 50, requestLogSize: 2_000 });
      if (via === 'oip-proxy') proxy = await startOipProxy({ target: relay.url, getTimeoutMs: 2_000, putTimeoutMs: 2_000 });
    });
    after(async () => {
      for (const c of clients) c.close();
      await proxy?.close();
      await relay.close();
    });
    afterEach(() => relay.clearFaults());

    function client(clock: ManualClock, extra: Record<string, unknown> = {}): GunRelayClient {
      const baseUrl = proxy ? [{ url: proxy.url, kind: 'oip-proxy' as const }] : relay.url;
      const c = new GunRelayClient({ baseUrl, clock, retry: false, ...extra });
      clients.push(c);
      return c;
    }

    /**
     * One write of `op` (a delete with known keys is one request); resolves its outcome or error
     * code. A put writes the same data every cycle, as a worker copying one record does (a put is
     * quarantined per write).
     */
    async function write(c: GunRelayClient, op: Op, soul: string, _cycle: number): Promise<string> {
      const r = await outcome<{ outcome: string }>(op === 'put' ? c.put(soul, { n: 1 }) : c.delete(soul, { keys: ['n'] }));
      return r.ok ? r.value.outcome : r.code;
    }

    const sentFor = (soul: string): number => relay.log.filter((r) => r.soul === soul).length;

    function watch(c: GunRelayClient, soul: string): Array<FailureEvent['counted']> {
      const seen: Array<FailureEvent['counted']> = [];
      c.on('failure', (e) => e.soul === soul && seen.push(e.counted));
      return seen;
    }

    for (const op of ['put', 'delete'] as const) {
      it(`${op}: a poisoned soul touched first in every cycle (cycles 5 minutes apart) is skipped from the 4th cycle`, async () => {
        const clock = new ManualClock(1_000);
        const c = client(clock);
        const bad = `${via}:${op}:first:bad`;
        relay.fault(bad, { status: 500, body: GUN_ERROR, path: '/put' });
        const seen = watch(c, bad);
        const outcomes: string[] = [];
        const failures: number[] = [];
        for (let cycle = 1; cycle <= 6; cycle++) {
          outcomes.push(await write(c, op, bad, cycle));
          // Held until the relay takes another soul's write of the same kind.
          if (cycle <= 3) assert.equal(c.stats().pendingRefusals, 1, `cycle ${cycle}: the refusal waits for evidence`);
          for (let i = 0; i < 3; i++) assert.notEqual(await write(c, op, `${via}:${op}:first:good${i}`, cycle), 'SOUL_REJECTED');
          failures.push(c.exportLedger().entries.find((e) => e.soul.startsWith(bad))?.failures ?? 0);
          await clock.advance(5 * MINUTE);
        }
        assert.deepEqual(outcomes, ['SOUL_REJECTED', 'SOUL_REJECTED', 'SOUL_REJECTED', 'skipped', 'skipped', 'skipped']);
        assert.deepEqual(failures, [1, 2, 3, 3, 3, 3]);
        assert.deepEqual(seen, ['pending', 'pending', 'pending']);
        assert.equal(sentFor(bad), 3, 'three refusals sent, then skipped without a request');
        assert.equal(c.stats().pendingRefusals, 0);
      });
    }

    it('put: a refusal between successes counts at the next success; skipped from the 4th cycle', async () => {
      const clock = new ManualClock(1_000);
      const c = client(clock);
      const bad = `${via}:between:bad`;
      relay.fault(bad, { status: 500, body: GUN_ERROR, path: '/put' });
      const outcomes: string[] = [];
      for (let cycle = 1; cycle <= 5; cycle++) {
        await write(c, 'put', `${via}:between:a`, cycle);
        outcomes.push(await write(c, 'put', bad, cycle));
        await write(c, 'put', `${via}:between:b`, cycle);
        await clock.advance(5 * MINUTE);
      }
      assert.deepEqual(outcomes, ['SOUL_REJECTED', 'SOUL_REJECTED', 'SOUL_REJECTED', 'skipped', 'skipped']);
    });

    it('put: a refusal after the cycle\'s successes counts at the next cycle\'s first success within the window, never past it', async () => {
      const clock = new ManualClock(1_000);
      const c = client(clock);
      const bad = `${via}:after:bad`;
      relay.fault(bad, { status: 500, body: GUN_ERROR, path: '/put' });
      const outcomes: string[] = [];
      // Cycles 30 s apart: the next cycle's first write is the evidence.
      for (let cycle = 1; cycle <= 5; cycle++) {
        await write(c, 'put', `${via}:after:good`, cycle);
        outcomes.push(await write(c, 'put', bad, cycle));
        await clock.advance(30_000);
      }
      assert.deepEqual(outcomes, ['SOUL_REJECTED', 'SOUL_REJECTED', 'SOUL_REJECTED', 'skipped', 'skipped']);

      // Cycles 5 minutes apart: a refusal that is always the relay's last write never gains evidence.
      const slowClock = new ManualClock(1_000);
      const d = client(slowClock);
      const late = `${via}:after:late`;
      relay.fault(late, { status: 500, body: GUN_ERROR, path: '/put' });
      const lateOutcomes: string[] = [];
      for (let cycle = 1; cycle <= 5; cycle++) {
        await write(d, 'put', `${via}:after:good2`, cycle);
        lateOutcomes.push(await write(d, 'put', late, cycle));
        await slowClock.advance(5 * MINUTE);
      }
      assert.deepEqual(lateOutcomes, Array(5).fill('SOUL_REJECTED'));
      assert.equal(d.stats().trackedSouls, 0);
      assert.equal(d.stats().pendingRefusals, 0, 'expired refusals are dropped uncounted');
    });

    it('an outage beginning mid-traffic (earlier successes, then every write refused, each retried 3 times in 60 s) quarantines nobody', async () => {
      const clock = new ManualClock(1_000);
      const c = client(clock);
      const counted: FailureEvent[] = [];
      c.on('failure', (e) => e.counted === true && counted.push(e));
      for (let i = 0; i < 10; i++) assert.equal(await write(c, 'put', `${via}:outage:ok${i}`, i), 'written');
      relay.fault('*', { status: 500, body: GUN_ERROR, path: '/put' }); // the relay's disk fails
      for (let attempt = 0; attempt < 3; attempt++) {
        for (let i = 0; i < 20; i++) {
          assert.equal(await write(c, 'put', `${via}:outage:p${i}`, attempt), 'SOUL_REJECTED');
          assert.equal(await write(c, 'delete', `${via}:outage:d${i}`, attempt), 'SOUL_REJECTED');
        }
        await clock.advance(20_000);
      }
      assert.equal(counted.length, 0);
      assert.equal(c.quarantined().length, 0);
      assert.equal(c.stats().trackedSouls, 0);
      assert.equal(c.stats().pendingRefusals, 40, 'one held refusal per soul and kind: repeats replace it');
      // The disk comes back within the window: each soul gains at most one failure, nobody is quarantined.
      relay.clearFaults();
      assert.equal(await write(c, 'put', `${via}:outage:back`, 0), 'written');
      assert.equal(await write(c, 'delete', `${via}:outage:back`, 0), 'deleted');
      assert.equal(c.quarantined().length, 0);
      assert.ok(c.exportLedger().entries.every((e) => e.failures === 1));
      assert.equal(c.stats().pendingRefusals, 0);
    });

    it('a relay refusing one write shape only (every tombstone) quarantines no delete, while its puts go on', async () => {
      const clock = new ManualClock(1_000);
      const c = client(clock);
      const tombstones = (body: unknown): boolean => Object.values((body as { data?: Record<string, unknown> }).data ?? {}).includes(null);
      relay.fault('*', { status: 500, body: GUN_ERROR, path: '/put', matchBody: tombstones });
      const outcomes: string[] = [];
      for (let cycle = 1; cycle <= 5; cycle++) {
        for (let i = 0; i < 3; i++) {
          outcomes.push(await write(c, 'delete', `${via}:shape:d${i}`, cycle));
          assert.equal(await write(c, 'put', `${via}:shape:p${i}`, cycle), 'written');
        }
        await clock.advance(5 * MINUTE);
      }
      assert.deepEqual(new Set(outcomes), new Set(['SOUL_REJECTED']));
      assert.equal(c.quarantined().length, 0, 'no other delete was accepted: the refusals are the relay\'s');
    });

    it('concurrent requests: a refusal answered before another soul\'s success counts; 8 in flight', async () => {
      const clock = new ManualClock(1_000);
      const c = client(clock, { maxInFlight: 8 });
      const bad = `${via}:concurrent:bad`;
      relay.fault(bad, { status: 500, body: GUN_ERROR, path: '/put' });
      for (let cycle = 1; cycle <= 4; cycle++) {
        const done = await Promise.all([write(c, 'put', bad, cycle), ...Array.from({ length: 7 }, (_, i) => write(c, 'put', `${via}:concurrent:g${i}`, cycle))]);
        // Whatever the order the answers arrived in, a success followed the refusal: it counted or is held.
        assert.equal(done[0], cycle <= 3 ? 'SOUL_REJECTED' : 'skipped');
        await write(c, 'put', `${via}:concurrent:after`, cycle);
        await clock.advance(5 * MINUTE);
      }
    });

    it('countReadFailures: an oversized 2xx read counts once another soul\'s read is answered; a coalesced read counts once', async () => {
      const clock = new ManualClock(1_000);
      const c = client(clock, { countReadFailures: true, maxContentLength: 4_096 });
      const big = `${via}:read:big`;
      assert.equal(await write(c, 'put', big, 0), 'written');
      await c.put(big, { pad: 'x'.repeat(8_000) });
      for (let round = 1; round <= 4; round++) {
        const reads = await Promise.all([1, 2, 3].map(() => outcome(c.get(big))));
        assert.deepEqual(reads.map((r) => (r.ok ? 'ok' : r.code)), Array(3).fill(round <= 3 ? 'RESPONSE_TOO_LARGE' : 'SKIPPED'));
        await c.get(`${via}:read:other`);
        await clock.advance(5 * MINUTE);
      }
      assert.equal(c.exportLedger().entries.find((e) => e.op === 'get')?.failures, 3, 'three requests, three failures: not nine');
    });
  });
}

describe('reads and classify hooks, behind fault servers', () => {
  it('3 concurrent readers sharing a relay that answers oversized 503 pages quarantine nobody', async () => {
    const server = await startFaultServer({ status: 503, body: 'x'.repeat(64 * 1024) });
    const clock = new ManualClock(1_000);
    const c = new GunRelayClient({ baseUrl: server.url, clock, retry: false, breaker: false, countReadFailures: true, maxContentLength: 4_096, coalesceReads: false });
    try {
      const counted: FailureEvent[] = [];
      c.on('failure', (e) => e.counted !== false && counted.push(e));
      for (let round = 0; round < 3; round++) {
        const reads = await Promise.all(['a:1', 'a:1', 'b:2'].map((s) => outcome(c.get(s))));
        assert.deepEqual(reads.map((r) => !r.ok && r.code), Array(3).fill('RESPONSE_TOO_LARGE'));
      }
      assert.equal(counted.length, 0, 'an oversized error page is the relay\'s, never the soul\'s');
      assert.equal(c.quarantined().length, 0);
    } finally {
      c.close();
      await server.close();
    }
  });

  it('a classify hook that throws or answers nonsense: the profile\'s verdict, the same code, an event and a trace; breaker and health() untouched', async () => {
    const relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 50 });
    const clock = new ManualClock(1_000);
    let calls = 0;
    const classify = (): never => {
      calls++;
      if (calls % 2 === 0) return 'maybe' as never;
      throw new Error('classifier bug');
    };
    const c = new GunRelayClient({ baseUrl: [{ url: relay.url, classify }], clock, retry: { retries: 2, baseDelayMs: 0 } });
    const traced: unknown[] = [];
    const onTrace = (m: unknown): void => void traced.push(m);
    diagnostics_channel.subscribe(DIAGNOSTIC_CHANNELS.classifier, onTrace);
    try {
      const events: ClassifierErrorEvent[] = [];
      c.on('classifierError', (e) => events.push(e));
      const bad = 'classify:bad';
      relay.fault(bad, { status: 500, body: GUN_ERROR, path: '/put' });
      const outcomes: string[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await outcome(c.put(bad, { a: 1 }));
        outcomes.push(r.ok ? r.value.outcome : r.code);
        await c.put(`classify:good${i}`, { i });
      }
      assert.deepEqual(outcomes, ['SOUL_REJECTED', 'SOUL_REJECTED', 'SOUL_REJECTED', 'skipped'], 'GUN\'s refusal keeps its code and counts');
      assert.ok(events.length >= 3);
      assert.deepEqual(new Set(events.map((e) => e.problem)), new Set(['threw', 'unknown-verdict']));
      assert.equal(events[0]!.relay, relay.url);
      assert.equal(events[0]!.status, 500);
      assert.equal(traced.length, events.length, 'each one is also published on the diagnostics channel');
      assert.equal(c.stats().breakers[relay.url], 'closed');
      relay.fault('*', { status: 500, body: { error: 'boom' }, path: '/peers/status' });
      const health = await c.health();
      assert.equal(health[0]!.ok, false);
      assert.equal(health[0]!.error, 'RELAY_ERROR', 'health() reports a code, never the hook\'s raw error');
    } finally {
      diagnostics_channel.unsubscribe(DIAGNOSTIC_CHANNELS.classifier, onTrace);
      c.close();
      await relay.close();
    }
  });
});
