import type { GunRelayClient } from '../client/GunRelayClient.js';
import type { QuarantinedSoul } from '../ledger/FailureLedger.js';
import type { SyncLoop } from '../sync/SyncLoop.js';
import type { CycleReport } from '../sync/report.js';
import type { StatusRelay, StatusSource } from './StatusSource.js';

/** Options of {@link syncLoopStatusSource}. */
export interface SyncLoopStatusSourceOptions {
  loop: SyncLoop<unknown>;
  /** The clients whose relays and quarantines are shown, by role (e.g. `{ local, peer }`). */
  clients: Record<string, GunRelayClient>;
  /** Cycles kept for the chart. Default 60. */
  keepReports?: number;
}

/** A {@link StatusSource} over a `SyncLoop` and its clients; it keeps the last reports. Call `close()` to stop listening. */
export function syncLoopStatusSource(options: SyncLoopStatusSourceOptions): StatusSource & { close(): void } {
  const keep = Math.max(1, options.keepReports ?? 60);
  const reports: CycleReport[] = [];
  const off = options.loop.on('cycle', (report) => {
    reports.push(report);
    if (reports.length > keep) reports.splice(0, reports.length - keep);
  });
  const entries = Object.entries(options.clients);
  return {
    health: () => ({ ...options.loop.health() }),
    recentCycles: () => reports.slice(),
    quarantined: () => {
      const out: QuarantinedSoul[] = [];
      for (const [, client] of entries) if (!client.isClosed) out.push(...client.quarantined());
      return out;
    },
    relays: async () => {
      const out: StatusRelay[] = [];
      for (const [role, client] of entries) {
        if (client.isClosed) continue;
        for (const h of await client.health()) out.push({ role, relay: h.relay, ok: h.ok, breaker: h.breaker, latencyMs: h.latencyMs, error: h.error });
      }
      return out;
    },
    close: off,
  };
}
