/**
 * The benchmark suite (issue 5, plus issue 3's overhead check). `npm run bench` runs it all
 * (~20 min on 2 cores, the cycle job ~10 of them), `npm run bench -- --quick` a smaller smoke check. Each job runs in a
 * fresh `node --expose-gc` child; servers run here, on 127.0.0.1. Prints a Markdown table and
 * writes every figure, with the raw measurements, to bench-results.json (or `--out <path>`).
 *
 * Options: --quick, --out <path>, --only <substring> (run the jobs whose name contains it).
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { runJob, type JobOutcome } from './lib/orchestrate.js';
import { plan, settings } from './lib/plan.js';
import { buildRows, markdownTable } from './lib/report.js';
import { staleSources } from './lib/sdk.js';

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log('usage: npm run bench [-- --quick] [-- --out <file>] [-- --only <job-name-part>]');
  process.exit(0);
}
const valueOf = (flag: string): string | undefined => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick');
const out = resolve(valueOf('--out') ?? 'bench-results.json');
const only = valueOf('--only');

const stale = staleSources();
if (stale.length > 0) {
  process.stderr.write(`warning: dist/ is older than ${stale.length} file(s) in src/ (e.g. ${stale[0]}); run \`npm run build\` (npm run bench does)\n`);
}

const s = settings(quick);
const jobs = plan(s).filter((j) => only === undefined || j.name.includes(only));
const started = performance.now();
const loadBefore = loadavg();
const outcomes = new Map<string, JobOutcome>();

process.stderr.write(`gun-relay-client benchmarks (${quick ? 'quick' : 'full'}): ${jobs.length} jobs\n`);
for (const job of jobs) {
  process.stderr.write(`  ${job.name.padEnd(28)} `);
  const outcome = await runJob(job);
  outcomes.set(job.name, outcome);
  process.stderr.write(`${outcome.ok ? 'ok' : 'FAILED'} ${(outcome.ms / 1000).toFixed(1)} s\n`);
  if (!outcome.ok) process.stderr.write(`${outcome.error}\n`);
}
const totalMs = performance.now() - started;

const rows = buildRows(outcomes, s);
const table = markdownTable(rows);
const cpu = cpus();
const machine = {
  cpu: cpu[0]?.model ?? 'unknown',
  cores: cpu.length,
  memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  loadAverageBefore: loadBefore.map((l) => Math.round(l * 100) / 100),
  loadAverageAfter: loadavg().map((l) => Math.round(l * 100) / 100),
};
let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
} catch {
  // not a git checkout
}

console.log(`\n${table}\n`);
console.log(
  `${quick ? 'quick' : 'full'} run, ${(totalMs / 1000).toFixed(0)} s, commit ${commit}; ${machine.cpu}, ${machine.cores} cores, ` +
    `Node ${machine.node}, load average ${machine.loadAverageBefore.join(' ')} → ${machine.loadAverageAfter.join(' ')}`,
);
writeFileSync(
  out,
  `${JSON.stringify(
    {
      mode: quick ? 'quick' : 'full',
      date: new Date().toISOString(),
      commit,
      durationMs: Math.round(totalMs),
      machine,
      settings: s,
      rows,
      table,
      jobs: Object.fromEntries([...outcomes].map(([name, o]) => [name, { ok: o.ok, error: o.error, ms: Math.round(o.ms), servers: o.servers, result: o.result }])),
    },
    null,
    2,
  )}\n`,
);
if (quick) console.log('quick mode is a smoke check: its runs are too short for the figures to be quoted or goals judged; use the full run');
console.log(`results: ${out}`);
process.exitCode = [...outcomes.values()].some((o) => !o.ok) ? 1 : 0;
