import { startLocalRelay, type LocalRelay, type LocalRelayOptions } from './LocalRelay.js';

/** Several local relays that are separate stores, like the indexer's nodes (each runs its own relay). */
export interface LocalRelayGroup {
  /** The relays, each with its own gun process and data directory. */
  readonly relays: readonly LocalRelay[];
  /** Their base URLs, in the same order (pass as the client's `baseUrl`). */
  readonly urls: string[];
  /** Closes every relay. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts `count` independent local relays with the same options. Nothing written to one is visible
 * on another: use it to test failover and relay identity against separate stores.
 */
export async function startLocalRelays(count: number, options: Omit<LocalRelayOptions, 'port' | 'dataDir'> = {}): Promise<LocalRelayGroup> {
  if (!Number.isInteger(count) || count < 1) throw new RangeError('startLocalRelays: count must be a positive integer');
  const relays: LocalRelay[] = [];
  try {
    for (let i = 0; i < count; i++) relays.push(await startLocalRelay(options));
  } catch (err) {
    await Promise.all(relays.map((r) => r.close()));
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    relays,
    urls: relays.map((r) => r.url),
    close: () => (closing ??= Promise.all(relays.map((r) => r.close())).then(() => undefined)),
  };
}
