import type { run as runScaleCycle } from '../scenarios/scale-cycle.js';
import type { Row } from './report.js';

type ScaleCycleResult = Awaited<ReturnType<typeof runScaleCycle>>;

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const MiB = 1024 * 1024;

/**
 * Rows of the `scale.cycle` job: an OIP sync cycle whose peer index has `entries` entries against
 * the same cycle at `baselineEntries`, in the same run. Cycle 1 copies every record (per entry,
 * cost should stay flat); cycle 2 copies nothing (its requests should not grow with the index).
 */
export function scaleCycleRows(r: ScaleCycleResult): Row[] {
  const { large, baseline } = r;
  const scenario = `17 OIP sync cycle, peer index of ${int(r.entries)} entries (baseline ${int(r.baselineEntries)}, same run)`;
  const requests = (c: ScaleCycleResult['large']['cycles'][number]) => c.peerRequests + c.localRequests;
  const [l1, l2] = large.cycles as [(typeof large.cycles)[0], (typeof large.cycles)[0]];
  const [b1, b2] = baseline.cycles as [(typeof large.cycles)[0], (typeof large.cycles)[0]];
  const perEntry = (n: number, entries: number) => n / entries;
  const requestRatio = perEntry(requests(l1), large.entries) / perEntry(requests(b1), baseline.entries);
  const wallRatio = perEntry(l1.wallMs, large.entries) / perEntry(b1.wallMs, baseline.entries);
  // Heap after GC over the heap before the worker existed; the marginal cost per entry between sizes.
  const held = (s: ScaleCycleResult['large'], c: (typeof large.cycles)[0]) => c.heapAfterGcBytes - s.heapBeforeBytes;
  const marginal = (held(large, l2) - held(baseline, b2)) / (large.entries - baseline.entries);
  const counts = (c: (typeof large.cycles)[0]) => `${int(c.peerRequests)} peer + ${int(c.localRequests)} local`;
  const skipped = (c: (typeof large.cycles)[0]) => Object.entries(c.skipped).map(([k, v]) => `${k} ${v}`).join(', ');
  return [
    {
      scenario,
      measure: 'cycle 1 (copies every record): requests at the servers, per entry',
      value: `${counts(l1)} (${perEntry(requests(l1), large.entries).toFixed(2)}/entry, copied ${int(l1.copied)})`,
      baseline: `${counts(b1)} (${perEntry(requests(b1), baseline.entries).toFixed(2)}/entry)`,
      ratio: requestRatio,
      goal: '≤ 1.1 (linear)',
      met: requestRatio <= 1.1,
      data: { skippedLarge: skipped(l1), skippedBaseline: skipped(b1), reported: l1.reportedRequests },
    },
    {
      scenario,
      measure: 'cycle 1: wall time per entry',
      value: `${(l1.wallMs / 1000).toFixed(1)} s (${perEntry(l1.wallMs, large.entries).toFixed(1)} ms/entry)`,
      baseline: `${(b1.wallMs / 1000).toFixed(1)} s (${perEntry(b1.wallMs, baseline.entries).toFixed(1)} ms/entry)`,
      ratio: wallRatio,
      goal: '≤ 1.5 (linear)',
      met: wallRatio <= 1.5,
      data: { seedMsLarge: Math.round(large.seedMs), seedMsBaseline: Math.round(baseline.seedMs) },
    },
    {
      scenario,
      measure: 'cycle 2 (steady state, nothing to copy): requests at the servers',
      value: `${counts(l2)}`,
      baseline: `${counts(b2)}`,
      ratio: requests(l2) / Math.max(1, requests(b2)),
      goal: '≤ 1.0 (no growth with the index)',
      met: requests(l2) <= requests(b2),
      data: { skippedLarge: skipped(l2), reported: l2.reportedRequests },
    },
    {
      scenario,
      measure: 'cycle 2: wall time',
      value: `${l2.wallMs.toFixed(0)} ms`,
      baseline: `${b2.wallMs.toFixed(0)} ms`,
      ratio: l2.wallMs / b2.wallMs,
      goal: '—',
      met: null,
      data: {},
    },
    {
      scenario,
      measure: 'heap after GC after cycle 2, over the heap before the worker',
      value: `${(held(large, l2) / MiB).toFixed(1)} MiB (${marginal.toFixed(0)} B per added entry)`,
      baseline: `${(held(baseline, b2) / MiB).toFixed(1)} MiB`,
      ratio: held(large, l2) / held(baseline, b2),
      goal: '—',
      met: null,
      data: { afterCycle1: (held(large, l1) / MiB).toFixed(1), afterClose: ((large.heapAfterCloseBytes - large.heapBeforeBytes) / MiB).toFixed(1) },
    },
  ];
}
