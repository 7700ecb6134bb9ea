/**
 * The worker's index re-reads at production cadence: at the 300 s and 900 s intervals, over many
 * cycles on an injected clock, no cycle sends more requests than the indexer's GunSyncService
 * (one read per record type per peer: 37 here, the topology of the measurement: 60 records over
 * 10 types), counted at the servers; the peer's never-written indexes are re-checked in one
 * concurrent batch (the relay's wait for a miss paid once per cycle, not once per index).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GunRelayClient, ManualClock } from '../src/index.js';
import { OIP_RECORD_TYPES, OipSyncWorker, type OipSyncWorkerOptions } from '../src/oip/index.js';
import { startLocalRelays, startOipProxy, type LocalRelay, type LocalRelayGroup, type OipProxy } from '../src/testing/index.js';
import { publish, type PeerState } from '../examples/lib/oipFixture.js';

const MISS_WAIT_MS = 1_000;
const ORIGINAL_PER_CYCLE = OIP_RECORD_TYPES.length; // GunSyncService: every type index of the peer, every cycle

/** A seeded PRNG, so the jitter is the same in every run. */
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface CycleCount {
  number: number;
  /** Requests the proxy and the local relay received during the cycle. */
  atServers: number;
  /** What the cycle report says. */
  reported: number;
  indexReads: number;
  /** Arrival spread (ms) of the peer relay's 404s for type indexes in the cycle; 0 for fewer than two. */
  missSpreadMs: number;
  misses: number;
}

describe('OipSyncWorker: requests per cycle at production cadence (injected clock, real gun behind the OIP proxy)', () => {
  let group: LocalRelayGroup;
  let peerRelay: LocalRelay;
  let proxy: OipProxy;
  let locals: LocalRelay[] = [];

  before(async () => {
    group = await startLocalRelays(4, { putDelayMs: 0, missWaitMs: MISS_WAIT_MS, writeBatchMs: 20, requestLogSize: 2_000 });
    [peerRelay, ...locals] = group.relays as [LocalRelay, ...LocalRelay[]];
    proxy = await startOipProxy({ target: peerRelay!.url, requestLogSize: 2_000 });
    const seeder = new GunRelayClient({ baseUrl: peerRelay!.url });
    const state: PeerState = { records: new Map(), deleted: new Set() };
    await publish(seeder, state, 60, 10);
    seeder.close();
  });
  after(async () => {
    await proxy.close();
    await group.close();
  });

  /** Runs `cycles` cycles `intervalMs` apart on a manual clock; counts each at the servers. */
  async function cyclesAt(local: LocalRelay, intervalMs: number, cycles: number, extra: Partial<OipSyncWorkerOptions> = {}): Promise<{ counts: CycleCount[]; reread: Set<string> }> {
    const clock = new ManualClock();
    const worker = new OipSyncWorker({ peers: [proxy.url], local: local.url, nodeId: 'budget-node', clock, random: mulberry32(7), intervalMs, clientOptions: { retry: false }, ...extra });
    const counts: CycleCount[] = [];
    const reread = new Set<string>();
    try {
      for (let n = 1; n <= cycles; n++) {
        proxy.resetCounters();
        local.resetCounters();
        peerRelay.resetCounters();
        const report = await worker.runOnce();
        assert.equal(report.outcome, 'ok', JSON.stringify(report.error));
        const misses = peerRelay.log.filter((r) => r.path === '/get' && r.status === 404 && r.soul?.startsWith('oip:registry:index:')).map((r) => r.at);
        counts.push({
          number: n,
          atServers: proxy.requestCount + local.requestCount,
          reported: report.requests,
          indexReads: report.indexReads,
          missSpreadMs: misses.length > 1 ? Math.max(...misses) - Math.min(...misses) : 0,
          misses: misses.length,
        });
        if (n > 1) {
          for (const r of proxy.log) if (r.soul?.startsWith('oip:')) reread.add(`peer ${r.soul}`);
          for (const r of local.log) if (r.path === '/get' && r.soul?.startsWith('oip:')) reread.add(`local ${r.soul}`);
        }
        await clock.advance(intervalMs);
      }
    } finally {
      await worker.close();
    }
    return { counts, reread };
  }

  for (const [intervalMs, cycles, localIndex] of [[300_000, 16, 0], [900_000, 10, 1]] as const) {
    it(`${intervalMs / 1000} s interval, ${cycles} cycles: every cycle after the first sends at most ${ORIGINAL_PER_CYCLE} requests; misses re-checked in one batch; every cached index re-read`, async () => {
      const { counts, reread } = await cyclesAt(locals[localIndex]!, intervalMs, cycles);
      for (const c of counts) assert.equal(c.atServers, c.reported, `cycle ${c.number}: the report counts what the servers saw`);
      const steady = counts.slice(1);
      assert.ok(steady.every((c) => c.atServers <= ORIGINAL_PER_CYCLE), JSON.stringify(counts));
      // The 10 type indexes the peer has are read every cycle; the rest is spent on re-reads.
      assert.ok(steady.every((c) => c.atServers >= 10), JSON.stringify(counts));
      for (const c of counts) assert.ok(c.missSpreadMs < MISS_WAIT_MS, `cycle ${c.number}: misses arrived ${c.missSpreadMs} ms apart (${c.misses} misses)`);
      // Nothing starves: each never-written peer index and each local index was re-read after cycle 1.
      const missing = OIP_RECORD_TYPES.slice(10).map((t) => `peer oip:registry:index:${t}`);
      const localIndexes = OIP_RECORD_TYPES.slice(0, 10).map((t) => `local oip:registry:index:${t}`);
      for (const key of [...missing, ...localIndexes, 'peer oip:deleted:records:index', 'local oip:deleted:records:index']) assert.ok(reread.has(key), `${key} never re-read`);
    });
  }

  it('control: without the spread and the budget, the cycles where the caches expire cost more than the original', async () => {
    const { counts } = await cyclesAt(locals[2]!, 900_000, 3, { snapshots: { jitter: 0, maxIndexReadsPerCycle: 1_000 } });
    assert.ok(counts.slice(1).some((c) => c.atServers > ORIGINAL_PER_CYCLE), JSON.stringify(counts));
  });
});
