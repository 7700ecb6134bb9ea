import type { run as runTracing } from '../scenarios/tracing.js';
import type { run as runCycle } from '../scenarios/cycle.js';
import { cpuRows, rateRows, type Row } from './report.js';
import { median, pairedRatio } from './stats.js';

type TracingResult = Awaited<ReturnType<typeof runTracing>>;
type CycleResult = Awaited<ReturnType<typeof runCycle>>;

/** Rows of the sync-worker jobs (issue 12): the cycle side by side, tracing's cost. */
export function syncRows(get: <T>(name: string) => T | undefined): Row[] {
  const rows: Row[] = [];
  const cy = get<CycleResult>('cycle');
  if (cy) {
    const { legacy, sdk } = cy.sides;
    const scen = (n: number) => `12 sync cycle ${n}: ${cy.types} types (${cy.typesWritten} written), ${cy.records} records, via the OIP proxy`;
    for (let i = 0; i < 2; i++) {
      const l = legacy.cycles[i]!;
      const s = sdk.cycles[i]!;
      const judged = i > 0; // the goals apply from cycle 2 on
      const wall = s.durationMs / l.durationMs;
      const req = s.requests / l.requests;
      rows.push({ scenario: scen(i + 1), measure: 'wall time, SDK vs legacy', value: `SDK ${(s.durationMs / 1000).toFixed(1)} s`, baseline: `legacy ${(l.durationMs / 1000).toFixed(1)} s`, ratio: wall, goal: judged ? '≤ 0.1' : '–', met: judged ? wall <= 0.1 : null, data: { sdkMs: s.durationMs, legacyMs: l.durationMs } });
      rows.push({ scenario: scen(i + 1), measure: 'requests, SDK vs legacy', value: `SDK ${s.requests}`, baseline: `legacy ${l.requests}`, ratio: req, goal: judged ? '≤ 0.2' : '–', met: judged ? req <= 0.2 : null, data: { sdk: s.requests, legacy: l.requests, sdkFailedGets: s.failures, legacyFailedGets: l.failures } });
      rows.push({ scenario: scen(i + 1), measure: 'heap used after the cycle (after GC)', value: `SDK ${(s.heapUsedBytes / 1024 / 1024).toFixed(1)} MiB`, baseline: `legacy ${(l.heapUsedBytes / 1024 / 1024).toFixed(1)} MiB`, ratio: s.heapUsedBytes / l.heapUsedBytes, goal: '–', met: null, data: { sdk: s.heapUsedBytes, legacy: l.heapUsedBytes } });
      rows.push({ scenario: scen(i + 1), measure: 'records copied', value: `SDK ${s.copied}`, baseline: `legacy ${l.copied}`, ratio: l.copied === 0 ? null : s.copied / l.copied, goal: 'equal', met: s.copied === l.copied, data: { sdk: s.copied, legacy: l.copied } });
    }
    rows.push({ scenario: scen(2), measure: 'records held afterwards (read back)', value: `SDK ${sdk.held}`, baseline: `legacy ${legacy.held}`, ratio: null, goal: `both ${sdk.expected}`, met: sdk.held === sdk.expected && legacy.held === legacy.expected, data: { sdk: sdk.held, legacy: legacy.held, expected: sdk.expected } });
  }
  const tr = get<TracingResult>('tracing');
  for (const level of tr?.levels ?? []) {
    const scen = `12 tracing, concurrency ${level.concurrency}`;
    rows.push({ scenario: scen, measure: `put ops/s, no subscriber vs no-op subscribers on every channel (${level.reps} pairs)`, ...rateRows(level, 'none', 'subscribed'), goal: '–', met: null });
    rows.push({ scenario: scen, measure: 'client CPU per put, no subscriber vs subscribed', ...cpuRows(level, 'none', 'subscribed'), goal: '–', met: null });
  }
  if (tr) {
    const us = tr.micro.usPerPut;
    const scen = '12 tracing, client layers only (instant transport)';
    const wrapper = pairedRatio(us.none, us.untraced);
    rows.push({ scenario: scen, measure: 'CPU per put: public put, no subscriber, vs the same put without the tracing wrapper', ...pair(us, 'none', 'untraced'), goal: '≤ 1.02 (no cost without subscribers)', met: wrapper <= 1.02 });
    rows.push({ scenario: scen, measure: 'CPU per put: no subscriber vs subscribed', ...pair(us, 'none', 'subscribed'), goal: '–', met: null });
  }
  return rows;
}

/** Value, baseline, paired ratio and data of two µs-per-put series. */
function pair<K extends string>(us: Record<K, number[]>, a: K, b: K) {
  const ma = median(us[a]);
  const mb = median(us[b]);
  return { value: `${a} ${ma.toFixed(2)} µs`, baseline: `${b} ${mb.toFixed(2)} µs`, ratio: pairedRatio(us[a], us[b]), data: { [`${a}Us`]: ma, [`${b}Us`]: mb } };
}
