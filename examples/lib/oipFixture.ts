/**
 * A peer OIP node's registry, seeded for the sync demo and the cycle bench: records over a
 * realistic set of record types (most type indexes never written), registered in their type
 * index and the node registry, a deletion registry, and a few souls the local relay will refuse.
 */
import type { GunRelayClient } from 'gun-relay-client';
import { DeletionRegistry, OIP_RECORD_TYPES, indexAdd, registryIndexSoul, registryNodeSoul, toDid } from 'gun-relay-client/oip';

/** The indexer's record types (37), each with a registry index a sync cycle may read. */
export const RECORD_TYPES = OIP_RECORD_TYPES;

/** The publisher of the seeded records (12 hex chars, as `publisherHash` gives). */
export const PUBLISHER = '647f79c2a338';
/** The peer node's id in its registry entries. */
export const PEER_NODE = 'peer-node-7f3a';

/** What the peer holds, for checking what a sync copied. */
export interface PeerState {
  /** Every record published on the peer: soul → its type and title. */
  records: Map<string, { type: string; title: string }>;
  /** Souls listed in the peer's deletion registry. */
  deleted: Set<string>;
}

/**
 * Publishes `count` records on the peer (written straight to its relay), spread over the first
 * `typesUsed` record types, each registered in its type index (one single-field write) and in
 * the node registry. Souls are `<publisher>:<type>_<n>`, numbered from `state.records.size`.
 */
export async function publish(peer: GunRelayClient, state: PeerState, count: number, typesUsed: number): Promise<string[]> {
  const start = state.records.size;
  const souls: string[] = [];
  const created = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const n = start + i;
    const type = RECORD_TYPES[n % typesUsed]!;
    const soul = `${PUBLISHER}:${type}_${n}`;
    state.records.set(soul, { type, title: `${type} #${n}` });
    created.set(soul, 1_760_000_000_000 + n * 1_000);
    souls.push(soul);
  }
  await eachLimit(souls, 32, async (soul) => {
    const { type, title } = state.records.get(soul)!;
    const at = created.get(soul)!;
    await peer.putRecord({ data: { basic: { name: title, language: 'en' } }, oip: { recordType: type, creator: { publicKey: PUBLISHER } } }, soul, { localId: soul.slice(PUBLISHER.length + 1), created: at });
    const entry = { soul, nodeId: PEER_NODE, timestamp: at };
    await peer.put(registryNodeSoul(PEER_NODE, soul), { ...entry, did: toDid(soul), recordType: type });
    await indexAdd(peer, registryIndexSoul(type), soul, entry);
  });
  return souls;
}

/** Deletes records on the peer as its indexer does: the record is tombstoned and the DID added to the deletion registry (its index entry stays). */
export async function deleteOnPeer(peer: GunRelayClient, state: PeerState, souls: readonly string[]): Promise<void> {
  const registry = new DeletionRegistry(peer);
  await eachLimit(souls, 16, async (soul) => {
    const removed = await peer.delete(soul);
    if (removed.outcome === 'deleted') for (const child of removed.links) await peer.delete(child);
    await registry.markDeleted(toDid(soul), PUBLISHER);
    state.deleted.add(soul);
  });
}

/** The records a local relay should hold after syncing from the peer: published, not deleted, not refused. */
export function expectedRecords(state: PeerState, refused: ReadonlySet<string>): Map<string, { type: string; title: string }> {
  return new Map([...state.records].filter(([soul]) => !state.deleted.has(soul) && !refused.has(soul)));
}

/** Runs `fn` over `items`, at most `limit` at a time. */
export async function eachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
