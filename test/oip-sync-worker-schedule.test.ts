/**
 * OipSyncWorker's own scheduling, on a manual clock against the real gun: start() runs cycle 1
 * at once, the next exactly `intervalMs` after its end (not a millisecond before), and stop()
 * during a cycle drains it, schedules nothing further and resolves. No real sleeps: the cycle is
 * held open by an onCopied hook the test releases.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GunRelayClient, ManualClock } from '../src/index.js';
import { OIP_RECORD_TYPES, OipSyncWorker, type OipSyncCycleReport } from '../src/oip/index.js';
import { startLocalRelays, type LocalRelay, type LocalRelayGroup } from '../src/testing/index.js';
import { publish, type PeerState } from '../examples/lib/oipFixture.js';

const INTERVAL = 60_000;
const TYPES = OIP_RECORD_TYPES.slice(0, 2);

/** Resolves when `check()` holds; polls on real time, bounded (the relays answer in real time). */
async function until(what: string, check: () => boolean, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${limitMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Lets pending I/O callbacks and microtasks run, without moving the manual clock. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

describe('OipSyncWorker start()/stop() scheduling on a manual clock (real gun)', () => {
  let group: LocalRelayGroup;
  let local: LocalRelay;
  let peer: LocalRelay;
  let seeder: GunRelayClient;
  const state: PeerState = { records: new Map(), deleted: new Set() };

  before(async () => {
    group = await startLocalRelays(2, { putDelayMs: 0, missWaitMs: 200, writeBatchMs: 20 });
    [local, peer] = group.relays as [LocalRelay, LocalRelay];
    seeder = new GunRelayClient({ baseUrl: peer.url });
    await publish(seeder, state, 2, 1);
  });
  after(async () => {
    seeder.close();
    await group.close();
  });

  it('cycle 1 at start, the next intervalMs after its end (not before); stop() mid-cycle drains it and schedules nothing', async () => {
    const clock = new ManualClock(0);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    let held = 0;
    const worker = new OipSyncWorker({
      peers: [peer.url],
      local: local.url,
      recordTypes: TYPES,
      clock,
      intervalMs: INTERVAL,
      cycleTimeoutMs: 10 * INTERVAL,
      random: () => 0,
      clientOptions: { retry: false },
      // Cycle 2's copy waits here until the test releases it.
      onCopied: async () => {
        if (worker.isRunning && starts.length === 2) {
          held++;
          await gate;
        }
      },
    });
    const starts: Array<{ number: number; at: number }> = [];
    const reports: OipSyncCycleReport[] = [];
    worker.on('cycleStart', (e) => starts.push({ number: e.number, at: clock.now() }));
    worker.on('cycle', (r) => reports.push(r));
    try {
      worker.start();
      assert.deepEqual(starts, [{ number: 1, at: 0 }], 'cycle 1 starts within start()');
      await until('cycle 1 ends', () => reports.length === 1);
      assert.equal(reports[0]!.outcome, 'ok', JSON.stringify(reports[0]));
      assert.equal(reports[0]!.totals.copied, 2);
      assert.equal(clock.now(), 0, 'nothing moved the clock');
      assert.ok(clock.wakeTimes.includes(INTERVAL), `the next cycle is due at ${INTERVAL}: ${clock.wakeTimes.join(',')}`);
      worker.start(); // idempotent: no second cycle, no second timer
      assert.equal(starts.length, 1);
      assert.equal(clock.wakeTimes.filter((t) => t === INTERVAL).length, 1);

      await clock.advance(INTERVAL - 1);
      await settle();
      assert.equal(starts.length, 1, 'not a millisecond before intervalMs');

      await publish(seeder, state, 1, 1); // something for cycle 2 to copy, so its hook can hold it
      await clock.advance(1);
      assert.deepEqual(starts[1], { number: 2, at: INTERVAL });
      await until('cycle 2 reaches its hook', () => held === 1);
      assert.equal(worker.isRunning, true);

      let stopped = false;
      const stopping = worker.stop().then(() => (stopped = true));
      await settle();
      assert.equal(stopped, false, 'stop() waits for the running cycle (drain)');
      const pendingNextCycle = clock.wakeTimes.filter((t) => t === 2 * INTERVAL);
      assert.deepEqual(pendingNextCycle, [], 'no next cycle is scheduled while draining');

      release();
      await stopping;
      assert.equal(stopped, true);
      assert.equal(worker.isRunning, false);
      assert.equal(worker.health().status, 'stopped');
      assert.equal(reports.length, 2);
      assert.equal(reports[1]!.outcome, 'ok', 'the drained cycle finished its work');
      assert.equal(reports[1]!.totals.copied, 1);
      assert.deepEqual(clock.wakeTimes, [], 'nothing left on the clock: no cycle timer, no drain bound');

      await clock.advance(5 * INTERVAL);
      await settle();
      assert.equal(starts.length, 2, 'stopped: no cycle after intervalMs, or five of them');
      assert.equal(reports.length, 2);
    } finally {
      release();
      await worker.close();
    }
  });
});
