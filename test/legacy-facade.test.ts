import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_GUN_PEER,
  GunHelper,
  GunSkippedError,
  RELAY_NOT_ACCESSIBLE,
  RELAY_TIMEOUT,
  legacyBaseUrl,
  legacyPutTimeoutMs,
  legacyThrowOnSkip,
  type GunHelperOptions,
} from '../src/legacy/index.js';
import { startFaultServer, startLocalRelay, type FaultServer, type LocalRelay } from '../src/testing/index.js';
import { isCode } from './helpers/errors.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const GUN_MESSAGE = { error: 'Data at root of graph must be a node (an object).' };
const KEY_A = 'pubkey-A'; // sha256 → 6fe8dbc406f9…
const RECORD = { data: { basic: { name: 'Pancakes' } }, oip: { recordType: 'recipe' } };
const ENV_KEYS = ['GUN_PEERS', 'GUN_REGISTRY_TIMEOUT_MS', 'GUN_SKIP_THROWS'] as const;
const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));

/** A logger that records every line it is given. */
function captureLogger() {
  const lines: string[] = [];
  const push = (msg: unknown) => void lines.push(String(msg));
  return { lines, logger: { debug: push, info: push, warn: push, error: push } };
}

/** A GunHelper configured as callers do it: through the environment, with no arguments. */
function helperAt(url: string, options?: GunHelperOptions, env: Record<string, string> = {}): GunHelper {
  process.env['GUN_PEERS'] = url;
  for (const [k, v] of Object.entries(env)) process.env[k] = v;
  try {
    return options === undefined ? new GunHelper() : new GunHelper(options);
  } finally {
    for (const k of Object.keys(env)) delete process.env[k];
  }
}

/** A fault server that answers like a relay whose every put is refused by GUN (so deletes fail per soul). */
async function rejectingRelay(): Promise<FaultServer> {
  return startFaultServer((req) =>
    req.path === '/get' || String((req.body as { soul?: unknown } | undefined)?.soul).startsWith('warmup:')
      ? { status: 200, body: { success: true, data: { title: 'x' } } }
      : { status: 500, body: GUN_MESSAGE },
  );
}

/** The relay takes another soul's delete: the evidence that makes a refusal before it count. */
async function acceptAnotherDelete(gun: GunHelper): Promise<void> {
  assert.equal((await gun.client.delete('warmup:other', { keys: ['a'] })).outcome, 'deleted');
}

/** A closed port: connections are refused. */
async function refusedUrl(): Promise<string> {
  const server = await startFaultServer();
  await server.close();
  return server.url;
}


afterEach(() => {
  for (const k of ENV_KEYS) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
});

describe('GunHelper: configuration and sharing', () => {
  after(() => GunHelper.closeAll());

  it('reads GUN_PEERS (first entry, trimmed, no trailing slash) with the legacy default', () => {
    assert.equal(legacyBaseUrl({ GUN_PEERS: ' http://relay-a:8765/ , http://relay-b:8765' }), 'http://relay-a:8765');
    assert.equal(legacyBaseUrl({}), DEFAULT_GUN_PEER);
    assert.equal(legacyBaseUrl({ GUN_PEERS: ' , ' }), 'http://gun-relay:8765');
    assert.equal(helperAt('http://127.0.0.1:9/').apiUrl, 'http://127.0.0.1:9');
    delete process.env['GUN_PEERS'];
    assert.equal(new GunHelper().apiUrl, 'http://gun-relay:8765');
  });

  it('reads GUN_REGISTRY_TIMEOUT_MS (default 30000) and GUN_SKIP_THROWS', () => {
    assert.equal(legacyPutTimeoutMs({}), 30_000);
    assert.equal(legacyPutTimeoutMs({ GUN_REGISTRY_TIMEOUT_MS: '1500' }), 1500);
    assert.equal(legacyPutTimeoutMs({ GUN_REGISTRY_TIMEOUT_MS: 'soon' }), 30_000);
    assert.equal(legacyPutTimeoutMs({ GUN_REGISTRY_TIMEOUT_MS: '0' }), 30_000);
    assert.equal(legacyThrowOnSkip({}), false);
    assert.equal(legacyThrowOnSkip({ GUN_SKIP_THROWS: '1' }), true);
    assert.equal(legacyThrowOnSkip({ GUN_SKIP_THROWS: '0' }), false);
  });

  it('every instance for one URL shares one client; another URL gets its own; closeAll starts over', () => {
    const a = helperAt('http://127.0.0.1:9');
    const b = helperAt('http://127.0.0.1:9/');
    const c = helperAt('http://127.0.0.1:10');
    assert.equal(a.client, b.client);
    assert.notEqual(a.client, c.client);
    GunHelper.closeAll();
    assert.equal(a.client.isClosed, true);
    assert.notEqual(helperAt('http://127.0.0.1:9').client, a.client);
  });

  it('computeSoul: the legacy formats, asserted literally', () => {
    const gun = helperAt('http://127.0.0.1:9');
    assert.equal(gun.computeSoul(KEY_A, 'my-recipe'), '6fe8dbc406f9:my-recipe');
    assert.equal(
      gun.computeSoul('02a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9', 'draft-001', { ignored: true }),
      'c23b801780bb:draft-001',
    );
    // h: is deterministic now: sha256 of the canonical JSON, whatever the key order.
    const record = { data: { basic: { name: 'Pancakes', date: 1700000000 }, tags: ['a', 'b'] }, oip: { recordType: 'recipe' } };
    assert.equal(gun.computeSoul(KEY_A, undefined, record), '6fe8dbc406f9:h:bfae712783a1');
    const reordered = { oip: { recordType: 'recipe' }, data: { tags: ['a', 'b'], basic: { date: 1700000000, name: 'Pancakes' } } };
    assert.equal(gun.computeSoul(KEY_A, null, reordered), '6fe8dbc406f9:h:bfae712783a1');
    // t: keeps the <base36 ms> shape and never repeats, even within one millisecond.
    const t = Array.from({ length: 50 }, () => gun.computeSoul(KEY_A));
    for (const s of t) assert.match(s, /^6fe8dbc406f9:t:[0-9a-z]{8,9}$/);
    assert.equal(new Set(t).size, 50);
    const ms = parseInt(t[0]!.slice('6fe8dbc406f9:t:'.length), 36);
    assert.ok(Math.abs(ms - Date.now()) < 60_000);
  });
});

describe('GunHelper against the local relay (real gun)', () => {
  let relay: LocalRelay;
  let n = 0;
  const uniqueSoul = (label: string) => `6fe8dbc406f9:${label}-${process.pid}-${++n}`;
  const capture = captureLogger();
  let gun: GunHelper;

  before(async () => {
    relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 500 });
    gun = helperAt(relay.url, { logger: capture.logger });
  });
  after(async () => {
    GunHelper.closeAll();
    await relay.close();
  });

  it('putSimple resolves { soul, success: true } and the node is readable', async () => {
    const soul = uniqueSoul('simple');
    assert.deepEqual(await gun.putSimple({ nodeId: 'n1', timestamp: 5 }, soul), { soul, success: true });
    assert.deepEqual(await gun.client.get(soul), { nodeId: 'n1', timestamp: 5 });
  });

  it('putSimple throws a typed error: refused data, invalid input', async () => {
    const soul = uniqueSoul('simple-bad');
    relay.fault(soul, { status: 500, body: { error: 'Invalid data: Array at x' }, path: '/put', times: 1 });
    await assert.rejects(gun.putSimple({ a: 1 }, soul), isCode('SOUL_REJECTED'));
    await assert.rejects(gun.putSimple({ list: [1, 2] } as never, soul), isCode('INVALID_INPUT'));
    await assert.rejects(gun.putSimple({}, soul), isCode('INVALID_INPUT'), 'an empty object would hang the relay');
  });

  it('putRecord resolves { soul, did, encrypted } and getRecord returns the parsed record with meta resolved', async () => {
    const soul = gun.computeSoul(KEY_A, `rec-${process.pid}`);
    assert.deepEqual(await gun.putRecord(RECORD, soul, { localId: `rec-${process.pid}` }), {
      soul,
      did: `did:gun:${soul}`,
      encrypted: false,
    });
    const record = await gun.getRecord(soul);
    assert.ok(record);
    assert.deepEqual(record.data, RECORD.data);
    assert.deepEqual(record.oip, RECORD.oip);
    const meta = record.meta as { created: number; localId: string; encrypted: boolean };
    assert.equal(meta.localId, `rec-${process.pid}`);
    assert.equal(meta.encrypted, false);
    assert.ok(Math.abs(meta.created - Date.now()) < 60_000);
  });

  it('putRecord with encrypt: true and a key; getRecord decrypts with the key and returns it locked without', async () => {
    const key = randomBytes(32);
    const soul = uniqueSoul('enc');
    const put = await gun.putRecord(RECORD, soul, { encrypt: true, encryptionKey: key, encryptionMeta: { encryptedBy: KEY_A } });
    assert.equal(put.encrypted, true);
    assert.deepEqual((await gun.getRecord(soul, { decryptionKey: key }))?.data, RECORD.data);
    const locked = await gun.getRecord(soul);
    assert.deepEqual(Object.keys(locked?.data as object).sort(), ['encrypted', 'iv', 'tag']);
    assert.equal((locked?.meta as { encryptedBy: string }).encryptedBy, KEY_A);
  });

  it('putRecord throws: encrypt: true without a key is MISSING_KEY (no key is derived), refused data is SOUL_REJECTED', async () => {
    await assert.rejects(gun.putRecord(RECORD, uniqueSoul('nokey'), { encrypt: true }), isCode('MISSING_KEY'));
    const soul = uniqueSoul('rec-bad');
    relay.fault(soul, { status: 500, body: GUN_MESSAGE, path: '/put', times: 1 });
    await assert.rejects(gun.putRecord(RECORD, soul), isCode('SOUL_REJECTED'));
  });

  it('getRecord resolves null for an absent soul, and null (never throws) for a wrong key', async () => {
    assert.equal(await gun.getRecord(uniqueSoul('absent')), null);
    const soul = uniqueSoul('wrong-key');
    await gun.putRecord(RECORD, soul, { encrypt: true, encryptionKey: randomBytes(32) });
    capture.lines.length = 0;
    relay.resetCounters();
    assert.equal(await gun.getRecord(soul, { decryptionKey: randomBytes(32) }), null);
    assert.equal(relay.requestCount, 2, 'one GET of the record and one of its meta: no retry');
    assert.equal(capture.lines.length, 1);
    assert.match(capture.lines[0]!, /getRecord\(.*\) failed \(DECRYPTION_FAILED/);
  });

  it('deleteRecord really deletes: resolves true, then the relay answers 404 and getRecord null', async () => {
    const soul = uniqueSoul('del');
    await gun.putRecord(RECORD, soul);
    assert.equal(await gun.deleteRecord(soul), true);
    assert.equal(await gun.client.get(soul), null);
    assert.equal(await gun.getRecord(soul), null);
  });

  it('deleteRecord of an absent soul resolves true (idempotent; nothing is written)', async () => {
    const soul = uniqueSoul('never');
    relay.resetCounters();
    assert.equal(await gun.deleteRecord(soul), true);
    assert.deepEqual(relay.requestsByPath, { '/get': 1 });
  });

  it('deleteRecord throws a typed error when the relay refuses the tombstones; the message never says not found', async () => {
    const soul = uniqueSoul('del-bad');
    await gun.putSimple({ a: 1 }, soul);
    relay.fault(soul, { status: 500, body: GUN_MESSAGE, path: '/put', times: 1 });
    await assert.rejects(gun.deleteRecord(soul), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'SOUL_REJECTED');
      assert.doesNotMatch(e.message, /404|not found/i);
      return true;
    });
    assert.equal(await gun.deleteRecord(soul), true, 'the next try goes through');
  });

  it('listRecordsByPublisher / listUserRecords: { soul, did, ...entry }, deleted records left out, recordType filtered here', async () => {
    const publicKey = `list-publisher-${process.pid}`;
    const souls = ['a', 'b', 'c'].map((id) => gun.computeSoul(publicKey, id));
    await gun.putRecord(RECORD, souls[0]!);
    await gun.putRecord({ data: { x: 1 }, oip: { recordType: 'post' } }, souls[1]!);
    await gun.putRecord(RECORD, souls[2]!);
    await gun.deleteRecord(souls[2]!);
    const listed = await gun.listRecordsByPublisher(publicKey, { limit: 10 });
    assert.deepEqual(listed.map((e) => e.soul).sort(), [souls[0], souls[1]]);
    for (const e of listed) assert.equal(e.did, `did:gun:${e.soul}`);
    const recipes = await gun.listUserRecords(publicKey, { recordType: 'recipe' });
    assert.deepEqual(recipes.map((e) => e.soul), [souls[0]]);
    assert.equal(typeof recipes[0]?.data['oip'], 'string', 'entries hold the node as sent, as before');
  });

  it('listRecordsByPublisher never throws: invalid input resolves []', async () => {
    capture.lines.length = 0;
    assert.deepEqual(await gun.listRecordsByPublisher(''), []);
    assert.equal(capture.lines.length, 1);
  });

  it('checkConnection probes the relay: true', async () => {
    relay.resetCounters();
    assert.equal(await gun.checkConnection(), true);
    assert.deepEqual(relay.requestsByPath, { '/peers/status': 1 });
  });
});

describe('GunHelper against a failing relay (fault server)', () => {
  after(() => GunHelper.closeAll());

  it('connection refused: put methods throw the legacy message; reads resolve null / []; checkConnection false', async () => {
    const url = await refusedUrl();
    const { lines, logger } = captureLogger();
    const gun = helperAt(url, { logger });
    await assert.rejects(gun.putRecord(RECORD, '6fe8dbc406f9:x'), (e: Error & { code?: string }) => {
      assert.equal(e.message, RELAY_NOT_ACCESSIBLE);
      assert.equal(e.message, 'GUN relay not accessible - check if gun-relay service is running');
      assert.equal(e.code, 'CONNECTION_REFUSED');
      return true;
    });
    await assert.rejects(gun.putSimple({ a: 1 }, 's'), { message: RELAY_NOT_ACCESSIBLE });
    await assert.rejects(gun.deleteRecord('s'), { message: RELAY_NOT_ACCESSIBLE });
    assert.equal(await gun.getRecord('s'), null);
    assert.deepEqual(await gun.listRecordsByPublisher(KEY_A), []);
    assert.equal(await gun.checkConnection(), false);
    assert.equal(lines.length, 2, 'one line per swallowed failure (getRecord, list), none for relay-level failures that throw');
  });

  it('timeout: putRecord throws the legacy timeout message within GUN_REGISTRY_TIMEOUT_MS', async () => {
    const server = await startFaultServer({ hang: true });
    try {
      const gun = helperAt(server.url, { logger: null }, { GUN_REGISTRY_TIMEOUT_MS: '300' });
      const started = Date.now();
      await assert.rejects(gun.putRecord(RECORD, '6fe8dbc406f9:slow'), (e: Error & { code?: string }) => {
        assert.equal(e.message, RELAY_TIMEOUT);
        assert.equal(e.message, 'GUN relay timeout - service may be overloaded');
        assert.equal(e.code, 'TIMEOUT');
        return true;
      });
      assert.ok(Date.now() - started < 5_000);
    } finally {
      await server.close();
    }
  });

  it('5xx from the relay: putSimple throws; getRecord null, list [], checkConnection false; an open breaker reads as not accessible', async () => {
    const server = await startFaultServer({ status: 503, body: { error: 'Service Unavailable' } });
    try {
      const gun = helperAt(server.url, { logger: null });
      await assert.rejects(gun.putSimple({ a: 1 }, 's'), isCode('RELAY_ERROR'));
      assert.equal(await gun.getRecord('s'), null);
      assert.deepEqual(await gun.listUserRecords(KEY_A), []);
      assert.equal(await gun.checkConnection(), false);
      // Five relay-level failures opened the breaker: nothing is sent, and callers see the legacy message.
      const sent = server.requestCount;
      await assert.rejects(gun.putRecord(RECORD, '6fe8dbc406f9:y'), { code: 'RELAY_UNAVAILABLE', message: RELAY_NOT_ACCESSIBLE });
      assert.equal(server.requestCount, sent);
    } finally {
      await server.close();
    }
  });

  it('a skipped delete resolves true, fires skip, and is logged once; one line per soul at its first failure', async () => {
    const server = await rejectingRelay();
    try {
      const { lines, logger } = captureLogger();
      // Many instances, one shared client: the legacy log is attached once, not per instance.
      const helpers = Array.from({ length: 5 }, () => helperAt(server.url, { logger }));
      const gun = helpers[0]!;
      const skips: string[] = [];
      gun.client.on('skip', (e) => skips.push(e.soul));
      for (const h of helpers.slice(0, 3)) {
        await assert.rejects(h.deleteRecord('poisoned:1'), isCode('SOUL_REJECTED'));
        await acceptAnotherDelete(gun); // the evidence that makes the refusal count (attribution)
      }
      assert.deepEqual(lines.filter((l) => l.includes('failed for poisoned:1')).length, 1, 'one line for three failures');
      const before = server.requestCount;
      assert.equal(await helpers[3]!.deleteRecord('poisoned:1'), true);
      assert.equal(await helpers[4]!.deleteRecord('poisoned:1'), true);
      assert.equal(server.requestCount, before, 'skips send nothing');
      assert.deepEqual(skips, ['poisoned:1', 'poisoned:1']);
      const skipLines = lines.filter((l) => l.includes('[GUN Delete Skip] poisoned:1'));
      assert.equal(skipLines.length, 1);
      assert.match(skipLines[0]!, /skipped without a request after 3 failures/);
      assert.equal(lines.length, 2);
    } finally {
      await server.close();
    }
  });

  it('throwOnSkip (option or GUN_SKIP_THROWS=1) makes a skipped delete throw a typed error instead', async () => {
    const server = await rejectingRelay();
    try {
      const gun = helperAt(server.url, { logger: null });
      for (let i = 0; i < 3; i++) {
        await assert.rejects(gun.deleteRecord('poisoned:2'), isCode('SOUL_REJECTED'));
        await acceptAnotherDelete(gun);
      }
      assert.equal(await gun.deleteRecord('poisoned:2'), true);
      const strict = helperAt(server.url, { throwOnSkip: true });
      await assert.rejects(strict.deleteRecord('poisoned:2'), (e: GunSkippedError) => {
        assert.ok(e instanceof GunSkippedError);
        assert.equal(e.name, 'GunRelayError');
        assert.equal(e.code, 'SKIPPED');
        assert.equal(e.skipped, true);
        assert.equal(e.failures, 3);
        assert.equal(e.soul, 'poisoned:2');
        assert.doesNotMatch(e.message, /404|not found/i, 'callers must not mistake a skip for an absent record');
        return true;
      });
      const byEnv = helperAt(server.url, undefined, { GUN_SKIP_THROWS: '1' });
      await assert.rejects(byEnv.deleteRecord('poisoned:2'), { code: 'SKIPPED', skipped: true });
      assert.equal(gun.client, strict.client, 'the option is per instance; the client is shared');
    } finally {
      await server.close();
    }
  });

  it('writes the delete stats line every 10 skips, with attempts that reached the relay', async () => {
    const server = await rejectingRelay();
    try {
      const { lines, logger } = captureLogger();
      const gun = helperAt(server.url, { logger });
      for (let i = 0; i < 3; i++) {
        await assert.rejects(gun.deleteRecord('poisoned:3'), isCode('SOUL_REJECTED'));
        await acceptAnotherDelete(gun);
      }
      for (let i = 0; i < 25; i++) assert.equal(await gun.deleteRecord('poisoned:3'), true);
      assert.deepEqual(
        lines.filter((l) => l.includes('[GUN Delete Stats]')),
        [
          // Three refused deletes of the poisoned soul and the three accepted ones that were their evidence.
          '📊 [GUN Delete Stats] Attempts: 6, Skipped (cached failures): 10',
          '📊 [GUN Delete Stats] Attempts: 6, Skipped (cached failures): 20',
        ],
      );
      assert.equal(lines.length, 4, 'first failure, first skip, two stats lines: nothing per repeat');
    } finally {
      await server.close();
    }
  });

  it('logger: null silences the legacy lines', async () => {
    const server = await rejectingRelay();
    try {
      const { lines, logger } = captureLogger();
      helperAt(server.url, { logger });
      const gun = helperAt(server.url, { logger: null }); // the last instance given a logger wins
      for (let i = 0; i < 3; i++) {
        await assert.rejects(gun.deleteRecord('poisoned:4'), isCode('SOUL_REJECTED'));
        await acceptAnotherDelete(gun);
      }
      for (let i = 0; i < 10; i++) await gun.deleteRecord('poisoned:4');
      assert.deepEqual(await gun.listRecordsByPublisher(''), [], 'a swallowed failure is not logged either');
      assert.deepEqual(lines, []);
    } finally {
      await server.close();
    }
  });
});

describe('examples/legacy-drop-in.cjs (CommonJS, built package)', () => {
  before(() => {
    // `npm test` builds first (pretest); when this file runs alone, build if dist is missing.
    if (!existsSync(join(ROOT, 'dist/legacy/index.cjs')) || !existsSync(join(ROOT, 'dist/testing/index.cjs'))) {
      execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
    }
  });

  it('runs put → get → delete → get(null) against the local relay and exits by itself', async () => {
    const child = spawn(process.execPath, ['examples/legacy-drop-in.cjs'], {
      cwd: ROOT,
      env: { ...process.env, GUN_PEERS: '', GUN_SKIP_THROWS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('close', (c, s) => resolve([c, s])),
    );
    clearTimeout(killer);
    assert.equal(signal, null, `it did not exit by itself; stdout:\n${stdout}\nstderr:\n${stderr}`);
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
    const lines = stdout.trim().split('\n');
    assert.match(lines[0]!, /^relay: http:\/\/127\.0\.0\.1:\d+$/, 'the trailing slash of GUN_PEERS was dropped');
    assert.deepEqual(lines.slice(1), [
      'connected: true',
      'put: did:gun:c23b801780bb:drop-in-demo encrypted=false',
      'get: Drop-in demo (post)',
      'delete: true',
      'get after delete: null',
    ]);
  });
});
