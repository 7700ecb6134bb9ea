import { GunRelayClient } from '../client/GunRelayClient.js';
import type { Logger } from '../options.js';
import { attachLegacyLog, type LogSink } from './legacyLog.js';

/** One pooled client per relay base URL, with its legacy log attached once. */
export interface SharedClient {
  readonly client: GunRelayClient;
  readonly sink: LogSink;
}

// Module-level on purpose: callers construct GunHelper per publish/delete, and every instance
// must reuse the same sockets, failure ledger and breaker for a relay.
const shared = new Map<string, SharedClient>();

/**
 * The shared client for `baseUrl`, created on first use (its put timeout is fixed then).
 * A client closed by someone is replaced. Creating one starts no timer.
 */
export function sharedClient(baseUrl: string, putTimeoutMs: number, defaultLogger: Logger | null): SharedClient {
  const existing = shared.get(baseUrl);
  if (existing && !existing.client.isClosed) return existing;
  const client = new GunRelayClient({ baseUrl, timeouts: { put: putTimeoutMs } });
  const sink: LogSink = { logger: defaultLogger };
  attachLegacyLog(client, sink);
  const entry = { client, sink };
  shared.set(baseUrl, entry);
  return entry;
}

/** Closes every shared client and forgets them; the next GunHelper creates fresh ones. */
export function closeSharedClients(): void {
  for (const { client } of shared.values()) client.close();
  shared.clear();
}
