import type { Logger } from '../options.js';

/** A relay answers a read of a never-written soul after this long: a get timeout below it turns every miss into `TIMEOUT`. */
const RELAY_MISS_MS = 3_000;

/** Loggers of clients, for the loops built on them (a `SyncLoop` warns through its client's logger). */
const loggers = new WeakMap<object, Logger>();

/** Remembers `client`'s logger for {@link loggerOf}. */
export function rememberLogger(client: object, logger: Logger | undefined): void {
  if (logger) loggers.set(client, logger);
}

/** The logger `client` was built with, if any. */
export function loggerOf(client: object): Logger | undefined {
  return loggers.get(client);
}

/**
 * Warnings for durations that are valid but look like a unit mistake (seconds written where
 * milliseconds are meant) or cannot work against the relay. `values` maps an option name to ms.
 */
export function unitWarnings(values: Record<string, number | undefined>, getTimeouts: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const [name, ms] of Object.entries(values)) {
    if (ms === undefined) continue;
    if (ms < 100) out.push(`${name}: ${ms} is in milliseconds; did you mean ${ms} s (${ms * 1_000})?`);
    else if (getTimeouts.includes(name) && ms < RELAY_MISS_MS + 500) {
      out.push(`${name}: ${ms} ms is shorter than the ${RELAY_MISS_MS} ms the relay takes to answer a never-written soul: every such get would end TIMEOUT`);
    }
  }
  return out;
}
