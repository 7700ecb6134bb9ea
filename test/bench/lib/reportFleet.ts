import type { run as runFleet } from '../scenarios/fleet.js';
import type { Row } from './report.js';
import { median, pairedRatio } from './stats.js';

type FleetResult = Awaited<ReturnType<typeof runFleet>>;

const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** Rows of the `fleet` job (issue 13): skip path with a Redis store, fleet-wide failing requests. */
export function fleetRows(fl: FleetResult): Row[] {
  const rows: Row[] = [];
  const scen = `6 fleet: ${fl.souls} poisoned souls, RedisLedgerStore`;
  const ratio = pairedRatio(fl.skip.withStore, fl.skip.without);
  rows.push({
    scenario: scen,
    measure: 'skip rate with a Redis store attached (sequential await)',
    value: `${int(median(fl.skip.withStore))} skips/s`,
    baseline: `same client without a store: ${int(median(fl.skip.without))} skips/s`,
    ratio,
    goal: '≥ 0.9×',
    met: ratio >= 0.9,
    data: { withStore: median(fl.skip.withStore), without: median(fl.skip.without), redisWrites: fl.skip.redisWrites },
  });
  for (const w of fl.workers) {
    const without = fl.fleet.find((f) => f.workers === w && !f.store);
    const withStore = fl.fleet.find((f) => f.workers === w && f.store);
    if (!without || !withStore) continue;
    rows.push({
      scenario: scen,
      measure: `failing requests fleet-wide, W = ${w} (${int(withStore.calls)} calls)`,
      value: `${int(withStore.failing)} with the store`,
      baseline: `${int(without.failing)} without`,
      ratio: withStore.failing / without.failing,
      goal: `≤ ${fl.souls * 3}`,
      met: withStore.failing <= fl.souls * 3,
      data: { workers: w, withStore: withStore.failing, without: without.failing, calls: withStore.calls },
    });
  }
  return rows;
}
