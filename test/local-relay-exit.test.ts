/**
 * A local relay never holds a process open silently: a program that forgets `relay.close()` still
 * exits by itself, with a warning, and leaves no gun process or temp dir behind; `logger` takes the
 * warning instead of stderr; `keepProcessAlive: true` keeps a stand-alone relay serving.
 * Each case runs in a child process of its own (the built package, as users run it).
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '..');
const testing = JSON.stringify(path.join(repo, 'dist', 'testing', 'index.js'));
const root = JSON.stringify(path.join(repo, 'dist', 'index.js'));
let dir: string;

function script(name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `import { startLocalRelay } from ${testing};\nimport { GunRelayClient } from ${root};\n${body}\n`);
  return file;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('local relay: process exit', () => {
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grc-relay-exit-'));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a forgotten relay (and client) lets the process exit, warns on stderr, and leaves no gun process or temp dir', async () => {
    const file = script(
      'forgotten.mjs',
      `const relay = await startLocalRelay({ putDelayMs: 0, writeBatchMs: 1 });
const client = new GunRelayClient({ baseUrl: relay.url });
await client.put('a:b', { x: 1 });
console.log(JSON.stringify({ pid: relay.gunPid, dataDir: relay.dataDir, got: await client.get('a:b') }));`,
    );
    const { stdout, stderr } = await run(process.execPath, [file], { timeout: 60_000, encoding: 'utf8' });
    const out = JSON.parse(stdout.trim()) as { pid: number; dataDir: string; got: unknown };
    assert.deepEqual(out.got, { x: 1 });
    assert.match(stderr, /LocalRelayWarning: LocalRelay at http:\/\/127\.0\.0\.1:\d+ was still open when the process was about to exit; closing it now\. Call `await relay\.close\(\)`/);
    assert.equal(alive(out.pid), false, 'gun child is gone');
    assert.equal(fs.existsSync(out.dataDir), false, 'temp data dir removed');
  });

  it('the warning goes to the relay logger when one is given; a closed relay gives none', async () => {
    const file = script(
      'logger.mjs',
      `const logger = { warn: (obj, msg) => console.log('WARN ' + obj.relay + ' ' + msg) };
const forgotten = await startLocalRelay({ putDelayMs: 0, logger });
const closed = await startLocalRelay({ putDelayMs: 0, logger });
await closed.close();
console.log('urls ' + forgotten.url + ' ' + closed.url);`,
    );
    const { stdout, stderr } = await run(process.execPath, [file], { timeout: 60_000, encoding: 'utf8' });
    const [, forgottenUrl, closedUrl] = /urls (\S+) (\S+)/.exec(stdout)!;
    const warnings = stdout.split('\n').filter((l) => l.startsWith('WARN'));
    assert.equal(warnings.length, 1, stdout);
    assert.ok(warnings[0]!.startsWith(`WARN ${forgottenUrl} LocalRelay at ${forgottenUrl} was still open`));
    assert.ok(!stdout.includes(`LocalRelay at ${closedUrl}`));
    assert.doesNotMatch(stderr, /LocalRelayWarning/);
  });

  it('keepProcessAlive: true keeps serving after the script body has finished', async () => {
    const file = script('server.mjs', `const relay = await startLocalRelay({ putDelayMs: 0, keepProcessAlive: true });\nconsole.log(relay.url);`);
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8');
          if (text.includes('\n')) resolve(text.trim());
        });
        child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
      });
      // The script's body is done (it printed its last line); the relay must still answer.
      const status = await new Promise<number>((resolve, reject) => {
        http.get(`${url}/peers/status`, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).once('error', reject);
      });
      assert.equal(status, 200);
      assert.equal(child.exitCode, null, 'still running');
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
