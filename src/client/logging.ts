import type { ClientEvents } from '../events.js';
import type { Logger } from '../options.js';

/**
 * Calls `logger[level](...args)` and never throws: a user's logger that throws (or whose method is
 * a getter that throws) must not turn a warning into the library's failure. What it threw is
 * dropped; event listeners that log are reported on `listenerError` by the emitter instead.
 */
export function logSafely(logger: Logger | null | undefined, level: keyof Logger, ...args: [obj: unknown, msg?: string]): void {
  try {
    const method = logger?.[level];
    if (typeof method === 'function') method.apply(logger, args);
  } catch {
    // The logger is the user's; its failure is not the caller's.
  }
}

/** Anything with the client's `on(event, listener) => dispose` method. */
export interface EventSource {
  on<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): () => void;
}

/**
 * Writes the client's notable events to a pino-style logger: a soul's first failure (once),
 * quarantines, recoveries and breaker changes. Never one line per skip or per repeated failure.
 * Returns a function that detaches it.
 */
export function attachLogger(source: EventSource, logger: Logger): () => void {
  const offs = [
    source.on('failure', (e) => {
      if (e.counted !== false && e.first) {
        logger.warn?.({ op: e.op, soul: e.soul, code: e.code, status: e.status }, 'gun relay: soul failed');
      } else if (e.scope === 'relay' && e.code !== 'RELAY_UNAVAILABLE') {
        logger.debug?.({ op: e.op, soul: e.soul, code: e.code, status: e.status }, 'gun relay: relay-level failure');
      }
    }),
    source.on('quarantine', (e) => {
      logger.warn?.({ op: e.op, soul: e.soul, failures: e.failures, code: e.code }, 'gun relay: soul quarantined, skipping it');
    }),
    source.on('recover', (e) => {
      logger.info?.({ op: e.op, soul: e.soul, previousFailures: e.previousFailures, reason: e.reason }, 'gun relay: soul recovered');
    }),
    source.on('breaker', (e) => {
      const log = e.to === 'open' ? logger.warn : logger.info;
      log?.call(logger, { relay: e.relay, from: e.from, to: e.to, failures: e.failures }, `gun relay: breaker ${e.to}`);
    }),
    source.on('ledgerStoreJunk', (e) => {
      logger.warn?.({ source: e.source, detail: e.detail }, 'gun relay: the ledger store ignored junk in Redis');
    }),
    source.on('listenerError', (e) => {
      logger.error?.({ event: e.event, err: e.error instanceof Error ? e.error.message : String(e.error) }, 'gun relay: an event listener threw');
    }),
  ];
  return () => offs.forEach((off) => off());
}
