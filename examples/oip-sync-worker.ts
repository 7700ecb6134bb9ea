/**
 * An OIP sync worker written with the SDK: one cycle pulls a peer's new records into the local
 * relay. Run under a `SyncLoop` (see `oip-sync-demo.ts`, `npm run demo`).
 *
 * One cycle:
 * 1. Reads the peer's deletion index once (`DeletionRegistry`), not once per record.
 * 2. Reads the peer's type indexes (`IndexSnapshot`s kept across cycles): a found index is read
 *    every cycle; an index the peer did not have (most of the ~37 types, each such read costing
 *    the relay 3 s) only again after `missingIndexTtlMs`.
 * 3. Compares them with the local type indexes (kept across cycles, updated by its own writes,
 *    read again after `localIndexTtlMs`).
 * 4. Copies each new, not deleted record (bounded concurrency), registers it locally with
 *    single-field index writes, never rewriting a whole index.
 * 5. Applies the peer's deletions locally (record and `meta` child tombstoned, index entry
 *    removed, deletion mirrored into the local deletion registry).
 * A soul the local relay refuses is counted by the client's failure ledger and skipped, without a
 * request, from then on.
 */
import { isGunRelayError, type Cycle, type GunRelayClient } from 'gun-relay-client';
import { DeletionRegistry, IndexSnapshot, fromDid, registryIndexSoul, registryNodeSoul } from 'gun-relay-client/oip';

/** Options of {@link createOipSyncWorker}. */
export interface OipSyncOptions {
  /**
   * The peer, reached through its `/gun-relay` proxy: a client with `baseUrl: [{ url, kind:
   * 'oip-proxy' }]`, so the proxy's 500 for a missing soul reads as a miss (`null`).
   */
  peer: GunRelayClient;
  /** The local relay: the loop's client (each cycle goes through its view of it). */
  local: GunRelayClient;
  /** This node's id in `oip:registry:nodes:<nodeId>:<soul>`. */
  nodeId: string;
  /** The record types to sync (the indexer's templates: ~37). */
  recordTypes: readonly string[];
  /** Reads and writes in flight at once. Default 16. */
  concurrency?: number;
  /** How long an index the peer did not have is believed absent. Default 10 min. */
  missingIndexTtlMs?: number;
  /**
   * How long the local type indexes are trusted between reads. This worker's own writes update
   * them at once; another local writer's entries are seen after this (at worst a record is copied
   * again). Default 10 min.
   */
  localIndexTtlMs?: number;
  /** Told where the cycle is, for a progress line. */
  onProgress?: (progress: { phase: 'indexes' | 'copy' | 'deletions'; done: number; total: number }) => void;
}

/** What one cycle did. */
export interface OipCycleResult {
  /** Type indexes the peer has. */
  typesWithRecords: number;
  /** Entries in those indexes. */
  discovered: number;
  /** Entries skipped because the peer's deletion registry lists them. */
  filteredDeleted: number;
  /** Records copied and registered locally. */
  copied: number;
  /** Records the failure ledger skipped (no request to the local relay). */
  skipped: number;
  /** Records the local relay refused this cycle (their souls are now counted by the ledger). */
  refused: number;
  /** Local records removed because the peer deleted them. */
  deletionsApplied: number;
}

/** The keys of a record node as `putRecord` writes it. */
const RECORD_KEYS = ['data', 'oip', 'meta'];

/** Runs `fn` over `items`, at most `limit` at a time. */
export async function eachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Creates the worker; its `run` is a `SyncLoop`'s `run`. It keeps its index snapshots across cycles. */
export function createOipSyncWorker(options: OipSyncOptions): { run(cycle: Cycle): Promise<OipCycleResult> } {
  const concurrency = options.concurrency ?? 16;
  const missingTtlMs = options.missingIndexTtlMs ?? 10 * 60_000;
  const localTtlMs = options.localIndexTtlMs ?? 10 * 60_000;
  const peerIndexes = new Map<string, IndexSnapshot>();
  const localIndexes = new Map<string, IndexSnapshot>();
  // Snapshots live across cycles; each cycle reads and writes them through its own views (`via`).
  const peerIo = options.peer;
  const snapshot = (map: Map<string, IndexSnapshot>, type: string): IndexSnapshot => {
    let s = map.get(type);
    const ttlMs = map === peerIndexes ? 0 : localTtlMs;
    if (!s) map.set(type, (s = new IndexSnapshot(map === peerIndexes ? peerIo : options.local, registryIndexSoul(type), { ttlMs, missingTtlMs })));
    return s;
  };
  const peerDeletions = new DeletionRegistry(peerIo, { ttlMs: 0, missingTtlMs });
  const localDeletions = new DeletionRegistry(options.local, { ttlMs: missingTtlMs });
  const progress = options.onProgress ?? (() => {});

  return {
    async run(cycle) {
      const { signal } = cycle;
      const local = cycle.client;
      const peer = cycle.view(options.peer);
      const result: OipCycleResult = { typesWithRecords: 0, discovered: 0, filteredDeleted: 0, copied: 0, skipped: 0, refused: 0, deletionsApplied: 0 };

      // 1–3: deletion indexes and type indexes, read at most once each.
      const types = options.recordTypes;
      let read = 0;
      progress({ phase: 'indexes', done: 0, total: types.length });
      await Promise.all([peerDeletions.ensureFresh({ via: peer, signal }), localDeletions.ensureFresh({ via: local, signal })]);
      await eachLimit(types, concurrency, async (type) => {
        if (await snapshot(peerIndexes, type).ensureFresh({ via: peer, signal })) read++;
        if (snapshot(peerIndexes, type).exists) await snapshot(localIndexes, type).ensureFresh({ via: local, signal });
        progress({ phase: 'indexes', done: read, total: types.length });
      });

      // 4: copy what is new and not deleted.
      const candidates: Array<{ type: string; soul: string }> = [];
      for (const type of types) {
        const remote = snapshot(peerIndexes, type);
        if (!remote.exists) continue;
        result.typesWithRecords++;
        for (const soul of remote.keys()) {
          result.discovered++;
          if (peerDeletions.isDeleted(soul)) result.filteredDeleted++;
          else if (!snapshot(localIndexes, type).has(soul)) candidates.push({ type, soul });
        }
      }
      let done = 0;
      progress({ phase: 'copy', done, total: candidates.length });
      await eachLimit(candidates, concurrency, async ({ type, soul }) => {
        try {
          const record = await peer.getRecord(soul, { signal, onLocked: 'keep' });
          if (record && record.meta && !('#' in record.meta)) {
            const meta = record.meta;
            const written = await local.putRecord({ data: record.data, oip: record.oip }, soul, { signal, localId: meta.localId ?? null, ...(typeof meta.created === 'number' ? { created: meta.created } : {}) });
            if (written.outcome === 'skipped') {
              result.skipped++;
            } else {
              const entry = { soul, nodeId: options.nodeId, timestamp: Date.now() };
              await local.put(registryNodeSoul(options.nodeId, soul), { ...entry, did: record.did, recordType: type });
              await snapshot(localIndexes, type).add(soul, entry, { via: local, signal });
              result.copied++;
            }
          }
        } catch (error) {
          if (signal.aborted || !isGunRelayError(error) || error.scope !== 'soul') throw error;
          result.refused++;
        }
        progress({ phase: 'copy', done: ++done, total: candidates.length });
      });

      // 5: apply the peer's deletions that the local registry does not have yet.
      const pending = peerDeletions.deleted().filter((did) => !localDeletions.isDeleted(did));
      done = 0;
      progress({ phase: 'deletions', done, total: pending.length });
      await eachLimit(pending, concurrency, async (did) => {
        const soul = fromDid(did);
        for (const type of types) {
          const mine = localIndexes.get(type);
          if (!mine?.has(soul)) continue;
          // The record's keys are known (it was written as a record): one request, no read first.
          const removed = await local.delete(soul, { keys: RECORD_KEYS, signal });
          await local.delete(`${soul}/meta`, { signal }); // its meta child, whatever keys it has
          await mine.remove(soul, { via: local, signal });
          if (removed.outcome === 'deleted') result.deletionsApplied++;
        }
        await localDeletions.markDeleted(did, 'sync:' + options.nodeId, { via: local, signal });
        progress({ phase: 'deletions', done: ++done, total: pending.length });
      });
      return result;
    },
  };
}
