/**
 * The SDK against the original helpers/gun.js failure path, as whole processes (see
 * original/baseline.cjs for what the baseline is and where it differs). A server here answers
 * every request 500 with a 64 KiB GUN message; each pair runs one child of each (alternating which
 * goes first), each making `calls` deletes of distinct souls with `concurrency` in flight. Reports
 * the median over pairs of the per-pair ratios (SDK / original) of CPU per failed call, start-up
 * CPU (process start through import + construct) and peak RSS.
 *
 *   npm run build && npx tsx test/bench/original-pairs.ts [--pairs 5] [--calls 3200] [--concurrency 8]
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const pairs = flag('pairs', 5);
const calls = flag('calls', 3_200);
const concurrency = flag('concurrency', 8);

interface ChildResult {
  startupCpuMs: number;
  startupRssMiB: number;
  failureCpuMs: number;
  usPerCall: number;
  failed: number;
  wallMs: number;
  peakRssMiB: number;
}

const body = Buffer.from(JSON.stringify({ error: 'x'.repeat(64 * 1024) }));
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(500, { 'Content-Type': 'application/json', 'Content-Length': body.length }).end(body));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

function child(variant: 'sdk' | 'baseline'): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(here, 'original', `${variant}.cjs`), url, String(calls), String(concurrency)], { timeout: 300_000, maxBuffer: 1 << 20 }, (error, stdout) => {
      if (error) return reject(error);
      const result = JSON.parse(stdout.trim().split('\n').pop()!) as ChildResult;
      if (result.failed !== calls) return reject(new Error(`${variant}: ${result.failed} of ${calls} calls failed; every one should`));
      resolve(result);
    });
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: Array<{ sdk: ChildResult; baseline: ChildResult }> = [];
for (let p = 0; p < pairs; p++) {
  const order: Array<'sdk' | 'baseline'> = p % 2 === 0 ? ['sdk', 'baseline'] : ['baseline', 'sdk'];
  const got: Partial<Record<'sdk' | 'baseline', ChildResult>> = {};
  for (const v of order) got[v] = await child(v);
  rows.push({ sdk: got.sdk!, baseline: got.baseline! });
  process.stderr.write(`pair ${p + 1}/${pairs}: CPU/call ${got.sdk!.usPerCall.toFixed(0)} vs ${got.baseline!.usPerCall.toFixed(0)} µs\n`);
}
server.close();

const metric = (name: string, pick: (r: ChildResult) => number, unit: string, goal?: number): string => {
  const ratio = median(rows.map((r) => pick(r.sdk) / pick(r.baseline)));
  const sdk = median(rows.map((r) => pick(r.sdk)));
  const base = median(rows.map((r) => pick(r.baseline)));
  return `| ${name} | ${sdk.toFixed(unit === 'µs' ? 0 : 1)} ${unit} | ${base.toFixed(unit === 'µs' ? 0 : 1)} ${unit} | **${ratio.toFixed(2)}×** | ${goal === undefined ? '–' : `≤ ${goal.toFixed(1)}× ${ratio <= goal ? 'met' : 'NOT met'}`} |`;
};
const lines = [
  `${pairs} alternating pairs of whole processes; ${calls} deletes of distinct souls, ${concurrency} in flight, each refused with a 64 KiB 500 (medians; ratio = median of per-pair ratios)`,
  '',
  '| figure | SDK (`GunHelper`) | original failure path (axios 1.7.9) | ratio | goal |',
  '|---|---:|---:|---:|---|',
  metric('CPU per failed call', (r) => r.usPerCall, 'µs', 1.0),
  metric('start-up CPU (process start, import, construct)', (r) => r.startupCpuMs, 'ms', 1.5),
  metric('peak RSS', (r) => r.peakRssMiB, 'MiB', 1.1),
  metric('RSS after start-up', (r) => r.startupRssMiB, 'MiB'),
];
process.stdout.write(lines.join('\n') + '\n');
