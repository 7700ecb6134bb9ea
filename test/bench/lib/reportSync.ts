import type { run as runTracing } from '../scenarios/tracing.js';
import { cpuRows, rateRows, type Row } from './report.js';
import { median, pairedRatio } from './stats.js';

type TracingResult = Awaited<ReturnType<typeof runTracing>>;

/** Rows of the sync-worker jobs (issue 12): tracing's cost. */
export function syncRows(get: <T>(name: string) => T | undefined): Row[] {
  const rows: Row[] = [];
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
