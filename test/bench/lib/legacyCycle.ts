/**
 * The indexer's sync cycle re-created for the cycle bench (written from reading its
 * helpers/gunSyncService.js, oipGunRegistry.js and gunDeletionRegistry.js; none of its code),
 * with every relay call it makes, in its order, one at a time:
 *
 * 1. At the start of a cycle, the "processed" set is cleared once an hour has passed since the last clear.
 * 2. Peer pass: per record type, a direct HTTP GET of the peer's type index (through the OIP
 *    proxy); per entry not processed and not in the search index, a direct GET of the record.
 * 3. Local pass: per record type, the local type index through the helper; entries of other
 *    nodes not in the search index are read through the helper.
 * 4. Deletion filter, against the LOCAL relay through the helper: the deletion index, then the
 *    record's deletion soul, per discovered record.
 * 5. Copy: `putRecord`, then registration (`putSimple` of the node entry, read-modify-write of the
 *    whole type index with `getRecord` + `putSimple`).
 *
 * The helper is the original module's behaviour (OriginalGunHelper) or the SDK's GunHelper.
 * Elasticsearch is an in-memory set here (it sends no relay request); `processLocalDeletion` and
 * the WebSocket discovery are not re-created (the bench's local relays hold no deletions, and
 * the WebSocket path sends no HTTP request to the relays).
 */
import type { Clock } from '../../../src/clock.js';
import { DELETED_INDEX_SOUL, deletedRecordSoul, registryIndexSoul, registryNodeSoul, toDid } from '../../../src/oip/index.js';

/** The helper calls the cycle makes (the original module's and GunHelper's shape). */
export interface LegacyHelper {
  getRecord(soul: string): Promise<Record<string, unknown> | null>;
  putSimple(data: Record<string, unknown>, soul: string): Promise<unknown>;
  putRecord(record: { data: unknown; oip: unknown }, soul: string, options: { localId?: string }): Promise<unknown>;
}

export interface LegacyCycleOptions {
  /** The peer as the indexer reaches it: the OIP proxy's URL. */
  peerUrl: string;
  helper: LegacyHelper;
  nodeId: string;
  types: readonly string[];
  clock: Pick<Clock, 'now'>;
}

/** What one legacy cycle did. */
export interface LegacyCycleResult {
  discovered: number;
  filteredDeleted: number;
  copied: number;
}

const HOUR_MS = 3_600_000;

/** One direct GET as the indexer sends it to the peer: `null` for anything but a 200 with data. */
async function peerGet(url: string, soul: string, timeoutMs: number): Promise<Record<string, unknown> | null> {
  try {
    const res = await fetch(`${url}/get?soul=${encodeURIComponent(soul)}`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.json()) as { success?: boolean; data?: Record<string, unknown> };
    return res.status === 200 && body.success && body.data ? body.data : null;
  } catch {
    return null; // the indexer skips the type (or the record) on any failure
  }
}

const parsed = (v: unknown): unknown => {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
};

/** Creates the cycle; its processed set, clear time and search index live as long as the service. */
export function legacyCycle(o: LegacyCycleOptions): () => Promise<LegacyCycleResult> {
  const processed = new Set<string>();
  const searchIndex = new Set<string>();
  let lastClear = o.clock.now();
  const fromPeer = (soul: string, timeoutMs: number) => peerGet(o.peerUrl, soul, timeoutMs);
  return async () => {
    if (o.clock.now() - lastClear >= HOUR_MS) {
      processed.clear();
      lastClear = o.clock.now();
    }
    const discovered: Array<{ soul: string; record: Record<string, unknown> }> = [];
    // 2. Peer pass, direct HTTP through the proxy.
    for (const type of o.types) {
      const index = await fromPeer(registryIndexSoul(type), 5_000);
      if (!index) continue;
      for (const [key, entry] of Object.entries(index)) {
        if (key.startsWith('_') || key.startsWith('#')) continue;
        let soul = key;
        if (entry && typeof entry === 'object') {
          const e = entry as Record<string, unknown>;
          if (typeof e['soul'] === 'string') soul = e['soul'];
          else if (!('#' in e)) continue;
        }
        const did = toDid(soul);
        if (processed.has(did)) continue;
        if (searchIndex.has(did)) {
          processed.add(did);
          continue;
        }
        const record = await fromPeer(soul, 10_000);
        if (record) discovered.push({ soul, record: { ...record, data: parsed(record['data']), oip: parsed(record['oip']) } });
      }
    }
    // 3. Local pass through the helper.
    for (const type of o.types) {
      const index = await o.helper.getRecord(registryIndexSoul(type));
      for (const [key, entry] of Object.entries(index ?? {})) {
        if (key.startsWith('oip:') || key.startsWith('_') || !entry || typeof entry !== 'object') continue;
        const e = entry as Record<string, unknown>;
        if (typeof e['soul'] !== 'string' || e['nodeId'] === o.nodeId || searchIndex.has(toDid(e['soul']))) continue;
        const record = await o.helper.getRecord(e['soul']);
        if (record) discovered.push({ soul: e['soul'], record });
      }
    }
    const seen = new Set<string>();
    const unique = discovered.filter((d) => !seen.has(d.soul) && seen.add(d.soul));
    const result: LegacyCycleResult = { discovered: unique.length, filteredDeleted: 0, copied: 0 };

    // 4. Deletion filter against the local relay.
    const survivors = [];
    for (const d of unique) {
      const did = toDid(d.soul);
      const deletions = await o.helper.getRecord(DELETED_INDEX_SOUL);
      const deleted = Boolean(deletions?.[did]) || (await o.helper.getRecord(deletedRecordSoul(did))) !== null;
      if (deleted) result.filteredDeleted++;
      else survivors.push(d);
    }

    // 5. Copy and register.
    for (const { soul, record } of survivors) {
      const did = toDid(soul);
      if (processed.has(did)) continue;
      if (searchIndex.has(did)) {
        processed.add(did);
        continue;
      }
      await o.helper.putRecord({ data: record['data'], oip: record['oip'] }, soul, { localId: soul.split(':')[1] ?? '' }).catch(() => undefined);
      searchIndex.add(did);
      const oip = record['oip'] as { recordType?: string; creator?: { publicKey?: string } } | undefined;
      const type = oip?.recordType;
      if (type && oip?.creator?.publicKey) {
        try {
          const entry = { soul, nodeId: o.nodeId, timestamp: Date.now() };
          await o.helper.putSimple({ ...entry, did, recordType: type }, registryNodeSoul(o.nodeId, soul));
          const indexSoul = registryIndexSoul(type);
          const whole = (await o.helper.getRecord(indexSoul)) ?? {};
          await o.helper.putSimple({ ...whole, [soul]: entry }, indexSoul);
        } catch {
          // the indexer logs a failed registration and carries on
        }
      }
      processed.add(did);
      result.copied++;
    }
    return result;
  };
}
