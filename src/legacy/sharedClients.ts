import { GunRelayClient } from '../client/GunRelayClient.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../options.js';
import { attachLegacyLog, type LogSink } from './legacyLog.js';

/** One pooled client per relay base URL, with its legacy log attached once. */
export interface SharedClient {
  readonly client: GunRelayClient;
  readonly sink: LogSink;
  /** The body limit the client was created with (fixed by the first instance for the URL). */
  readonly maxBodyBytes: number;
}

// Module-level on purpose: callers construct GunHelper per publish/delete, and every instance
// must reuse the same sockets, failure ledger and breaker for a relay.
const shared = new Map<string, SharedClient>();

/** What a shared client is created with; fixed by the first instance for a URL. */
export interface SharedClientSettings {
  putTimeoutMs: number;
  /** Request and response body limit, bytes. */
  maxBodyBytes: number;
  clock: Clock;
}

/**
 * How long the facade's client re-reads a miss of a soul it wrote or saw present (the read guard).
 * The relay's misreads of fresh souls last seconds; past this, a GunHelper instance answers a
 * remembered miss from memory, as helpers/gun.js did.
 */
export const LEGACY_READ_GUARD_MS = 60_000;

/**
 * The shared client for `baseUrl`, created on first use (its settings are fixed then). It has no
 * miss cache: each GunHelper instance remembers misses itself, as the old module did (missMemory.ts).
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
    clock: settings.clock,
    readGuard: { rememberMs: LEGACY_READ_GUARD_MS },
  });
  const sink: LogSink = { logger: defaultLogger };
  attachLegacyLog(client, sink);
  const entry = { client, sink, maxBodyBytes: settings.maxBodyBytes };
  shared.set(baseUrl, entry);
  return entry;
}

/** Closes every shared client and forgets them; the next GunHelper creates fresh ones. */
export function closeSharedClients(): void {
  for (const { client } of shared.values()) client.close();
  shared.clear();
}
