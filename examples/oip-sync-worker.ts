/**
 * An OIP node's sync worker, configured from the indexer's environment: `GUN_EXTERNAL_PEERS` for
 * the peers, `GUN_PEERS` for the local relay (as `helpers/gun.js` reads it), `GUN_SYNC_INTERVAL`,
 * `RECORD_TYPE_INDEX_MODE` with `RECORD_TYPE_INDEX_WHITELIST`/`_BLACKLIST`, `GUN_NODE_ID_OVERRIDE`.
 * (`GunSyncService` falls back to `GUN_PEERS` for the peers too, i.e. the node's own relay; this
 * worker does not.) `npm run demo` (`oip-sync-demo.ts`) runs it against two local relays; run
 * alone, it syncs until SIGTERM, one JSON line per cycle:
 *
 *   GUN_EXTERNAL_PEERS=https://peer.example/gun-relay GUN_PEERS=http://gun-relay:8765 tsx examples/oip-sync-worker.ts
 */
import { OIP_RECORD_TYPES, OipSyncWorker, type OipSyncWorkerOptions } from 'gun-relay-client/oip';

type Env = Record<string, string | undefined>;

/** The peers as the indexer reads them: `ws://host/gun` becomes `http://host/gun-relay` (the peer's OIP proxy). */
export function peersFromEnv(env: Env): string[] {
  const list = (env['GUN_EXTERNAL_PEERS'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  return list.map((p) => {
    const http = p.replace(/^ws:\/\//, 'http://').replace(/^wss:\/\//, 'https://');
    return http.includes('/gun-relay') ? http : http.replace('/gun', '/gun-relay');
  });
}

/** The record types as the indexer picks them: all, a whitelist, or all but a blacklist. */
export function recordTypesFromEnv(env: Env): string[] {
  const names = (v: string | undefined) => (v ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  const mode = env['RECORD_TYPE_INDEX_MODE'] ?? 'all';
  if (mode === 'whitelist' && names(env['RECORD_TYPE_INDEX_WHITELIST']).length > 0) return names(env['RECORD_TYPE_INDEX_WHITELIST']);
  if (mode === 'blacklist') return OIP_RECORD_TYPES.filter((t) => !names(env['RECORD_TYPE_INDEX_BLACKLIST']).includes(t));
  return [...OIP_RECORD_TYPES];
}

/** The worker for this environment; `options` adds hooks (e.g. Elasticsearch indexing) or overrides. */
export function createOipSyncWorker(env: Env, options: Partial<OipSyncWorkerOptions> = {}): OipSyncWorker {
  const interval = Number(env['GUN_SYNC_INTERVAL']);
  return new OipSyncWorker({
    peers: peersFromEnv(env),
    local: env['GUN_PEERS']?.split(',')[0]?.trim() || 'http://gun-relay:8765',
    recordTypes: recordTypesFromEnv(env),
    ...(interval > 0 ? { intervalMs: interval } : {}),
    ...(env['GUN_NODE_ID_OVERRIDE'] ? { nodeId: env['GUN_NODE_ID_OVERRIDE'] } : {}),
    ...options,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const worker = createOipSyncWorker(process.env);
  worker.on('cycle', (r) => process.stdout.write(`${JSON.stringify({ cycle: r.number, outcome: r.outcome, ms: r.durationMs, requests: r.requests, ...r.totals })}\n`));
  worker.start();
  process.once('SIGTERM', () => void worker.close());
}
