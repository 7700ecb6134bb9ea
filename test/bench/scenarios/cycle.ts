/**
 * Issue 12: the OIP sync cycle, side by side, on one topology in one run. A peer relay (real
 * gun, production timings: a never-written soul answers after 3 s, puts sleep 100 ms) is reached
 * through the loopback OIP proxy; it holds records over `typesWritten` of `types` record types,
 * some deleted. Two local relays receive the copies: one from the legacy cycle (the indexer's
 * code as written today, `lib/legacyCycle.ts`), one from the SDK worker
 * (`OipSyncWorker`). Both run as `SyncLoop` cycles, alternating L1 S1 L2 S2, so the
 * loop counts their requests. Reports wall time, requests and heap (after GC) per cycle, and the
 * records each side holds afterwards.
 */
import type { Cycle, CycleReport } from '../../../src/index.js';
import { IndexSnapshot, registryIndexSoul } from '../../../src/oip/index.js';
import { RECORD_TYPES, deleteOnPeer, expectedRecords, publish, type PeerState } from '../../../examples/lib/oipFixture.js';
import { legacyCycle } from '../lib/legacyCycle.js';
import { sdk, sdkOip, sdkTesting } from '../lib/sdk.js';

export interface CycleParams {
  /** Record types a cycle syncs (the first `types` of the indexer's 37). */
  types: number;
  /** Of those, how many the peer has records of (the others' indexes were never written). */
  typesWritten: number;
  records: number;
  /** Every `deleteEvery`-th record is deleted on the peer before cycle 1. */
  deleteEvery: number;
}

interface Side {
  cycles: Array<{ number: number; durationMs: number; requests: number; misses: number; failures: number; heapUsedBytes: number; copied: number }>;
  /** Records the side's local relay holds afterwards (checked by reading each one). */
  held: number;
  /** Records it should hold. */
  expected: number;
}

export async function run(p: CycleParams) {
  const types = RECORD_TYPES.slice(0, p.types);
  const group = await sdkTesting.startLocalRelays(3);
  const [peerRelay, legacyRelay, sdkRelay] = group.relays as [(typeof group.relays)[0], (typeof group.relays)[0], (typeof group.relays)[0]];
  const proxy = await sdkTesting.startOipProxy({ target: peerRelay.url });
  const clients = {
    seeder: new sdk.GunRelayClient({ baseUrl: peerRelay.url }),
    legacyPeer: new sdk.GunRelayClient({ baseUrl: proxy.url, retry: false }),
    legacyLocal: new sdk.GunRelayClient({ baseUrl: legacyRelay.url, retry: false }),
    sdkLocal: new sdk.GunRelayClient({ baseUrl: sdkRelay.url }),
  };
  const worker = new sdkOip.OipSyncWorker({ peers: [proxy.url], local: sdkRelay.url, nodeId: 'sdk-node', recordTypes: types, cycleTimeoutMs: 30 * 60_000 });
  try {
    const state: PeerState = { records: new Map(), deleted: new Set() };
    const souls = await publish(clients.seeder, state, p.records, p.typesWritten);
    await deleteOnPeer(clients.seeder, state, souls.filter((_, i) => i % p.deleteEvery === 1));

    const loop = <R>(name: string, client: typeof clients.sdkLocal, run: (cycle: Cycle) => Promise<R>) =>
      new sdk.SyncLoop<R>({ name, client, intervalMs: 15 * 60_000, cycleTimeoutMs: 30 * 60_000, run });
    const legacy = loop('legacy', clients.legacyLocal, legacyCycle(clients.legacyPeer, 'legacy-node', types));

    const sides: Record<'legacy' | 'sdk', Side> = { legacy: { cycles: [], held: 0, expected: 0 }, sdk: { cycles: [], held: 0, expected: 0 } };
    type Measured = Pick<CycleReport, 'number' | 'outcome' | 'error' | 'durationMs' | 'requests' | 'misses'> & { failures: number; copied: number };
    const measure = async (side: 'legacy' | 'sdk', report: Promise<Measured>) => {
      const r = await report;
      if (r.outcome !== 'ok') throw new Error(`${side} cycle ${r.number}: ${r.outcome} ${r.error?.message ?? ''}`);
      (globalThis as { gc?: () => void }).gc?.();
      sides[side].cycles.push({ number: r.number, durationMs: r.durationMs, requests: r.requests, misses: r.misses, failures: r.failures, heapUsedBytes: process.memoryUsage().heapUsed, copied: r.copied });
    };
    for (let c = 0; c < 2; c++) {
      await measure('legacy', legacy.trigger().then((r) => ({ ...r, failures: r.byOperation.get.failures, copied: r.result?.copied ?? 0 })));
      await measure('sdk', worker.runOnce().then((r) => ({ ...r, copied: r.totals.copied })));
    }

    // Both local relays must now hold the same records: the expected ones, each in its type index.
    const expected = expectedRecords(state, new Set());
    for (const [side, client] of [['legacy', clients.legacyLocal], ['sdk', clients.sdkLocal]] as const) {
      let held = 0;
      for (const type of types.slice(0, p.typesWritten)) {
        const index = await IndexSnapshot.load(client, registryIndexSoul(type));
        for (const soul of index.keys()) if (expected.has(soul) && (await client.get(soul)) !== null) held++;
      }
      sides[side].held = held;
      sides[side].expected = expected.size;
    }
    return { ...p, sides };
  } finally {
    await worker.close();
    for (const c of Object.values(clients)) c.close();
    await proxy.close();
    await group.close();
  }
}
