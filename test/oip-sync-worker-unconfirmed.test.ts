/**
 * OipSyncWorker against a peer that serves its type index whole only to its first reader, then
 * 404 for a while (the production relay on a large index; the local relay's `firstReaderOnly`
 * fault, on the worker's manual clock). The 404 outlasting the read guard's re-reads is not taken
 * as "the peer has no index": the cycle is `ok`, the peer is not down, the type's index is
 * `failed` and the cycle report's `indexFailures` names it (`UNCONFIRMED_MISS`); the entries read
 * before are still used, and the next cycle after the spell reads the index whole again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GunRelayClient, ManualClock } from '../src/index.js';
import { OipSyncWorker, registryIndexSoul, type OipSyncCycleReport } from '../src/oip/index.js';
import { startLocalRelays, type LocalRelay, type LocalRelayGroup } from '../src/testing/index.js';
import { RECORD_TYPES, publish, type PeerState } from '../examples/lib/oipFixture.js';

const TYPE = RECORD_TYPES[0]!;
const WINDOW = 4_000;

/**
 * Settles `p`, advancing the manual clock 500 ms whenever something besides the cycle's deadline
 * sleeps on it (a re-read's pause). Bounded in real time.
 */
async function drive<T>(clock: ManualClock, p: Promise<T>): Promise<T> {
  let settled = false;
  const done = p.finally(() => (settled = true));
  done.catch(() => undefined);
  const deadline = Date.now() + 30_000;
  while (!settled) {
    if (Date.now() > deadline) throw new Error('not settled within 30 s');
    if (clock.pendingSleeps > 1) await clock.advance(500);
    else await new Promise((r) => setTimeout(r, 2));
  }
  return done;
}

describe('OipSyncWorker: a peer index answered "Not found" past the re-reads (firstReaderOnly, real gun)', () => {
  let group: LocalRelayGroup;
  let local: LocalRelay;
  let peer: LocalRelay;
  let seeder: GunRelayClient;
  const state: PeerState = { records: new Map(), deleted: new Set() };

  before(async () => {
    group = await startLocalRelays(2, { putDelayMs: 0, missWaitMs: 200, writeBatchMs: 20 });
    [local, peer] = group.relays as [LocalRelay, LocalRelay];
    seeder = new GunRelayClient({ baseUrl: peer.url });
    await publish(seeder, state, 3, 1);
  });
  after(async () => {
    seeder.close();
    await group.close();
  });

  it('cycle report: index failed with UNCONFIRMED_MISS in indexFailures, peer not down, entries kept; whole again after the spell', async () => {
    const clock = new ManualClock(0);
    const worker = new OipSyncWorker({ peers: [peer.url], local: local.url, recordTypes: [TYPE], clock, random: () => 0, clientOptions: { retry: false } });
    const soul = registryIndexSoul(TYPE);
    peer.fault(soul, { firstReaderOnly: { missForMs: WINDOW, clock } });
    try {
      const first = await drive(clock, worker.runOnce());
      assert.equal(first.outcome, 'ok', JSON.stringify(first));
      assert.equal(first.peers[0]!.types[TYPE]!.index, 'found');
      assert.equal(first.totals.copied, 3);
      assert.deepEqual(first.indexFailures, []);

      const second: OipSyncCycleReport = await drive(clock, worker.runOnce());
      assert.equal(second.outcome, 'ok', JSON.stringify(second));
      assert.equal(second.peers[0]!.error, undefined, 'the peer answered: not a relay-level failure');
      assert.equal(second.peers[0]!.types[TYPE]!.index, 'failed');
      assert.deepEqual(
        second.indexFailures.map((f) => [f.peer, f.soul, f.type, f.code]),
        [[peer.url, soul, TYPE, 'UNCONFIRMED_MISS']],
      );
      const report = second.peers[0]!.types[TYPE]!;
      assert.deepEqual([report.entries, report.present, report.copied, report.skipped], [3, 3, 0, {}], 'the entries read before, all held locally');
      assert.ok(clock.now() < WINDOW, 'still within the spell');

      await clock.advance(WINDOW);
      const third = await drive(clock, worker.runOnce());
      assert.equal(third.peers[0]!.types[TYPE]!.index, 'found');
      assert.deepEqual(third.indexFailures, []);
    } finally {
      await worker.close();
    }
  });
});
