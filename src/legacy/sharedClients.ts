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

/** How long the facade remembers a relay's "Not found" for a soul (the old module had a 404 cache). */
export const LEGACY_MISS_TTL_MS = 10 * 60 * 1000;

/** What a shared client is created with; fixed by the first instance for a URL. */
export interface SharedClientSettings {
  putTimeoutMs: number;
  /** Request and response body limit, bytes. */
  maxBodyBytes: number;
}

/**
 * The shared client for `baseUrl`, created on first use (its settings are fixed then): the miss
 * cache is on, as the old module's 404 cache was, but forgets a soul as soon as this process writes it.
 * A client closed by someone is replaced. Creating one starts no timer.
 */
export function sharedClient(baseUrl: string, settings: SharedClientSettings, defaultLogger: Logger | null): SharedClient {
  const existing = shared.get(baseUrl);
  if (existing && !existing.client.isClosed) return existing;
  const client = new GunRelayClient({
    baseUrl,
    timeouts: { put: settings.putTimeoutMs },
    maxContentLength: settings.maxBodyBytes,
    maxBodyLength: settings.maxBodyBytes,
    missCache: { ttlMs: LEGACY_MISS_TTL_MS },
  });
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
