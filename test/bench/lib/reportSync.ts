import type { run as runTracing } from '../scenarios/tracing.js';
import type { run as runCycle } from '../scenarios/cycle.js';
import { cpuRows, rateRows, type Row } from './report.js';
import { median, pairedRatio } from './stats.js';

type TracingResult = Awaited<ReturnType<typeof runTracing>>;
type CycleResult = Awaited<ReturnType<typeof runCycle>>;

/** Rows of the sync-worker jobs: the cycle's three variants, tracing's cost. */
export function syncRows(get: <T>(name: string) => T | undefined): Row[] {
  const rows: Row[] = [];
  const cy = get<CycleResult>('cycle');
  if (cy) {
    const { original, facade, sdk } = cy.sides;
    const label = (i: number) => (i === 2 ? `at t = ${cy.lateAtMs / 1000} s` : `${i + 1}`);
    const scen = (i: number) => `sync cycle ${label(i)}: ${cy.types} types (${cy.typesWritten} written), ${cy.records} records, via the OIP proxy`;
    const req = (m: (typeof sdk.cycles)[0]) => m.peerRequests + m.localRequests;
    for (let i = 0; i < original.cycles.length; i++) {
      const [o, f, s] = [original.cycles[i]!, facade.cycles[i]!, sdk.cycles[i]!];
      const data = Object.fromEntries(([['original', o], ['facade', f], ['sdk', s]] as const).flatMap(([v, m]) => [[`${v}PeerRequests`, m.peerRequests], [`${v}LocalRequests`, m.localRequests], [`${v}Ms`, m.durationMs], [`${v}Copied`, m.copied]]));
      rows.push({ scenario: scen(i), measure: 'requests (at the servers), facade vs original module', value: `facade ${req(f)}`, baseline: `original ${req(o)}`, ratio: req(f) / req(o), goal: '≤ 1', met: req(f) <= req(o), data });
      rows.push({ scenario: scen(i), measure: 'requests (at the servers), SDK worker vs original module', value: `SDK ${req(s)}`, baseline: `original ${req(o)}`, ratio: req(s) / req(o), goal: '–', met: null, data });
      rows.push({ scenario: scen(i), measure: 'wall time, facade vs original module', value: `facade ${(f.durationMs / 1000).toFixed(1)} s`, baseline: `original ${(o.durationMs / 1000).toFixed(1)} s`, ratio: f.durationMs / o.durationMs, goal: '–', met: null, data });
      rows.push({ scenario: scen(i), measure: 'wall time, SDK worker vs original module', value: `SDK ${(s.durationMs / 1000).toFixed(1)} s`, baseline: `original ${(o.durationMs / 1000).toFixed(1)} s`, ratio: s.durationMs / o.durationMs, goal: '–', met: null, data });
      rows.push({ scenario: scen(i), measure: 'records copied (original / facade / SDK)', value: `${o.copied} / ${f.copied} / ${s.copied}`, baseline: '–', ratio: null, goal: '–', met: null, data });
    }
    rows.push({
      scenario: scen(original.cycles.length - 1),
      measure: 'expected records held afterwards; records deleted on the peer held (original / facade / SDK)',
      value: `${original.held}; ${original.heldDeleted} / ${facade.held}; ${facade.heldDeleted} / ${sdk.held}; ${sdk.heldDeleted}`,
      baseline: `${cy.expected} expected, ${cy.deletedOnPeer} deleted`,
      ratio: null,
      goal: `SDK ${cy.expected}; 0`,
      met: sdk.held === cy.expected && sdk.heldDeleted === 0,
      data: { originalHeld: original.held, originalHeldDeleted: original.heldDeleted, facadeHeld: facade.held, facadeHeldDeleted: facade.heldDeleted, sdkHeld: sdk.held, sdkHeldDeleted: sdk.heldDeleted },
    });
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
