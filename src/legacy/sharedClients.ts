import { GunRelayClient } from '../client/GunRelayClient.js';
import { systemClock, type Clock } from '../clock.js';
import type { Logger } from '../options.js';
import { attachLegacyLog, type LogSink } from './legacyLog.js';

/**
 * The system clock, except that a retry backoff keeps the process alive. The core clock unrefs
 * its timers, so a CommonJS script whose only pending work is an awaited delete in backoff would
 * exit mid-call with the promise unsettled. A backoff timer exists only while a caller awaits a
 * call, so a ref'd one never keeps an idle process alive.
 */
const awaitedClock: Clock = {
  now: () => systemClock.now(),
  sleep(ms, signal) {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

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
  const client = new GunRelayClient({ baseUrl, timeouts: { put: putTimeoutMs }, clock: awaitedClock });
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
