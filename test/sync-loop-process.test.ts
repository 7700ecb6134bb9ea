/**
 * A worker is just `new SyncLoop(...).start()`: while started, the loop keeps the process alive
 * (its cycle timers alone are unref'd); `stop()` lets it exit; `unref: true` never holds it.
 * Each case runs in a child process of its own, against the built package.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = JSON.stringify(path.join(path.resolve(import.meta.dirname, '..'), 'dist', 'index.js'));
let dir: string;

function script(name: string, loopExtra: string, afterCycle: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(
    file,
    `import { GunRelayClient, SyncLoop } from ${root};
const client = new GunRelayClient({ baseUrl: 'http://127.0.0.1:9', retry: false });
const loop = new SyncLoop({ name: 'worker', client, cycleTimeoutMs: 1000, ${loopExtra} run: (cycle) => cycle.number });
loop.on('cycle', (report) => {
  console.log('cycle ' + report.number);
  ${afterCycle}
});
loop.start();
`,
  );
  return file;
}

describe('SyncLoop keeps a worker process alive while started', () => {
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grc-loop-proc-'));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a started loop runs cycle after cycle; stop() lets the process exit by itself', async () => {
    const file = script('worker.mjs', 'intervalMs: 20,', `if (report.number === 3) void loop.stop().then(() => { client.close(); console.log('stopped'); });`);
    const { stdout } = await run(process.execPath, [file], { timeout: 30_000, encoding: 'utf8' });
    assert.deepEqual(stdout.trim().split('\n'), ['cycle 1', 'cycle 2', 'cycle 3', 'stopped']);
  });

  it('unref: true: the loop alone does not hold the process (it exits after the first cycle)', async () => {
    // The next cycle would be due in 60 s: the process exits long before (the run is bounded at 30 s).
    const file = script('unref.mjs', 'intervalMs: 60000, unref: true,', '');
    const { stdout } = await run(process.execPath, [file], { timeout: 30_000, encoding: 'utf8' });
    assert.deepEqual(stdout.trim().split('\n'), ['cycle 1']);
  });
});
