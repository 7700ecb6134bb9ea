/**
 * The OIP sync cycle in three variants, on one topology in one run. A peer relay (real gun,
 * production timings: a never-written soul answers after 3 s, puts sleep 100 ms) is reached
 * through the loopback OIP proxy; it holds records over `typesWritten` of `types` record types,
 * some deleted there. Three local relays receive the copies:
 * - `original`: the indexer's cycle (`lib/legacyCycle.ts`) over the original module's request
 *   behaviour (`lib/originalGunHelper.ts`, its per-instance 404 memory included);
 * - `facade`: the same cycle over the SDK's `GunHelper`;
 * - `sdk`: `OipSyncWorker`.
 * All share one clock that jumps between cycles: cycle 1 at t = 0, cycle 2 at `intervalMs`, and
 * one more at `lateAtMs` (past the original's hourly sweeps and processed-set clear). Requests
 * are counted at the servers (the proxy and the variant's local relay); wall time is real.
 */
import { IndexSnapshot, registryIndexSoul } from '../../../src/oip/index.js';
import { RECORD_TYPES, deleteOnPeer, expectedRecords, publish, type PeerState } from '../../../examples/lib/oipFixture.js';
import { JumpClock } from '../lib/jumpClock.js';
import { legacyCycle, type LegacyHelper } from '../lib/legacyCycle.js';
import { OriginalGunHelper } from '../lib/originalGunHelper.js';
import { sdk, sdkLegacy, sdkOip, sdkTesting } from '../lib/sdk.js';

export interface CycleParams {
  /** Record types a cycle syncs (the first `types` of the indexer's 37). */
  types: number;
  /** Of those, how many the peer has records of (the others' indexes were never written). */
  typesWritten: number;
  records: number;
  /** Every `deleteEvery`-th record is deleted on the peer before cycle 1. */
  deleteEvery: number;
  /** Simulated time between cycle 1 and cycle 2. */
  intervalMs: number;
  /** Simulated start of the late cycle (the intervening cycles are not run). */
  lateAtMs: number;
}

export const VARIANTS = ['original', 'facade', 'sdk'] as const;
export type Variant = (typeof VARIANTS)[number];

interface Measured {
  at: number;
  durationMs: number;
  /** Requests received by the proxy (peer side) and by the variant's local relay. */
  peerRequests: number;
  localRequests: number;
  copied: number;
}

interface Side {
  cycles: Measured[];
  /** Expected records the local relay holds afterwards (read back). */
  held: number;
  /** Records deleted on the peer that the local relay holds afterwards. */
  heldDeleted: number;
}

export async function run(p: CycleParams) {
  const types = RECORD_TYPES.slice(0, p.types);
  const group = await sdkTesting.startLocalRelays(4);
  const [peerRelay, ...locals] = group.relays;
  const local = Object.fromEntries(VARIANTS.map((v, i) => [v, locals[i]!])) as Record<Variant, (typeof locals)[0]>;
  const proxy = await sdkTesting.startOipProxy({ target: peerRelay!.url });
  const clock = new JumpClock();
  const seeder = new sdk.GunRelayClient({ baseUrl: peerRelay!.url });
  const worker = new sdkOip.OipSyncWorker({ peers: [proxy.url], local: local.sdk.url, nodeId: 'sdk-node', recordTypes: types, cycleTimeoutMs: 30 * 60_000, clock });
  const savedPeers = process.env['GUN_PEERS'];
  process.env['GUN_PEERS'] = local.facade.url;
  const facadeHelper = new sdkLegacy.GunHelper({ logger: null, clock }) as unknown as LegacyHelper;
  if (savedPeers === undefined) delete process.env['GUN_PEERS'];
  else process.env['GUN_PEERS'] = savedPeers;
  const cycles: Record<Variant, () => Promise<{ copied: number }>> = {
    original: legacyCycle({ peerUrl: proxy.url, helper: new OriginalGunHelper(local.original.url, clock), nodeId: 'original-node', types, clock }),
    facade: legacyCycle({ peerUrl: proxy.url, helper: facadeHelper, nodeId: 'facade-node', types, clock }),
    sdk: async () => {
      const r = await worker.runOnce();
      if (r.outcome !== 'ok') throw new Error(`sdk cycle ${r.number}: ${r.outcome} ${r.error?.message ?? ''}`);
      return { copied: r.totals.copied };
    },
  };
  try {
    const state: PeerState = { records: new Map(), deleted: new Set() };
    const souls = await publish(seeder, state, p.records, p.typesWritten);
    await deleteOnPeer(seeder, state, souls.filter((_, i) => i % p.deleteEvery === 1));

    const sides = Object.fromEntries(VARIANTS.map((v) => [v, { cycles: [], held: 0, heldDeleted: 0 }])) as unknown as Record<Variant, Side>;
    const start = clock.now();
    for (const at of [0, p.intervalMs, p.lateAtMs]) {
      clock.jump(Math.max(0, start + at - clock.now()));
      for (const v of VARIANTS) {
        proxy.resetCounters();
        local[v].resetCounters();
        const t0 = performance.now();
        const { copied } = await cycles[v]();
        sides[v].cycles.push({ at, durationMs: performance.now() - t0, peerRequests: proxy.requestCount, localRequests: local[v].requestCount, copied });
      }
    }

    // What each local relay holds afterwards: the expected records, and any deleted on the peer.
    const expected = expectedRecords(state, new Set());
    for (const v of VARIANTS) {
      const client = new sdk.GunRelayClient({ baseUrl: local[v].url });
      try {
        for (const type of types.slice(0, p.typesWritten)) {
          const index = await IndexSnapshot.load(client, registryIndexSoul(type));
          for (const soul of index.keys()) {
            if ((await client.get(soul)) === null) continue;
            if (expected.has(soul)) sides[v].held++;
            else if (state.deleted.has(soul)) sides[v].heldDeleted++;
          }
        }
      } finally {
        client.close();
      }
    }
    return { ...p, expected: expected.size, deletedOnPeer: state.deleted.size, sides };
  } finally {
    await worker.close();
    sdkLegacy.GunHelper.closeAll();
    seeder.close();
    await proxy.close();
    await group.close();
  }
}
