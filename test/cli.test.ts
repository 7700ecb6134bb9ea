/**
 * The `gun-relay-client` command line, run as a user runs it (`node dist/cli/index.js …`, built by
 * `npm test`'s pretest) against local relays over the real gun, and a real redis-server.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GunRelayClient } from '../src/index.js';
import { DeletionRegistry, indexAdd, registryIndexSoul, toDid } from '../src/oip/index.js';
import { startLocalRelay, startRedisServer, type LocalRelay, type RedisServer } from '../src/testing/index.js';

const repo = path.resolve(import.meta.dirname, '..');
const bin = path.join(repo, 'dist/cli/index.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI with `args` (and `input` on stdin); bounded by 60 s. */
function cli(args: string[], input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: repo, stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

const PEER_NODE = 'peer-node-cli';

/** Publishes one record per `<publisher>:<type>_<n>` on the peer, registered in its type index, as an OIP node does. */
async function publish(peer: GunRelayClient, records: ReadonlyArray<{ type: string; n: number }>): Promise<string[]> {
  const souls: string[] = [];
  for (const { type, n } of records) {
    const soul = `647f79c2a338:${type}_${n}`;
    await peer.putRecord({ data: { basic: { name: `${type} #${n}` } }, oip: { recordType: type } }, soul, { localId: `${type}_${n}`, created: 1_760_000_000_000 + n });
    await indexAdd(peer, registryIndexSoul(type), soul, { soul, nodeId: PEER_NODE, timestamp: 1_760_000_000_000 + n });
    souls.push(soul);
  }
  return souls;
}

/** Deletes a record on the peer as its indexer does: tombstoned and listed in the deletion registry. */
async function deleteOnPeer(peer: GunRelayClient, soul: string): Promise<void> {
  await peer.delete(soul);
  await new DeletionRegistry(peer).markDeleted(toDid(soul), PEER_NODE);
}

/** A failure is one line on stderr, without a stack trace. */
function assertOneLine(run: Run, pattern: RegExp): void {
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${run.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
}

describe('gun-relay-client command line', () => {
  let a: LocalRelay;
  let b: LocalRelay;
  let tmp: string;

  before(async () => {
    assert.ok(fs.existsSync(bin), 'dist/cli/index.js is built (npm run build)');
    [a, b] = await Promise.all([startLocalRelay({ putDelayMs: 0, missWaitMs: 50 }), startLocalRelay({ putDelayMs: 0, missWaitMs: 50 })]);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'grc-cli-'));
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the package bin is the built file, executable, with its shebang', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    assert.equal(pkg.bin['gun-relay-client'], 'dist/cli/index.js');
    assert.match(fs.readFileSync(bin, 'utf8'), /^#!\/usr\/bin\/env node\n/);
    assert.ok((fs.statSync(bin).mode & 0o111) !== 0, 'executable');
  });

  it('every command has --help (exit 0); no command, an unknown command or option is a one-line usage error (exit 2)', async () => {
    for (const command of ['health', 'get', 'put', 'delete', 'compare', 'sync', 'diagnose', 'ledger export', 'ledger import', 'ledger forgive']) {
      const run = await cli([...command.split(' '), '--help']);
      assert.equal(run.code, 0, command);
      assert.match(run.stdout, new RegExp(`Usage: gun-relay-client ${command}`));
      assert.match(run.stdout, /--json/, `${command} has --json`);
    }
    assert.equal((await cli([])).code, 2);
    const unknown = await cli(['gett', 'x']);
    assert.equal(unknown.code, 2);
    assertOneLine(unknown, /^gun-relay-client: unknown command 'gett'/);
    const option = await cli(['get', 'x', '--relya', a.url]);
    assert.equal(option.code, 2);
    assert.match(option.stderr, /unknown option '--relya'/);
  });

  it('health: exit 0 when the relay answers, 1 when it does not; credentials in a URL are never printed', async () => {
    const ok = await cli(['health', '--relay', a.url]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^ok\s/);
    const dead = a.url.replace(/:\d+$/, ':1');
    const down = await cli(['health', '--relay', dead.replace('http://', 'http://ops:s3cret@'), '--json']);
    assert.equal(down.code, 1);
    const [h] = JSON.parse(down.stdout) as Array<{ ok: boolean; relay: string; error: string }>;
    assert.equal(h!.ok, false);
    assert.equal(h!.relay, dead);
    assert.doesNotMatch(down.stdout + down.stderr, /s3cret/);
  });

  it('put, get, delete: the node as JSON; null and exit 1 when absent; nothing to delete is exit 1', async () => {
    const put = await cli(['put', 'cli:1', '{"name":"one","n":1}', '--relay', a.url, '--json']);
    assert.equal(put.code, 0, put.stderr);
    assert.equal((JSON.parse(put.stdout) as { outcome: string }).outcome, 'written');
    const got = await cli(['get', 'cli:1', '--relay', a.url]);
    assert.equal(got.code, 0);
    assert.deepEqual(JSON.parse(got.stdout), { name: 'one', n: 1 });
    const fromStdin = await cli(['put', 'cli:2', '-', '--relay', a.url], '{"from":"stdin"}');
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    assert.deepEqual(JSON.parse((await cli(['get', 'cli:2', '--relay', a.url, '--json'])).stdout), { from: 'stdin' });
    const absent = await cli(['get', 'cli:never', '--relay', a.url]);
    assert.equal(absent.code, 1);
    assert.equal(absent.stdout.trim(), 'null');
    const del = await cli(['delete', 'cli:1', '--relay', a.url, '--json']);
    assert.equal(del.code, 0, del.stderr);
    assert.equal((JSON.parse(del.stdout) as { outcome: string }).outcome, 'deleted');
    assert.equal((await cli(['get', 'cli:1', '--relay', a.url])).stdout.trim(), 'null');
    const again = await cli(['delete', 'cli:1', '--relay', a.url, '--json']);
    assert.equal(again.code, 1);
    assert.equal((JSON.parse(again.stdout) as { outcome: string }).outcome, 'absent');
  });

  it('bad input is a one-line usage error before anything is sent; a refused relay is a one-line failure (exit 3)', async () => {
    a.resetCounters();
    const badJson = await cli(['put', 'cli:3', '{nope', '--relay', a.url]);
    assert.equal(badJson.code, 2);
    assertOneLine(badJson, /^gun-relay-client: the node is not valid JSON$/);
    const array = await cli(['put', 'cli:3', '[1]', '--relay', a.url, '--json']);
    assert.equal(array.code, 2);
    assert.deepEqual(JSON.parse(array.stderr), { error: { code: 'USAGE', message: 'the node must be a JSON object' } });
    const empty = await cli(['put', 'cli:3', '{"a":{}}', '--relay', a.url]);
    assert.equal(empty.code, 2);
    assertOneLine(empty, /INVALID_INPUT: put: .*empty/);
    const noRelay = await cli(['get', 'cli:3']);
    assert.equal(noRelay.code, 2);
    assertOneLine(noRelay, /missing --relay <url>/);
    assert.equal(a.requestCount, 0, 'nothing was sent');
    const dead = a.url.replace(/:\d+$/, ':1');
    const refused = await cli(['get', 'cli:3', '--relay', dead.replace('http://', 'http://ops:s3cret@'), '--timeout', '2000']);
    assert.equal(refused.code, 3);
    assertOneLine(refused, /^gun-relay-client: [A-Z_]+: /);
    assert.doesNotMatch(refused.stderr, /s3cret/);
  });

  it('a bad --relay, --peer or --local URL is a one-line usage error (exit 2) naming the flag and the value, credentials removed', async () => {
    a.resetCounters();
    const cases: Array<[string[], RegExp]> = [
      [['health', '--relay', 'nope'], /^gun-relay-client: --relay "nope" is not an http\(s\) URL; did you mean http:\/\/nope\?$/],
      [['get', 'cli:x', '--relay', a.url, '--relay', 'ws://ops:s3cret@relay.example:8765/gun'], /^gun-relay-client: --relay "ws:\/\/relay\.example:8765\/gun" is not an http\(s\) URL; did you mean http:\/\/relay\.example:8765\?$/],
      [['health', '--relay', 'http://ops:s3cret@exa mple'], /^gun-relay-client: --relay "http:\/\/exa mple" is not an http\(s\) URL/],
      [['sync', '--peer', 'nope', '--local', a.url, '--once'], /^gun-relay-client: --peer "nope" is not an http\(s\) URL/],
      [['sync', '--peer', a.url, '--local', 'ftp://ops:s3cret@x', '--once'], /^gun-relay-client: --local "ftp:\/\/x" is not an http\(s\) URL/],
      [['diagnose', '--peer', a.url, '--peer', 'nope', '--local', a.url], /^gun-relay-client: --peer "nope" is not an http\(s\) URL/],
      [['diagnose', '--peer', a.url, '--local', 'nope'], /^gun-relay-client: --local "nope" is not an http\(s\) URL/],
      [['health', '--relay', a.url, '--header', 'Bad Name: s3cret'], /^gun-relay-client: --header "Bad Name" is not a header name/],
      [['health', '--relay', a.url, '--header', 'X-Key: s3cret\u007f'], /^gun-relay-client: --header "X-Key": header values must be/],
      [['sync', '--peer', a.url, '--local', a.url, '--header', 'X-Key: s3cret\u007f', '--once'], /^gun-relay-client: --header "X-Key": header values must be/],
    ];
    for (const [args, pattern] of cases) {
      const run = await cli(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assertOneLine(run, pattern);
      assert.doesNotMatch(run.stderr, /s3cret|baseUrl|OipSyncWorker|INVALID_OPTIONS/);
    }
    const json = await cli(['health', '--relay', 'nope', '--json']);
    assert.equal(json.code, 2);
    assert.equal((JSON.parse(json.stderr) as { error: { code: string } }).error.code, 'USAGE');
    assert.equal(a.requestCount, 0, 'nothing was sent');
  });

  it('compare: exit 0 when the relays agree, 1 when they differ, with each answer', async () => {
    const node = '{"same":true}';
    for (const r of [a, b]) assert.equal((await cli(['put', 'cmp:same', node, '--relay', r.url])).code, 0);
    const agree = await cli(['compare', 'cmp:same', '--relay', a.url, '--relay', b.url, '--json']);
    assert.equal(agree.code, 0, agree.stderr);
    assert.equal((JSON.parse(agree.stdout) as { agree: boolean }).agree, true);
    assert.equal((await cli(['put', 'cmp:diff', '{"v":1}', '--relay', a.url])).code, 0);
    const differ = await cli(['compare', 'cmp:diff', '--relay', a.url, '--relay', b.url]);
    assert.equal(differ.code, 1);
    assert.match(differ.stdout, /^found\s+http:\/\/127\.0\.0\.1:\d+$/m);
    assert.match(differ.stdout, /^missing\s+http:\/\/127\.0\.0\.1:\d+$/m);
    assert.match(differ.stdout, /the relays differ/);
    const one = await cli(['compare', 'cmp:diff', '--relay', a.url]);
    assert.equal(one.code, 2);
    assertOneLine(one, /give --relay at least 2 times/);
  });

  it('ledger export, import and forgive on a snapshot file', async () => {
    const client = new GunRelayClient({ baseUrl: a.url });
    for (let i = 0; i < 3; i++) client.recordFailure('es', 'led:1', { code: 'ES_MAPPING', reason: 'bad mapping' });
    client.recordFailure('es', 'led:2', { code: 'ES_MAPPING' });
    const snapshotFile = path.join(tmp, 'snapshot.json');
    fs.writeFileSync(snapshotFile, JSON.stringify(client.exportLedger()));
    client.close();

    const ledgerFile = path.join(tmp, 'ledger.json');
    const imported = await cli(['ledger', 'import', snapshotFile, '--file', ledgerFile, '--json']);
    assert.equal(imported.code, 0, imported.stderr);
    assert.deepEqual(JSON.parse(imported.stdout), { imported: 2, dropped: 0, quarantined: 1 });
    const exported = await cli(['ledger', 'export', '--file', ledgerFile, '--json']);
    assert.equal(exported.code, 0, exported.stderr);
    const entries = (JSON.parse(exported.stdout) as { entries: Array<{ soul: string; failures: number; lastReason?: string }> }).entries;
    assert.deepEqual(entries.map((e) => [e.soul, e.failures]).sort(), [['led:1', 3], ['led:2', 1]]);
    assert.equal(entries.find((e) => e.soul === 'led:1')?.lastReason, 'bad mapping');

    const forgiven = await cli(['ledger', 'forgive', 'led:1', '--file', ledgerFile, '--json']);
    assert.equal(forgiven.code, 0, forgiven.stderr);
    assert.deepEqual(JSON.parse(forgiven.stdout), { soul: 'led:1', forgiven: true });
    const left = JSON.parse(fs.readFileSync(ledgerFile, 'utf8')) as { entries: Array<{ soul: string }> };
    assert.deepEqual(left.entries.map((e) => e.soul), ['led:2']);
    assert.equal((await cli(['ledger', 'forgive', 'led:1', '--file', ledgerFile])).code, 1, 'nothing left to forgive');

    fs.writeFileSync(path.join(tmp, 'junk.json'), '{"format":"nope"}');
    const junk = await cli(['ledger', 'import', path.join(tmp, 'junk.json'), '--file', ledgerFile]);
    assert.equal(junk.code, 2);
    assertOneLine(junk, /INVALID_INPUT: importLedger: not a ledger snapshot/);
    // A missing or unreadable ledger file is a one-line failure, not an empty ledger and exit 0.
    const missing = await cli(['ledger', 'export', '--file', path.join(tmp, 'no-such-ledger.json')]);
    assert.equal(missing.code, 3, missing.stdout);
    assert.equal(missing.stdout, '');
    assertOneLine(missing, /^gun-relay-client: cannot read .*no-such-ledger\.json: no such file$/);
    assert.equal(fs.existsSync(path.join(tmp, 'no-such-ledger.json')), false, 'export creates nothing');
    const dir = await cli(['ledger', 'export', '--file', tmp, '--json']);
    assert.equal(dir.code, 3);
    assert.match((JSON.parse(dir.stderr) as { error: { message: string } }).error.message, /cannot read .*: it is a directory$/);
    const noSnapshot = await cli(['ledger', 'import', path.join(tmp, 'no-such-snapshot.json'), '--file', ledgerFile]);
    assert.equal(noSnapshot.code, 3);
    assertOneLine(noSnapshot, /^gun-relay-client: cannot read .*no-such-snapshot\.json: no such file$/);
    const both = await cli(['ledger', 'export']);
    assert.equal(both.code, 2);
    assertOneLine(both, /exactly one of --file <path> or --redis <url>/);
  });

  describe('ledger on Redis', () => {
    let redis: RedisServer;
    before(async () => {
      redis = await startRedisServer();
    });
    after(async () => {
      await redis.close();
    });

    it('import writes the quarantined entries to a real redis-server; export reads them back; forgive clears them fleet-wide', async () => {
      const client = new GunRelayClient({ baseUrl: a.url });
      for (let i = 0; i < 3; i++) client.recordFailure('es', 'red:1', { code: 'ES_MAPPING', reason: 'bad mapping' });
      for (let i = 0; i < 3; i++) client.recordFailure('index', 'red:2', { code: 'X' });
      const snapshotFile = path.join(tmp, 'redis-snapshot.json');
      fs.writeFileSync(snapshotFile, JSON.stringify(client.exportLedger()));
      client.close();

      const imported = await cli(['ledger', 'import', snapshotFile, '--redis', redis.url, '--prefix', 'clitest', '--json']);
      assert.equal(imported.code, 0, imported.stderr);
      const exported = await cli(['ledger', 'export', '--redis', redis.url, '--prefix', 'clitest', '--json']);
      assert.equal(exported.code, 0, exported.stderr);
      const souls = (s: string): string[] => (JSON.parse(s) as { entries: Array<{ op: string; soul: string }> }).entries.map((e) => `${e.op}:${e.soul}`).sort();
      assert.deepEqual(souls(exported.stdout), ['es:red:1', 'index:red:2']);
      const other = await cli(['ledger', 'export', '--redis', redis.url, '--prefix', 'another', '--json']);
      assert.deepEqual(souls(other.stdout), [], 'the prefix is honoured');

      const forgiven = await cli(['ledger', 'forgive', 'red:1', '--redis', redis.url, '--prefix', 'clitest', '--json']);
      assert.equal(forgiven.code, 0, forgiven.stderr);
      assert.deepEqual(souls((await cli(['ledger', 'export', '--redis', redis.url, '--prefix', 'clitest', '--json'])).stdout), ['index:red:2']);
    });

    it('an unreachable Redis is a one-line failure with its credentials removed', async () => {
      const dead = `redis://ops:s3cret@127.0.0.1:1`;
      const run = await cli(['ledger', 'export', '--redis', dead, '--timeout', '3000']);
      assert.equal(run.code, 3);
      assertOneLine(run, /^gun-relay-client: Redis at redis:\/\/127\.0\.0\.1:1/);
      assert.doesNotMatch(run.stderr, /s3cret/);
    });
  });

  describe('OIP: diagnose and sync', () => {
    let peer: LocalRelay;
    let local: LocalRelay;
    let published: string[];
    before(async () => {
      [peer, local] = await Promise.all([startLocalRelay({ putDelayMs: 0, missWaitMs: 50 }), startLocalRelay({ putDelayMs: 0, missWaitMs: 50 })]);
      const seeder = new GunRelayClient({ baseUrl: peer.url });
      published = await publish(seeder, [
        ...Array.from({ length: 6 }, (_, n) => ({ type: 'post', n })),
        ...Array.from({ length: 3 }, (_, n) => ({ type: 'image', n })),
      ]);
      await deleteOnPeer(seeder, published[0]!);
      seeder.close();
    });
    after(async () => {
      await Promise.all([peer.close(), local.close()]);
    });

    it('diagnose: per type, the index sizes on each side and what is missing where (exit 1 while anything is)', async () => {
      const localClient = new GunRelayClient({ baseUrl: local.url });
      // The local relay has one post the peer does not list, and one the peer deleted.
      await indexAdd(localClient, registryIndexSoul('post'), 'x:only-here', { soul: 'x:only-here', nodeId: 'me', timestamp: 1 });
      await indexAdd(localClient, registryIndexSoul('post'), published[0]!, { soul: published[0]!, nodeId: PEER_NODE, timestamp: 1 });
      localClient.close();
      const run = await cli(['diagnose', '--peer', peer.url, '--local', local.url, '--types', 'post,image,video', '--json']);
      assert.equal(run.code, 1, run.stderr);
      const d = JSON.parse(run.stdout) as {
        deletions: { peer: { entries: number } };
        types: Array<{ type: string; peer: { state: string; entries: number }; local: { state: string; entries: number }; missingLocally: number; onlyLocal: number; deletedOnPeer: number; pendingDeletions: number; sample: string[] }>;
        totals: { missingLocally: number };
      };
      assert.equal(d.deletions.peer.entries, 1);
      const post = d.types.find((t) => t.type === 'post')!;
      assert.deepEqual([post.peer.state, post.peer.entries, post.local.entries], ['found', 6, 2]);
      assert.deepEqual([post.missingLocally, post.onlyLocal, post.deletedOnPeer, post.pendingDeletions], [5, 1, 1, 1]);
      assert.equal(post.sample.length, 3);
      const image = d.types.find((t) => t.type === 'image')!;
      assert.deepEqual([image.peer.entries, image.local.state, image.missingLocally], [3, 'missing', 3]);
      const video = d.types.find((t) => t.type === 'video')!;
      assert.deepEqual([video.peer.state, video.local.state], ['missing', 'missing']);
      assert.equal(d.totals.missingLocally, 8);
      const human = await cli(['diagnose', '--peer', peer.url, '--local', local.url, '--types', 'post,image,video']);
      assert.match(human.stdout, /^post\t6\t2\t5\t1\t1\t1$/m);
      assert.doesNotMatch(human.stdout, /^video\t/m, 'types neither side has are left out without --all');
    });

    it('sync --once: one cycle copies the peer records into the local relay, one JSON line off a terminal', async () => {
      const run = await cli(['sync', '--peer', peer.url, '--local', local.url, '--once', '--types', 'post,image', '--node-id', 'cli-node']);
      assert.equal(run.code, 0, run.stderr);
      const lines = run.stdout.trim().split('\n');
      assert.equal(lines.length, 1);
      const report = JSON.parse(lines[0]!) as { number: number; outcome: string; requests: number; totals: { copied: number } };
      assert.equal(report.number, 1);
      assert.equal(report.outcome, 'ok');
      assert.ok(report.requests > 0);
      // 9 listed, 8 live: the deleted one is not copied.
      assert.equal(report.totals.copied, 8);
      const check = new GunRelayClient({ baseUrl: local.url });
      try {
        assert.notEqual(await check.getRecord(published[1]!), null);
        assert.equal(await check.getRecord(published[0]!), null);
      } finally {
        check.close();
      }
      const after = await cli(['diagnose', '--peer', peer.url, '--local', local.url, '--types', 'post,image', '--json']);
      const d = JSON.parse(after.stdout) as { totals: { missingLocally: number } };
      assert.equal(d.totals.missingLocally, 0, 'nothing left to copy');
    });

    it('sync on a terminal: a live progress line per cycle', async () => {
      const args = ['sync', '--peer', peer.url, '--local', local.url, '--once', '--types', 'post,image'];
      const command = [process.execPath, bin, ...args].map((s) => `'${s}'`).join(' ');
      // `script` gives the CLI a pseudo-terminal, as an operator's shell does.
      const run = await new Promise<Run>((resolve, reject) => {
        const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: repo, timeout: 60_000, env: { ...process.env, TERM: 'xterm' } });
        let stdout = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr: '' }));
        child.stdin.end();
      });
      assert.equal(run.code, 0, run.stdout);
      assert.match(run.stdout, /cycle 1 ok, [\d.]+ s, \d+ requests, 9 listed, \d+ copied, 0 deleted, 1 skipped/);
      assert.doesNotMatch(run.stdout, /^\{/m, 'no JSON on a terminal');
    });

    it('sync --once whose every peer fails: exit 3, the cycle failed naming the peer (credentials removed)', async () => {
      const dead = peer.url.replace(/:\d+$/, ':1').replace('http://', 'http://ops:s3cret@');
      const run = await cli(['sync', '--peer', dead, '--local', local.url, '--once', '--types', 'post', '--timeout', '2000']);
      assert.equal(run.code, 3, run.stderr);
      const report = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { outcome: string; error?: { code: string; message: string } };
      assert.equal(report.outcome, 'failed');
      assert.equal(report.error?.code, 'PEERS_UNREADABLE');
      assert.match(report.error!.message, /peer http:\/\/127\.0\.0\.1:1 \(CONNECTION_REFUSED/);
      assert.doesNotMatch(run.stdout + run.stderr, /s3cret|baseUrl/);
    });

    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      it(`sync (no --once) stops on ${signal} after its cycle: closes its clients and exits 0`, async () => {
        const child = spawn(process.execPath, [bin, 'sync', '--peer', peer.url, '--local', local.url, '--types', 'post', '--interval', '600000'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
        let stdout = '';
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d));
        const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, sig) => resolve({ code, signal: sig })));
        await new Promise<void>((resolve, reject) => {
          child.stdout.on('data', (d: Buffer) => {
            stdout += d;
            if (stdout.includes('\n')) resolve();
          });
          child.on('close', () => reject(new Error(`exited before its first cycle: ${stderr}`)));
        });
        assert.equal((JSON.parse(stdout.split('\n')[0]!) as { number: number }).number, 1);
        const at = Date.now();
        child.kill(signal);
        const end = await exited;
        assert.deepEqual(end, { code: 0, signal: null }, stderr);
        assert.ok(Date.now() - at < 10_000, 'it did not wait for the next interval');
        assert.equal(stderr, '');
      });
    }

    it('sync without --peer or with a bad --types is a one-line usage error', async () => {
      const run = await cli(['sync', '--local', local.url, '--once']);
      assert.equal(run.code, 2);
      assertOneLine(run, /missing --peer <url>/);
      const types = await cli(['sync', '--peer', peer.url, '--local', local.url, '--once', '--types', ',']);
      assert.equal(types.code, 2);
      assertOneLine(types, /--types needs at least one record type/);
    });
  });
});
