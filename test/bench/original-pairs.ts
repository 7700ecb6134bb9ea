/**
 * The SDK against the original helpers/gun.js failure path, as whole processes (see
 * original/baseline.cjs for what the baseline is and where it differs). A server here answers
 * every request 500 with a 64 KiB GUN message; each pair runs one child of each (alternating which
 * goes first), each making `calls` deletes of distinct souls with `concurrency` in flight. Reports
 * the median over pairs of the per-pair ratios (SDK / original) of CPU per failed call, start-up
 * CPU (process start through import + construct) and peak RSS.
 *
 *   npm run build && npx tsx test/bench/original-pairs.ts [--pairs 5] [--calls 3200] [--concurrency 8] [--extra 9600]
 *
 * Also the `original-pairs` job of `npm run bench` (scenarios/original-pairs.ts).
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** What one child (SDK or original) measured. */
export interface ChildResult {
  startupCpuMs: number;
  startupRssMiB: number;
  failureCpuMs: number;
  usPerCall: number;
  /** CPU per call of the `extra` calls made after the first `calls` (absent without `extra`). */
  usPerWarmCall?: number;
  failed: number;
  wallMs: number;
  peakRssMiB: number;
}

/** One figure: the medians of each side and the median of the per-pair ratios. */
export interface PairFigure {
  sdk: number;
  original: number;
  ratio: number;
  goal: number | undefined;
}

/** The pairs' figures, and the Markdown table of them. */
export interface PairsResult {
  pairs: number;
  calls: number;
  concurrency: number;
  cpuPerCall: PairFigure;
  /** CPU per failed call in the warm phase (the `extra` calls after the first `calls`), when run. */
  cpuPerWarmCall: PairFigure | undefined;
  extra: number;
  startupCpu: PairFigure;
  peakRss: PairFigure;
  startupRss: PairFigure;
  markdown: string;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs `pairs` alternating pairs of whole processes against one 500-with-64-KiB server. */
export async function runPairs(pairs: number, calls: number, concurrency: number, progress: (line: string) => void = () => {}, extra = 0): Promise<PairsResult> {
  const body = Buffer.from(JSON.stringify({ error: 'x'.repeat(64 * 1024) }));
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(500, { 'Content-Type': 'application/json', 'Content-Length': body.length }).end(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const child = (variant: 'sdk' | 'baseline'): Promise<ChildResult> =>
    new Promise((resolve, reject) => {
      execFile(process.execPath, [join(here, 'original', `${variant}.cjs`), url, String(calls), String(concurrency), String(extra)], { timeout: 300_000, maxBuffer: 64 << 20 }, (error, stdout) => {
        if (error) return reject(error);
        const result = JSON.parse(stdout.trim().split('\n').pop()!) as ChildResult;
        if (result.failed !== calls + extra) return reject(new Error(`${variant}: ${result.failed} of ${calls + extra} calls failed; every one should`));
        resolve(result);
      });
    });

  const rows: Array<{ sdk: ChildResult; baseline: ChildResult }> = [];
  try {
    for (let p = 0; p < pairs; p++) {
      const order: Array<'sdk' | 'baseline'> = p % 2 === 0 ? ['sdk', 'baseline'] : ['baseline', 'sdk'];
      const got: Partial<Record<'sdk' | 'baseline', ChildResult>> = {};
      for (const v of order) got[v] = await child(v);
      rows.push({ sdk: got.sdk!, baseline: got.baseline! });
      const warm = extra > 0 ? `; warm ${got.sdk!.usPerWarmCall!.toFixed(0)} vs ${got.baseline!.usPerWarmCall!.toFixed(0)} µs` : '';
      progress(`pair ${p + 1}/${pairs}: CPU/call ${got.sdk!.usPerCall.toFixed(0)} vs ${got.baseline!.usPerCall.toFixed(0)} µs${warm}`);
    }
  } finally {
    server.close();
  }

  const figure = (pick: (r: ChildResult) => number, goal?: number): PairFigure => ({
    sdk: median(rows.map((r) => pick(r.sdk))),
    original: median(rows.map((r) => pick(r.baseline))),
    ratio: median(rows.map((r) => pick(r.sdk) / pick(r.baseline))),
    goal,
  });
  const cpuPerCall = figure((r) => r.usPerCall, 1.0);
  const cpuPerWarmCall = extra > 0 ? figure((r) => r.usPerWarmCall!, 1.0) : undefined;
  const startupCpu = figure((r) => r.startupCpuMs, 1.5);
  const peakRss = figure((r) => r.peakRssMiB, 1.1);
  const startupRss = figure((r) => r.startupRssMiB);
  const line = (name: string, f: PairFigure, unit: string): string => {
    const digits = unit === 'µs' ? 0 : 1;
    const goal = f.goal === undefined ? '–' : `≤ ${f.goal.toFixed(1)}× ${f.ratio <= f.goal ? 'met' : 'NOT met'}`;
    return `| ${name} | ${f.sdk.toFixed(digits)} ${unit} | ${f.original.toFixed(digits)} ${unit} | **${f.ratio.toFixed(2)}×** | ${goal} |`;
  };
  const markdown = [
    `${pairs} alternating pairs of whole processes; ${calls} deletes of distinct souls${extra > 0 ? `, then ${extra} more (the warm phase)` : ''}, ${concurrency} in flight, each refused with a 64 KiB 500 (medians; ratio = median of per-pair ratios)`,
    '',
    '| figure | SDK (`GunHelper`) | original failure path (axios 1.7.9) | ratio | goal |',
    '|---|---:|---:|---:|---|',
    line(`CPU per failed call, first ${calls} (start-up to warm)`, cpuPerCall, 'µs'),
    ...(cpuPerWarmCall ? [line(`CPU per failed call, the next ${extra} (warm)`, cpuPerWarmCall, 'µs')] : []),
    line('start-up CPU (process start, import, construct)', startupCpu, 'ms'),
    line('peak RSS', peakRss, 'MiB'),
    line('RSS after start-up', startupRss, 'MiB'),
  ].join('\n');
  return { pairs, calls, concurrency, extra, cpuPerCall, cpuPerWarmCall, startupCpu, peakRss, startupRss, markdown };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const flag = (name: string, fallback: number): number => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const result = await runPairs(flag('pairs', 5), flag('calls', 3_200), flag('concurrency', 8), (l) => process.stderr.write(`${l}\n`), flag('extra', 0));
  process.stdout.write(result.markdown + '\n');
}
