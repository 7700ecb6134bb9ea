import type { run as runStorm } from '../scenarios/storm.js';
import type { run as runPoisoned } from '../scenarios/poisoned.js';
import type { run as runThroughput } from '../scenarios/throughput.js';
import type { run as runResilience } from '../scenarios/resilience.js';
import type { run as runDeleteCost } from '../scenarios/delete-cost.js';
import type { run as runFailureCost } from '../scenarios/failure-cost.js';
import type { PairsResult } from '../original-pairs.js';
import type { run as runSnapshotCost } from '../scenarios/snapshot-cost.js';
import type { run as runScale } from '../scenarios/scale.js';
import type { run as runSoak } from '../scenarios/soak.js';
import type { JobOutcome } from './orchestrate.js';
import type { PlanSettings } from './plan.js';
import { linearFit, median, pairedRatio } from './stats.js';
import type { InterleavedResult } from './interleave.js';
import { fleetRows } from './reportFleet.js';
import { scaleCycleRows } from './reportScaleCycle.js';
import { syncRows } from './reportSync.js';

type StormResult = Awaited<ReturnType<typeof runStorm>>;
type PoisonedResult = Awaited<ReturnType<typeof runPoisoned>>;
type ThroughputResult = Awaited<ReturnType<typeof runThroughput>>;
type ResilienceResult = Awaited<ReturnType<typeof runResilience>>;
type DeleteCostResult = Awaited<ReturnType<typeof runDeleteCost>>;
type SoakResult = Awaited<ReturnType<typeof runSoak>>;

/** One line of the results table: a figure, the baseline it is compared with, and their ratio. */
export interface Row {
  scenario: string;
  measure: string;
  value: string;
  baseline: string;
  ratio: number | null;
  goal: string;
  /** true / false when the row has a goal, null otherwise. */
  met: boolean | null;
  /** Machine-readable figures behind the row. */
  data: Record<string, number | string | boolean | null>;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(2)} MiB`;
const ms = (x: number) => `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`;

/** Formats a ratio with enough digits to be read (tiny ratios in scientific-ish form). */
export function fmtRatio(r: number | null): string {
  if (r === null || !Number.isFinite(r)) return '–';
  if (Math.abs(r) >= 0.1) return r.toFixed(3);
  if (Math.abs(r) >= 0.001) return r.toFixed(4);
  return r.toExponential(1);
}

/** Builds the table from the jobs' outcomes; missing or failed jobs give a row saying so. */
export function buildRows(outcomes: Map<string, JobOutcome>, s: PlanSettings): Row[] {
  const rows: Row[] = [];
  const get = <T>(name: string): T | undefined => {
    const o = outcomes.get(name);
    if (!o) return undefined;
    if (!o.ok) {
      rows.push({ scenario: name, measure: 'job failed', value: (o.error ?? '').split('\n')[0] ?? '', baseline: '–', ratio: null, goal: '–', met: false, data: {} });
      return undefined;
    }
    return o.result as T;
  };

  // 1. Failure storm.
  const st = s.storm;
  for (const op of ['delete', 'put'] as const) {
    const naive = get<StormResult>(`storm.${op}.naive.${st.baselineSize}`);
    const plain = get<StormResult>(`storm.${op}.plain.${st.baselineSize}`);
    const sdk = st.sizes.map((n) => get<StormResult>(`storm.${op}.sdk.${n}`));
    const what = op === 'delete' ? 'deletes' : 'puts';
    const label = (n: number) => `1 storm: ${int(n)} ${what}, 500 + 256 KiB body`;
    const small = sdk[0];
    const large = sdk[sdk.length - 1];
    if (naive && small) {
      rows.push({
        scenario: label(small.n),
        measure: 'retained after GC (heap data + Buffers)',
        value: `gun-relay-client ${mib(small.delta.total)}`,
        baseline: `naive axios, keeps last ${st.keep} errors: ${mib(naive.delta.total)}`,
        ratio: small.delta.total / naive.delta.total,
        goal: '–',
        met: null,
        data: { sdkBytes: small.delta.total, naiveBytes: naive.delta.total, n: small.n },
      });
    }
    if (naive && plain) {
      rows.push({
        scenario: label(plain.n),
        measure: 'retained after GC (heap data + Buffers)',
        value: `plain axios, drops errors: ${mib(plain.delta.total)}`,
        baseline: `naive axios: ${mib(naive.delta.total)}`,
        ratio: plain.delta.total / naive.delta.total,
        goal: '–',
        met: null,
        data: { plainBytes: plain.delta.total, naiveBytes: naive.delta.total, n: plain.n },
      });
    }
    if (small && large && large !== small) {
      const r = large.delta.total / small.delta.total;
      rows.push({
        scenario: label(large.n),
        // Once the ledger is full every new soul evicts one, and the deleted entries fill V8's
        // ordered hash table until it doubles: a one-time step of ~28 B per slot, not growth with N.
        measure: `SDK retained, N=${int(large.n)} vs N=${int(small.n)} (ledger table doubles once eviction starts)`,
        value: `${mib(large.delta.total)} (${int(large.trackedAfter)} souls tracked)`,
        baseline: `${mib(small.delta.total)} (${int(small.trackedAfter)} souls tracked)`,
        ratio: r,
        goal: '–',
        met: null,
        data: { largeBytes: large.delta.total, smallBytes: small.delta.total, largeTracked: large.trackedAfter, smallTracked: small.trackedAfter },
      });
    }
    if (large && large.checkpoints.length > 2) {
      // Checkpoints after the ledger's first full turnover (its table has doubled by then):
      // retained memory must not grow with more failing souls.
      const full = large.checkpoints.filter((c) => c.tracked >= st.maxTrackedSouls && c.ops >= 2 * st.maxTrackedSouls);
      if (full.length > 2) {
        const fit = linearFit(full.map((c) => c.ops), full.map((c) => c.retained));
        const values = full.map((c) => c.retained);
        const span = full[full.length - 1]!.ops - full[0]!.ops;
        rows.push({
          scenario: label(large.n),
          measure: `SDK retained at ${full.length} checkpoints from N=${int(full[0]!.ops)} (ledger turned over): range, slope ± 2 SE`,
          value: `${mib(Math.min(...values))}–${mib(Math.max(...values))}, ${fit.slope.toFixed(1)} ± ${(2 * fit.slopeStdErr).toFixed(1)} B/op`,
          baseline: `retained at N=${int(full[0]!.ops)}: ${mib(full[0]!.retained)}`,
          ratio: (fit.slope * span) / full[0]!.retained,
          goal: 'flat (fitted growth ≤ 10 % of level)',
          met: Math.abs(fit.slope * span) <= 0.1 * full[0]!.retained,
          data: { slope: fit.slope, slopeStdErr: fit.slopeStdErr, min: Math.min(...values), max: Math.max(...values), checkpoints: full.length },
        });
      }
    }
    for (const r of sdk) {
      if (!r) continue;
      const added = r.trackedAfter - r.trackedBefore;
      const perSoul = r.delta.total / Math.max(1, added);
      rows.push({
        scenario: label(r.n),
        measure: r === small ? 'SDK bytes per tracked soul (first fill)' : 'SDK bytes per tracked soul (under eviction)',
        value: `${int(perSoul)} B (${int(added)} souls added)`,
        baseline: `one error body: ${int(256 * 1024)} B`,
        ratio: perSoul / (256 * 1024),
        goal: '–',
        met: null,
        data: { bytesPerSoul: perSoul, soulsAdded: added },
      });
    }
  }

  // 2. Poisoned souls.
  const po = get<PoisonedResult>('poisoned');
  const poSent = outcomes.get('poisoned')?.servers['reject']?.requests;
  if (po && poSent !== undefined) {
    const scen = `2 poisoned: ${po.souls} souls × ${int(po.deletesPerSoul)} deletes`;
    rows.push({
      scenario: scen,
      measure: 'requests actually sent',
      value: `${int(poSent)}`,
      baseline: `deletes issued (what a client without a ledger sends): ${int(po.deletes)}`,
      ratio: poSent / po.deletes,
      goal: `${po.souls * 3}`,
      met: poSent === po.souls * 3,
      data: { sent: poSent, deletes: po.deletes, skipped: po.skipped, failed: po.failed },
    });
    const skipRow = (label: string, runs: PoisonedResult['withKeys']) => {
      const rate = median(runs.map((r) => r.rate));
      const base = median(po.baseline.map((r) => r.rate));
      rows.push({
        scenario: scen,
        measure: `skip rate, ${label} (sequential await)`,
        value: `${int(rate)} skips/s`,
        baseline: `bare async fn: ${int(base)} calls/s`,
        ratio: rate / base,
        goal: '≥ 1,000,000 skips/s',
        met: rate >= 1_000_000,
        data: { skipsPerSec: rate, baselinePerSec: base },
      });
      const bytes = median(runs.map((r) => r.bytesPerCall));
      const baseBytes = median(po.baseline.map((r) => r.bytesPerCall));
      rows.push({
        scenario: scen,
        measure: `bytes allocated per skip, ${label}`,
        value: `${int(bytes)} B`,
        baseline: `bare async fn: ${int(baseBytes)} B`,
        ratio: bytes / baseBytes,
        goal: '–',
        met: null,
        data: { bytesPerSkip: bytes, baselineBytes: baseBytes },
      });
    };
    skipRow('delete(soul, {keys})', po.withKeys);
    if (po.noKeys.length > 0) skipRow('delete(soul)', po.noKeys);
  }

  // 3. Throughput overhead.
  const tp = get<ThroughputResult>('throughput');
  for (const level of tp?.levels ?? []) {
    const scen = `3 throughput: put, small answer, concurrency ${level.concurrency}`;
    const r = rateRows(level, 'sdk', 'axios');
    rows.push({ scenario: scen, measure: 'client.put vs axios.post (ops/s)', ...r, goal: '≥ 0.95', met: (r.ratio ?? 0) >= 0.95 });
    rows.push({ scenario: scen, measure: 'axios.post vs node:http (ops/s)', ...rateRows(level, 'axios', 'node:http'), goal: '–', met: null });
    rows.push({ scenario: scen, measure: 'client CPU per put: SDK vs axios', ...cpuRows(level, 'sdk', 'axios'), goal: '–', met: null });
  }

  // Issue 3: the resilience machinery's cost.
  const rs = get<ResilienceResult>('resilience');
  for (const level of rs?.levels ?? []) {
    const scen = `3b resilience on vs off, concurrency ${level.concurrency}`;
    const r = rateRows(level, 'on', 'off');
    rows.push({ scenario: scen, measure: `put ops/s, retry+breaker+limiter on vs off (${level.reps} A/B pairs)`, ...r, goal: '≥ 0.98 (cost ≤ 2 %)', met: (r.ratio ?? 0) >= 0.98 });
    rows.push({ scenario: scen, measure: 'client CPU per put, on vs off', ...cpuRows(level, 'on', 'off'), goal: '–', met: null });
  }
  if (rs) {
    const on = median(rs.micro.usPerPut.on);
    const off = median(rs.micro.usPerPut.off);
    const top = rs.levels[rs.levels.length - 1];
    const httpPut = top ? median(top.cpuUsPerOp['off']!) : Number.NaN;
    rows.push({
      scenario: '3b resilience, client layers only (instant transport)',
      measure: 'CPU per put, on vs off',
      value: `on ${on.toFixed(2)} µs`,
      baseline: `off ${off.toFixed(2)} µs`,
      ratio: pairedRatio(rs.micro.usPerPut.on, rs.micro.usPerPut.off),
      goal: '–',
      met: null,
      data: { onUs: on, offUs: off },
    });
    rows.push({
      scenario: '3b resilience, client layers only (instant transport)',
      measure: 'machinery CPU (on − off) vs CPU of one HTTP put',
      value: `${(on - off).toFixed(2)} µs`,
      baseline: `HTTP put, machinery off: ${httpPut.toFixed(1)} µs`,
      ratio: (on - off) / httpPut,
      goal: '≤ 0.02',
      met: (on - off) / httpPut <= 0.02,
      data: { machineryUs: on - off, httpPutUs: httpPut },
    });
    rows.push({
      scenario: `3b agent pool, concurrency ${rs.pool.concurrency}`,
      measure: 'off with agent pool = maxInFlight 1,024 vs off with 16 sockets',
      ...rateRows(rs.pool, 'off, pool 1024', 'off'),
      goal: '–',
      met: null,
    });
  }

  rows.push(...syncRows(get));

  // 4. Delete cost against the local relay.
  const dc = get<DeleteCostResult>('delete-cost');
  for (const relay of dc?.relays ?? []) {
    const timing = relay.label === 'fast' ? 'putDelayMs 0, writeBatchMs 1' : 'production timings';
    const scen = `4 delete, local relay (${timing})`;
    const m = relay.medianMs;
    const q = relay.medianRequests;
    if (relay.label === 'fast') {
      for (const [k, expect] of [['known', 1], ['unknown', 2]] as const) {
        const sdkReq = q[`sdk-${k}`]!;
        const axReq = q[`axios-${k}`]!;
        rows.push({
          scenario: scen,
          measure: `requests per delete, keys ${k}`,
          value: `${sdkReq} (max ${relay.maxRequests[`sdk-${k}`]})`,
          baseline: `hand-written axios: ${axReq}`,
          ratio: sdkReq / axReq,
          goal: `${expect}`,
          met: sdkReq === expect && relay.maxRequests[`sdk-${k}`] === expect && relay.gone[`sdk-${k}`] === true,
          data: { sdk: sdkReq, axios: axReq, deleted: relay.gone[`sdk-${k}`] ?? null },
        });
      }
    }
    for (const k of ['known', 'unknown'] as const) {
      rows.push({
        scenario: scen,
        measure: `median latency per delete, keys ${k} (n=${relay.perVariant})`,
        value: ms(m[`sdk-${k}`]!),
        baseline: `hand-written axios: ${ms(m[`axios-${k}`]!)}`,
        ratio: m[`sdk-${k}`]! / m[`axios-${k}`]!,
        goal: '–',
        met: null,
        data: { sdkMs: m[`sdk-${k}`]!, axiosMs: m[`axios-${k}`]! },
      });
    }
    if (relay.label === 'fast') {
      rows.push({
        scenario: scen,
        measure: 'legacy delete put(soul, null)',
        value: `${q['legacy-null']} request → ${relay.legacyStatus}, node ${relay.gone['legacy-null'] ? 'deleted' : 'still there'}`,
        baseline: `SDK keys known: ${q['sdk-known']} request → deleted`,
        ratio: null,
        goal: '–',
        met: null,
        data: { status: relay.legacyStatus, deleted: relay.gone['legacy-null'] ?? null },
      });
    }
  }

  // 5. Soak.
  const so = get<SoakResult>('soak');
  if (so) {
    const first = so.samples[0]!.memory.total;
    const slope = so.fit.total.slope;
    const growth = slope * so.done;
    const faults = outcomes.get('soak')?.servers['soak']?.faults ?? {};
    const requests = outcomes.get('soak')?.servers['soak']?.requests ?? 0;
    const faultCount = Object.values(faults).reduce((a, b) => a + b, 0);
    const scen = `5 soak: ${int(so.done)} mixed ops, ${Math.round((faultCount / Math.max(1, requests)) * 100)} % of ${int(requests)} requests faulted`;
    const se2 = 2 * so.fit.total.slopeStdErr;
    rows.push({
      scenario: scen,
      measure: `heap data + Buffers, fitted slope ± 2 SE (${so.samples.length} samples after GC)`,
      value: `${slope.toFixed(1)} ± ${se2.toFixed(1)} B/op (growth ${mib(growth)})`,
      baseline: `same at first sample: ${mib(first)}`,
      ratio: growth / first,
      goal: '≈ 0 (0 inside slope ± 2 SE)',
      met: Math.abs(slope) <= se2,
      data: { slopeBytesPerOp: slope, slopeStdErr: so.fit.total.slopeStdErr, heapSlope: so.fit.heap.slope, r2: so.fit.total.r2, first, growth, ops: so.done, requests, faultCount },
    });
    const tracked = so.samples.map((x) => x.trackedSouls);
    rows.push({
      scenario: scen,
      measure: 'souls tracked by the ledger (min–max over samples)',
      value: `${int(Math.min(...tracked))}–${int(Math.max(...tracked))}`,
      baseline: `maxTrackedSouls: ${int(10_000)}`,
      ratio: Math.max(...tracked) / 10_000,
      goal: '≤ 1',
      met: Math.max(...tracked) <= 10_000,
      data: { minTracked: Math.min(...tracked), maxTracked: Math.max(...tracked) },
    });
  }
  const sc = get<Awaited<ReturnType<typeof runSnapshotCost>>>('snapshot-cost');
  for (const [shape, r] of Object.entries(sc?.shapes ?? {})) {
    rows.push({
      scenario: `10 snapshot at call time (${shape} node)`,
      measure: 'CPU per put: validate + copy + serialise',
      value: `prepareWrite ${r.prepareUs.toFixed(2)} µs`,
      baseline: `JSON.stringify alone: ${r.stringifyUs.toFixed(2)} µs`,
      ratio: r.ratio,
      goal: '–',
      met: null,
      data: { prepareUs: r.prepareUs, stringifyUs: r.stringifyUs },
    });
  }
  const sl = get<Awaited<ReturnType<typeof runScale>>>('scale');
  if (sl) rows.push(...scaleRows(sl));
  const scy = get<Parameters<typeof scaleCycleRows>[0]>('scale.cycle');
  if (scy) rows.push(...scaleCycleRows(scy));
  const fc = get<Awaited<ReturnType<typeof runFailureCost>>>('failure-cost');
  if (fc) {
    rows.push({
      scenario: '10 failure path: put refused 500 + 64 KiB body',
      measure: 'CPU per failed call (median of paired chunks)',
      value: `gun-relay-client ${fc.sdkUsPerCall.toFixed(0)} µs`,
      baseline: `legacy-style axios + Map: ${fc.baselineUsPerCall.toFixed(0)} µs`,
      ratio: fc.ratio,
      goal: '≤ 1.0',
      met: fc.allRejected && fc.ratio <= 1,
      data: { ratios: fc.ratios.map((r) => r.toFixed(3)).join(" "), allRejected: fc.allRejected },
    });
  }
  const op = get<PairsResult>('original-pairs');
  if (op) {
    const figures = [
      [`CPU per failed delete, the first ${op.calls}`, op.cpuPerCall, 'µs'],
      ...(op.cpuPerWarmCall ? [[`CPU per failed delete, the next ${op.extra} (warm)`, op.cpuPerWarmCall, 'µs'] as const] : []),
      ['start-up CPU (process start, import, construct)', op.startupCpu, 'ms'],
      ['peak RSS', op.peakRss, 'MiB'],
    ] as const;
    for (const [measure, f, unit] of figures) {
      const digits = unit === 'µs' ? 0 : 1;
      rows.push({
        scenario: `11 whole processes: GunHelper vs the original helpers/gun.js failure path (${op.pairs} pairs, ${op.calls}${op.extra ? ` + ${op.extra}` : ''} refused deletes)`,
        measure,
        value: `GunHelper ${f.sdk.toFixed(digits)} ${unit}`,
        baseline: `original (axios 1.7.9) ${f.original.toFixed(digits)} ${unit}`,
        ratio: f.ratio,
        goal: `≤ ${f.goal!.toFixed(1)}`,
        met: f.ratio <= f.goal!,
        data: { sdk: f.sdk, original: f.original },
      });
    }
  }
  const fl = get<Parameters<typeof fleetRows>[0]>('fleet');
  if (fl) rows.push(...fleetRows(fl));
  return rows;
}

export function rateRows(level: InterleavedResult, a: string, b: string) {
  const ra = level.rates[a]!;
  const rb = level.rates[b]!;
  const ratio = pairedRatio(ra, rb);
  return {
    value: `${a} ${int(median(ra))} ops/s`,
    baseline: `${b} ${int(median(rb))} ops/s`,
    ratio,
    data: { a: median(ra), b: median(rb), reps: level.reps, opsPerRep: level.opsPerRep, rejectedA: level.rejected[a] ?? 0, rejectedB: level.rejected[b] ?? 0 },
  };
}

export function cpuRows(level: InterleavedResult, a: string, b: string) {
  const ca = level.cpuUsPerOp[a]!;
  const cb = level.cpuUsPerOp[b]!;
  return {
    value: `${a} ${median(ca).toFixed(1)} µs`,
    baseline: `${b} ${median(cb).toFixed(1)} µs`,
    ratio: pairedRatio(ca, cb),
    data: { a: median(ca), b: median(cb) },
  };
}

/** The rows as a Markdown table (what docs/performance.md shows). */
export function markdownTable(rows: Row[]): string {
  const head = ['Scenario', 'Measure', 'Value', 'Baseline (same run)', 'Ratio', 'Goal', 'Met'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const met = r.met === null ? '–' : r.met ? 'yes' : '**no**';
    lines.push(`| ${[r.scenario, r.measure, r.value, r.baseline, fmtRatio(r.ratio), r.goal, met].join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The rows of the `scale` job: snapshot load against JSON.parse of the same bytes. */
function scaleRows(r: Awaited<ReturnType<typeof runScale>>): Row[] {
  const MiB = 1024 * 1024;
  const scenario = `17 index of ${r.entries.toLocaleString('en-US')} entries (${(r.bodyBytes / MiB).toFixed(0)} MiB)`;
  const timeRatio = median(r.timeRatios);
  const peakRatio = r.snapshot.peakBytes / r.bodyBytes;
  const perEntry = r.snapshot.retainedBytes / r.entries;
  return [
    {
      scenario,
      measure: 'load time (median round)',
      value: `IndexSnapshot.load ${r.snapshot.ms.toFixed(0)} ms`,
      baseline: `JSON.parse of the same bytes: ${r.parse.ms.toFixed(0)} ms`,
      ratio: timeRatio,
      goal: '≤ 2.0',
      met: timeRatio <= 2,
      data: { ratios: r.timeRatios.map((x) => x.toFixed(2)).join(' ') },
    },
    {
      scenario,
      measure: 'peak heap while loading, per body byte',
      value: `${(r.snapshot.peakBytes / MiB).toFixed(0)} MiB`,
      baseline: `JSON.parse: ≥ ${(r.parse.peakBytes / MiB).toFixed(0)} MiB (body ${(r.bodyBytes / MiB).toFixed(0)} MiB)`,
      ratio: peakRatio,
      goal: '≤ 2.0',
      met: peakRatio <= 2,
      data: { parsePerBodyByte: (r.parse.peakBytes / r.bodyBytes).toFixed(2) },
    },
    {
      scenario,
      measure: 'retained after GC, per entry',
      value: `${perEntry.toFixed(1)} B (store ${r.snapshot.storeBytesPerEntry.toFixed(1)} B)`,
      baseline: `parsed object: ${(r.parse.retainedBytes / r.entries).toFixed(1)} B`,
      ratio: perEntry / (r.parse.retainedBytes / r.entries),
      goal: '≤ 64 B',
      met: perEntry <= 64,
      data: {},
    },
  ];
}
