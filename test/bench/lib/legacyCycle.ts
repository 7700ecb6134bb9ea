/**
 * The indexer's sync cycle as it is written today (helpers/gunSyncService.js,
 * oipGunRegistry.js, gunDeletionRegistry.js), expressed with plain sequential client calls the
 * way GunHelper makes them: every read that fails is "nothing" (GunHelper.getRecord never
 * throws), every type index is read in full on every cycle, existence is checked per record,
 * the whole deletion index plus the record's deletion soul are read per discovered record, and
 * registration reads the whole type index and writes it back. An in-memory "processed" set
 * survives between cycles, as the indexer's does. Local existence stands in for its
 * Elasticsearch lookup. Written for the cycle bench; not a pattern to copy.
 */
import type { Cycle, GunRelayClient, RelayNode } from '../../../src/index.js';
import { DELETED_INDEX_SOUL, deletedRecordSoul, registryIndexSoul, registryNodeSoul, toDid } from '../../../src/oip/index.js';

/** What a legacy cycle did. */
export interface LegacyCycleResult {
  discovered: number;
  filteredDeleted: number;
  copied: number;
}

/** Creates the legacy cycle over `types`, pulling from `peer` into the loop's (local) client. */
export function legacyCycle(peerClient: GunRelayClient, nodeId: string, types: readonly string[]): (cycle: Cycle) => Promise<LegacyCycleResult> {
  const processed = new Set<string>();
  return async (cycle) => {
    const peer = cycle.view(peerClient);
    const local = cycle.client;
    const getOrNull = (c: GunRelayClient, soul: string): Promise<RelayNode | null> => c.get(soul).catch(() => null);
    const result: LegacyCycleResult = { discovered: 0, filteredDeleted: 0, copied: 0 };

    // Peer discovery: every type index in full, then existence and the record, one at a time.
    const discovered: Array<{ soul: string; type: string; record: RelayNode }> = [];
    for (const type of types) {
      const index = await getOrNull(peer, registryIndexSoul(type));
      if (!index) continue;
      for (const soul of Object.keys(index)) {
        if (soul.startsWith('_') || soul.startsWith('#') || index[soul] === null) continue;
        const did = toDid(soul);
        if (processed.has(did)) continue;
        if (await getOrNull(local, soul)) {
          processed.add(did);
          continue;
        }
        const record = await getOrNull(peer, soul);
        if (record) discovered.push({ soul, type, record });
      }
    }
    // Local pass: every local type index in full, then each entry not yet processed.
    for (const type of types) {
      const index = await getOrNull(local, registryIndexSoul(type));
      if (!index) continue;
      for (const soul of Object.keys(index)) {
        if (index[soul] === null || processed.has(toDid(soul))) continue;
        if (await getOrNull(local, soul)) processed.add(toDid(soul));
      }
    }
    result.discovered = discovered.length;

    // Deletion filter: the whole deletion index, then the record's deletion soul, per record.
    const survivors = [];
    for (const d of discovered) {
      const did = toDid(d.soul);
      const deletions = await getOrNull(peer, DELETED_INDEX_SOUL);
      const deleted = Boolean(deletions?.[did]) || (await getOrNull(peer, deletedRecordSoul(did))) !== null;
      if (deleted) result.filteredDeleted++;
      else survivors.push(d);
    }

    // Copy and register: the record, the node entry, then read-modify-write of the whole type index.
    for (const { soul, type, record } of survivors) {
      await local.putRecord({ data: record['data'], oip: record['oip'] }, soul, { localId: soul.slice(soul.indexOf(':') + 1) });
      const entry = { soul, nodeId, timestamp: Date.now() };
      await local.put(registryNodeSoul(nodeId, soul), { ...entry, did: toDid(soul), recordType: type });
      const indexSoul = registryIndexSoul(type);
      const whole = ((await getOrNull(local, indexSoul)) ?? {}) as Record<string, never>;
      await local.put(indexSoul, { ...whole, [soul]: entry });
      processed.add(toDid(soul));
      result.copied++;
    }
    return result;
  };
}
