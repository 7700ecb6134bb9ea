/** Every example runs to completion, exits by itself with code 0, and prints what it promises. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { codeBlocks } from './helpers/codeBlocks.js';

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '..');

async function example(file: string, env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(repo, 'examples', file)], {
    cwd: repo,
    timeout: 60_000,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return stdout;
}

describe('examples', () => {
  it('sync-worker.ts (the demo): writes, reads, deletes, skips the poisoned soul after 3 failures, one stats event', async () => {
    const out = await example('sync-worker.ts');
    assert.match(out, /deleted 5 records; every get now returns null/);
    assert.match(out, /cycle 3: failed SOUL_REJECTED/);
    assert.match(out, /cycle 4: skipped \(failures=3, requests sent: 0\)/);
    assert.match(out, /📊 \[GUN Delete Stats\] Attempts: \d+, Skipped \(cached failures\): 10/);
    assert.match(out, /failed 3x then skipped 10x; stats events: 1/);
  });

  it('oip-sync-demo.ts (npm run demo), 60 records: three OipSyncWorker cycles through the OIP proxy, refused souls skipped from cycle 2, exact local state', async () => {
    const out = await example('oip-sync-demo.ts', { OIP_DEMO_RECORDS: '60' });
    assert.match(out, /peer seeded: 60 records over 8 of 37 record types, 3 deleted; 4 souls the local relay refuses/);
    assert.match(out, /\| 1 \| ok \| [\d.]+ s \| \d+ \| \d+ \| 0 \| 53 \| 0 \|/);
    assert.match(out, /\| 2 \| ok \| [\d.]+ s \| \d+ \| 0 \| 4 \| 20 \| 10 \|/);
    assert.match(out, /\| 3 \| ok \| [\d.]+ s \| \d+ \| 0 \| 4 \| 0 \| 0 \|/);
    assert.match(out, /cycle 1 ok in [\d.]+ s: \d+ requests \(\d+ misses\), \d+ listed, 53 copied, 0 skipped by the ledger \(no request\), 4 refused/);
    assert.match(out, /worker\.quarantined\(\): 4 souls \(put SOUL_REJECTED\)/);
    assert.match(out, /requests: (\d+) in cycles, \1 seen by the proxy and the local relay/);
    assert.match(out, /OK: the local relay holds exactly the 63 expected records; 4 refused souls skipped from cycle 2 on/);
  });

  it('sync-loop.mts (opens docs/sync-workers.md, verbatim): one cycle for two triggers, its own counts, health ok', async () => {
    const doc = fs.readFileSync(path.join(repo, 'docs', 'sync-workers.md'), 'utf8');
    const source = fs.readFileSync(path.join(repo, 'examples', 'sync-loop.mts'), 'utf8');
    assert.equal(/```ts\n([\s\S]*?)```/.exec(doc)![1], source, 'the docs page opens with the example as it is');
    const out = await example('sync-loop.mts');
    assert.match(out, /same cycle: true\ncycle 1 ok: 2 requests, 1 misses, one miss\nhealth: ok/);
  });

  it('tracing-opentelemetry.mts: a span per cycle, call and HTTP attempt, nested, in one trace', async () => {
    const out = await example('tracing-opentelemetry.mts');
    assert.equal(
      out.trim(),
      [
        'sync-cycle copy-records ok requests=3',
        '  gun-relay put written',
        '    HTTP POST /put attempt 0 -> 200',
        '  gun-relay get missing',
        '    HTTP GET /get attempt 0 -> 503',
        '    HTTP GET /get attempt 1 -> 404',
        '6 spans, 1 trace',
      ].join('\n'),
    );
  });

  it('tracing-prometheus.mts: attempt latency by op and status, cycles by outcome, sockets by state', async () => {
    const out = await example('tracing-prometheus.mts');
    assert.match(out, /gun_relay_attempt_duration_seconds_count\{op="get",status="404"\} 2/);
    assert.match(out, /sync_cycles_total\{loop="copy-records",outcome="ok"\} 2/);
    assert.match(out, /sync_cycle_requests_total\{loop="copy-records"\} 6/);
    assert.match(out, /gun_relay_sockets\{state="idle"\} 1/);
    assert.doesNotMatch(out, /647f79c2a338/);
  });

  it('stats-logging.ts: one line per first failure and quarantine, the legacy stats line, no line per skip', async () => {
    const out = await example('stats-logging.ts');
    const lines = out.trim().split('\n');
    assert.equal(lines.filter((l) => l.includes('soul failed')).length, 1);
    assert.equal(lines.filter((l) => l.includes('soul quarantined')).length, 1);
    assert.equal(lines.filter((l) => l.startsWith('📊 [GUN Delete Stats] Attempts: 6, Skipped (cached failures): 10')).length, 1);
    assert.ok(lines.length < 10, `${lines.length} lines`);
  });

  it('prometheus.ts: bounded labels, never the soul', async () => {
    const out = await example('prometheus.ts');
    assert.match(out, /gun_relay_calls_total\{op="put",outcome="written",code=""\} 5/);
    assert.match(out, /gun_relay_calls_total\{op="put",outcome="skipped",code=""\} 2/);
    assert.match(out, /gun_relay_quarantined_souls 1/);
    assert.doesNotMatch(out, /647f79c2a338/);
  });

  it('ledger-persistence.ts: the restarted worker skips the poisoned soul without a request', async () => {
    const out = await example('ledger-persistence.ts');
    assert.match(out, /first process, try 3: SOUL_REJECTED/);
    assert.match(out, /imported 1 ledger entries \(0 expired\)/);
    assert.match(out, /second process: skipped; requests sent: 0/);
  });

  /** What the quick start prints, in either module kind. */
  const quickstartPrinted = (out: string): void => {
    assert.match(out, /title: 'Leg day'/);
    assert.match(out, /deleted null/);
    assert.match(out, /3 SOUL_REJECTED 500/);
    assert.match(out, /4 skipped/);
  };

  it("quickstart.mjs (README's Quick start, verbatim): writes, reads, deletes, skips the poisoned soul", async () => {
    quickstartPrinted(await example('quickstart.mjs'));
  });

  it("README's CommonJS form of each example (commonjs-of) runs with its require lines", async () => {
    const forms = codeBlocks(fs.readFileSync(path.join(repo, 'README.md'), 'utf8')).filter((b) => b.marker?.startsWith('commonjs-of:'));
    assert.ok(forms.length >= 1);
    for (const form of forms) {
      const source = form.marker!.slice('commonjs-of:'.length).trim();
      const body = fs.readFileSync(path.join(repo, source), 'utf8').split('\n').filter((l) => !/^import .* from '[^']+';$/.test(l));
      const file = path.join(repo, 'examples', `.readme-${path.basename(source, path.extname(source))}.cjs`);
      fs.writeFileSync(file, `${form.code}\n${body.join('\n')}`);
      try {
        const out = await example(path.basename(file));
        if (source.endsWith('quickstart.mjs')) quickstartPrinted(out);
      } finally {
        fs.rmSync(file, { force: true });
      }
    }
  });

  it("README's <!-- run --> blocks run as written and exit 0", async () => {
    const blocks = codeBlocks(fs.readFileSync(path.join(repo, 'README.md'), 'utf8')).filter((b) => b.marker === 'run');
    assert.ok(blocks.length >= 1);
    for (const [i, block] of blocks.entries()) {
      const ext = block.lang === 'ts' || block.lang === 'typescript' ? 'ts' : block.lang === 'cjs' ? 'cjs' : 'mjs';
      const file = path.join(repo, 'examples', `.readme-run-${i}.${ext}`);
      fs.writeFileSync(file, block.code);
      try {
        const out = await example(path.basename(file));
        // A line commented `// <text>` right after a console.log is what that line prints.
        for (const printed of block.code.matchAll(/console\.log\([^\n]*\);(?: \/\/ (.+))?\n(?:\s*\/\/ (.+))?/g)) {
          const expected = printed[1] ?? printed[2];
          if (expected !== undefined) assert.ok(out.includes(expected.trim()), `README run block ${block.line}: missing "${expected}" in ${out}`);
        }
      } finally {
        fs.rmSync(file, { force: true });
      }
    }
  });

  it('memory-watch.ts: sample and summary lines, exits by itself', async () => {
    const out = await example('memory-watch.ts');
    assert.match(out, /growth rate: RSS -?[\d.]+ MB\/min/);
    assert.match(out, /static_media: \d+ operations, total growth RSS/);
  });
});

describe('examples/worker.mjs (README): a worker stopped by a signal', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`runs cycles against a relay until ${signal}, then drains, closes and exits 0 by itself`, async () => {
      const { startLocalRelay } = await import('../src/testing/index.js');
      const { spawn } = await import('node:child_process');
      const relay = await startLocalRelay({ putDelayMs: 0 });
      try {
        const child = spawn(process.execPath, [path.join(repo, 'examples', 'worker.mjs')], {
          env: { ...process.env, GUN_RELAY_URL: relay.url, SYNC_INTERVAL_MS: '20' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await new Promise<void>((resolve) => {
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            if (/cycle 2 ok/.test(out)) resolve();
          });
          void exited.then(() => resolve());
        });
        child.kill(signal);
        const code = await exited;
        clearTimeout(killer);
        assert.equal(code, 0, out);
        assert.match(out, /^cycle 1 ok\ncycle 2 ok\n/);
        assert.match(out, new RegExp(`${signal}: finishing the running cycle\\n(cycle \\d+ ok\\n)?stopped\\n$`));
      } finally {
        await relay.close();
      }
    });
  }
});
