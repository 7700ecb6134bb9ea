import { LRUCache } from 'lru-cache';
import type { ClientEvents, StatsSnapshot } from '../events.js';
import type { Logger } from '../options.js';

/** Where the legacy lines go; `null` silences them. Shared by every facade instance of one relay. */
export interface LogSink {
  /** The current target; replaced when a GunHelper is constructed with a `logger` option. */
  logger: Logger | null;
}

/** Anything with the client's `on(event, listener) => dispose`. */
interface EventSource {
  on<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): () => void;
}

/** How many souls the "skip already logged" memory holds (oldest forgotten first). */
const MAX_REMEMBERED_SKIPS = 10_000;

/** The stats line operators grep for, as helpers/gun.js printed it. */
export function deleteStatsLine(stats: StatsSnapshot): string {
  const d = stats.byOperation.delete;
  return `📊 [GUN Delete Stats] Attempts: ${d.attempts}, Skipped (cached failures): ${d.skipped}`;
}

/**
 * Writes helpers/gun.js's log lines from the client's events: the delete stats line on each
 * `stats` event (every `statsEvery` = 10 skips), one line when a soul first fails, and one line
 * when a soul is first skipped (again after each new quarantine). Returns a detach function.
 */
export function attachLegacyLog(source: EventSource, sink: LogSink): () => void {
  const skipLogged = new LRUCache<string, true>({ max: MAX_REMEMBERED_SKIPS });
  const offs = [
    source.on('stats', (stats) => {
      sink.logger?.info?.(deleteStatsLine(stats));
    }),
    source.on('failure', (e) => {
      if (e.counted === false || !e.first) return;
      const status = e.status === undefined ? '' : ` (HTTP ${e.status})`;
      sink.logger?.warn?.(`⚠️ [GUN] ${e.op} failed for ${e.soul}: ${e.code}${status}; further failures of this soul are counted, not logged`);
    }),
    source.on('skip', (e) => {
      const key = `${e.op}\u0000${e.soul}`;
      if (skipLogged.has(key)) return;
      skipLogged.set(key, true);
      const label = e.op === 'delete' ? 'Delete' : 'Put';
      sink.logger?.warn?.(
        `⏭️ [GUN ${label} Skip] ${e.soul}: skipped without a request after ${e.failures} failures (cached failures); logged once per soul`,
      );
    }),
    source.on('quarantine', (e) => void skipLogged.delete(`${e.op}\u0000${e.soul}`)),
    source.on('recover', (e) => void skipLogged.delete(`${e.op}\u0000${e.soul}`)),
  ];
  return () => offs.forEach((off) => off());
}
