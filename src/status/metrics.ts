import type { QuarantinedSoul } from '../ledger/FailureLedger.js';
import type { StatusCycle, StatusHealth, StatusRelay } from './StatusSource.js';

/** What `/metrics` is written from. */
export interface MetricsInput {
  health: StatusHealth;
  cycles: readonly StatusCycle[];
  quarantined: readonly QuarantinedSoul[];
  relays: readonly StatusRelay[];
}

/** A label value in the Prometheus text format: backslash, double quote and newline escaped. */
function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(pairs: Record<string, string>): string {
  const parts = Object.entries(pairs).map(([k, v]) => `${k}="${label(v)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/**
 * The status as Prometheus text exposition format 0.0.4, written directly (prom-client is not
 * needed): the health, the last cycle, the quarantine by operation and each relay's probe.
 */
export function formatMetrics(input: MetricsInput): string {
  const out: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter', help: string, samples: Array<[Record<string, string>, number]>): void => {
    if (samples.length === 0) return;
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [l, v] of samples) out.push(`${name}${labels(l)} ${Number.isFinite(v) ? v : 0}`);
  };
  const { health } = input;
  const name: Record<string, string> = typeof health.name === 'string' ? { loop: health.name } : {};
  metric('gun_relay_sync_healthy', 'gauge', '1 when the sync loop is healthy (what /healthz answers 200 for).', [[name, health.healthy ? 1 : 0]]);
  if (typeof health.cycles === 'number') metric('gun_relay_sync_cycles_total', 'counter', 'Cycles finished.', [[name, health.cycles]]);
  if (typeof health.consecutiveFailures === 'number') {
    metric('gun_relay_sync_consecutive_failures', 'gauge', 'Cycles since the last success that did not succeed.', [[name, health.consecutiveFailures]]);
  }
  const last = input.cycles.at(-1);
  if (last !== undefined) {
    metric('gun_relay_sync_last_cycle_seconds', 'gauge', 'Duration of the last cycle.', [[name, last.durationMs / 1000]]);
    metric('gun_relay_sync_last_cycle_requests', 'gauge', 'HTTP requests the last cycle sent.', [[name, last.requests]]);
    metric('gun_relay_sync_last_cycle_ok', 'gauge', '1 when the last cycle ended ok.', [[name, last.outcome === 'ok' ? 1 : 0]]);
    metric('gun_relay_sync_last_cycle_start_seconds', 'gauge', 'Start of the last cycle, Unix time.', [[name, last.startedAt / 1000]]);
  }
  const byOp = new Map<string, number>();
  for (const q of input.quarantined) byOp.set(q.op, (byOp.get(q.op) ?? 0) + 1);
  metric('gun_relay_quarantined_souls', 'gauge', 'Souls the failure ledger skips now, by operation.', [...byOp].map(([op, n]) => [{ op }, n]));
  metric('gun_relay_relay_up', 'gauge', "1 when the relay's last probe answered.", input.relays.filter((r) => r.ok !== undefined).map((r) => [{ role: r.role, relay: r.relay }, r.ok ? 1 : 0]));
  const breakers = ['closed', 'half-open', 'open'] as const;
  metric('gun_relay_relay_breaker_open', 'gauge', "1 when the relay's breaker is open, 0.5 half-open, 0 closed.", input.relays.map((r) => [{ role: r.role, relay: r.relay }, breakers.indexOf(r.breaker) / 2]));
  metric(
    'gun_relay_relay_probe_seconds',
    'gauge',
    "Duration of the relay's last probe.",
    input.relays.filter((r) => r.latencyMs !== undefined).map((r) => [{ role: r.role, relay: r.relay }, r.latencyMs! / 1000]),
  );
  return out.join('\n') + '\n';
}
