/** The test command fails a test file that leaves an unhandled rejection behind, even if its tests pass. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

describe('unhandled rejections', () => {
  it('fail the run', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grc-unhandled-'));
    const file = path.join(dir, 'leaky.test.ts');
    fs.writeFileSync(file, "import { it } from 'node:test';\nit('passes but leaks a rejection', () => { void Promise.reject(new Error('nobody handles me')); });\n");
    try {
      // The same runner flags as `npm test`.
      const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', file], {
        encoding: 'utf8',
        timeout: 60_000,
        // Not as a child of this test run: a nested runner would report to us instead of exiting.
        env: { ...process.env, NODE_TEST_CONTEXT: undefined },
      });
      assert.notEqual(run.status, 0, run.stdout);
      assert.match(run.stdout + run.stderr, /nobody handles me/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
