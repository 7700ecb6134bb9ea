/**
 * `npm run stress:demo [-- runs burners]`: runs the OIP sync demo (`examples/oip-sync-demo.ts`,
 * 300 records) `runs` times in a row (default 20) while `burners` busy processes (default 2) load
 * the CPU, and counts the records the demo's own check reports as wrong (`MISMATCH` lines) and the
 * runs that did not end OK. Not a test: prints one line per run and a total; exits 1 on any failure.
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const [runs = 20, burners = 2] = process.argv.slice(2).map(Number);
const repo = path.resolve(import.meta.dirname, '..', '..');
const run = promisify(execFile);
const say = (line: string): void => void process.stdout.write(`${line}\n`);

const load: ChildProcess[] = Array.from({ length: burners }, () => fork('-e', ['for(;;){}'], { execArgv: [], stdio: 'ignore' }));
let mismatches = 0;
let failedRuns = 0;
try {
  for (let i = 1; i <= runs; i++) {
    const started = performance.now();
    let out = '';
    let err = '';
    let ok = false;
    try {
      ({ stdout: out, stderr: err } = await run(process.execPath, ['--import', 'tsx', path.join(repo, 'examples', 'oip-sync-demo.ts')], { cwd: repo, encoding: 'utf8', timeout: 600_000, maxBuffer: 16 * 1024 * 1024 }));
      ok = /^OK: /m.test(out);
    } catch (error) {
      out = String((error as { stdout?: string }).stdout ?? error);
      err = String((error as { stderr?: string }).stderr ?? '');
    }
    const wrong = out.split('\n').filter((l) => l.includes('MISMATCH'));
    mismatches += wrong.length;
    if (!ok) failedRuns++;
    say(`run ${i}/${runs}: ${ok ? 'OK' : 'FAILED'}, ${wrong.length} mismatches (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    for (const line of wrong.slice(0, 5)) say(`  ${line.trim()}`);
    if (!ok) say(`  ${[...out.trim().split('\n').slice(-3), ...err.trim().split('\n').slice(-5)].join('\n  ')}`);
  }
} finally {
  for (const child of load) child.kill('SIGKILL');
}
say(`${mismatches === 0 && failedRuns === 0 ? 'OK' : 'FAILED'}: ${mismatches} mismatches, ${failedRuns} failed runs in ${runs} demo runs under ${burners} busy processes`);
process.exitCode = mismatches === 0 && failedRuns === 0 ? 0 : 1;
