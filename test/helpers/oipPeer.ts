/** A peer OIP node's registry, seeded for the worker's tests: records in type indexes, a deletion registry. */
import type { GunRelayClient } from '../../src/index.js';
import { DeletionRegistry, indexAdd, registryIndexSoul, registryNodeSoul, toDid } from '../../src/oip/index.js';

export const PUBLISHER = '647f79c2a338';
export const PEER_NODE = 'peer-node-7f3a';

/** Publishes one record per soul `<publisher>:<type>_<n>` on the peer, registered in its type index. */
export async function publish(peer: GunRelayClient, records: ReadonlyArray<{ type: string; n: number }>): Promise<string[]> {
  const souls: string[] = [];
  await each(records, 16, async ({ type, n }) => {
    const soul = `${PUBLISHER}:${type}_${n}`;
    const at = 1_760_000_000_000 + n * 1_000;
    await peer.putRecord({ data: { basic: { name: `${type} #${n}` } }, oip: { recordType: type, creator: { publicKey: PUBLISHER } } }, soul, { localId: `${type}_${n}`, created: at });
    const entry = { soul, nodeId: PEER_NODE, timestamp: at };
    await peer.put(registryNodeSoul(PEER_NODE, soul), { ...entry, did: toDid(soul), recordType: type });
    await indexAdd(peer, registryIndexSoul(type), soul, entry);
    souls.push(soul);
  });
  return souls;
}

/** Deletes records on the peer as its indexer does: tombstoned, listed in the deletion registry, index entry kept. */
export async function deleteOnPeer(peer: GunRelayClient, souls: readonly string[]): Promise<void> {
  const registry = new DeletionRegistry(peer);
  await each(souls, 8, async (soul) => {
    const removed = await peer.delete(soul);
    if (removed.outcome === 'deleted') for (const child of removed.links) await peer.delete(child);
    await registry.markDeleted(toDid(soul), PUBLISHER);
  });
}

export async function each<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}
