/**
 * An OIP sync cycle whose peer holds a large registry index. Per size (`entries`, and
 * `baselineEntries` as the baseline measured in the same run): a peer relay (real gun) holding
 * that many records, each listed in its type index, reached through the loopback OIP proxy, and
 * an empty local relay; `OipSyncWorker` runs cycle 1 (copies every record) and cycle 2 (steady
 * state: nothing to copy). Per cycle: requests counted at the servers (the proxy and the local
 * relay), wall time, and this process's heap after a full GC (the relays run in a process of
 * their own, `lib/oipTopologyHost.ts`, so the heap is the worker's and its clients'). Relays run
 * with production miss waits (3 s) and a 10 ms disk batch, so seeding 20,000 records stays within
 * minutes. A discarded baseline run first warms the process, so the heaps compare.
 */
import { PUBLISHER, RECORD_TYPES } from '../../../examples/lib/oipFixture.js';
import type { OipSyncWorker } from '../../../src/oip/index.js';
import { startOipTopology } from '../lib/oipTopologyHost.js';
import { sdk, sdkOip } from '../lib/sdk.js';

export interface ScaleCycleParams {
  /** Records (and index entries) the peer holds. */
  entries: number;
  /** The baseline's size, run first. */
  baselineEntries: number;
}

const gc = (): void => {
  const run = (globalThis as { gc?: () => void }).gc;
  if (!run) throw new Error('run with --expose-gc (npm run bench does)');
  run();
  run();
};
const heap = (): number => {
  gc();
  return process.memoryUsage().heapUsed;
};

interface CycleFigures {
  number: number;
  wallMs: number;
  /** Requests the proxy (peer side) and the local relay received during the cycle. */
  peerRequests: number;
  localRequests: number;
  /** What the cycle report counted. */
  reportedRequests: number;
  copied: number;
  present: number;
  /** Entries not copied, by reason. */
  skipped: Record<string, number>;
  /** Heap used after a full GC once the cycle ended, worker alive. */
  heapAfterGcBytes: number;
}

export interface SizeFigures {
  entries: number;
  seedMs: number;
  cycles: CycleFigures[];
  /** Heap after GC before the worker was created, and after it was closed and dropped. */
  heapBeforeBytes: number;
  heapAfterCloseBytes: number;
  /** Records the local relay's index lists afterwards. */
  localIndexEntries: number;
}

async function size(entries: number): Promise<SizeFigures> {
  const type = RECORD_TYPES[0]!;
  const topology = await startOipTopology(entries);
  try {
    const heapBeforeBytes = heap();
    let worker: OipSyncWorker | undefined = new sdkOip.OipSyncWorker({
      peers: [topology.peerUrl],
      local: topology.localUrl,
      nodeId: 'scale-node',
      recordTypes: [type],
      cycleTimeoutMs: 60 * 60_000,
      clientOptions: { timeouts: { get: 60_000, put: 60_000 } },
    });
    const cycles: CycleFigures[] = [];
    for (let n = 1; n <= 2; n++) {
      await topology.counts(true);
      const started = performance.now();
      const r = await worker.runOnce();
      const wallMs = performance.now() - started;
      if (r.outcome !== 'ok') throw new Error(`cycle ${n} at ${entries} entries: ${r.outcome} ${r.error?.message ?? ''}`);
      const t = r.peers[0]!.types[type]!;
      if (t.entries !== entries) throw new Error(`cycle ${n} read ${t.entries} of ${entries} entries: ${JSON.stringify(t)}`);
      const counted = await topology.counts(false);
      cycles.push({
        number: r.number,
        wallMs,
        peerRequests: counted.peer,
        localRequests: counted.local,
        reportedRequests: r.requests,
        copied: t.copied,
        present: t.present,
        skipped: t.skipped,
        heapAfterGcBytes: heap(),
      });
    }
    await worker.close();
    worker = undefined;
    const heapAfterCloseBytes = heap();

    const check = new sdk.GunRelayClient({ baseUrl: topology.localUrl });
    const localIndex = await sdkOip.IndexSnapshot.load(check, sdkOip.registryIndexSoul(type));
    check.close();
    if (![...localIndex.liveKeys()].every((k) => k.startsWith(`${PUBLISHER}:`))) throw new Error('the local index lists a soul never published');
    return {
      entries,
      seedMs: topology.seedMs,
      cycles,
      heapBeforeBytes,
      heapAfterCloseBytes,
      localIndexEntries: localIndex.size,
    };
  } finally {
    await topology.close();
  }
}

export async function run(p: ScaleCycleParams) {
  // A first, discarded run at the baseline's size: the code paths a cycle runs for the first time
  // (compiled code, pools, schemas) are in the heap before either measured run starts.
  await size(p.baselineEntries);
  const baseline = await size(p.baselineEntries);
  const large = await size(p.entries);
  return { entries: p.entries, baselineEntries: p.baselineEntries, baseline, large };
}
