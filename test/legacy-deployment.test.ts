/**
 * GunHelper as the indexer's own callers use it: index nodes come back as the relay sent them, a
 * never-written index costs one request per TTL, large records pass, flat objects are stored as
 * the old module stored them.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { GunRelayClient } from '../src/index.js';
import { GunHelper, type GunHelperOptions } from '../src/legacy/index.js';
import { encryptRecordData } from '../src/oip/envelope.js';
import { startLocalRelay, type LocalRelay } from '../src/testing/index.js';

const ENV_KEYS = ['GUN_PEERS', 'GUN_MAX_BODY_BYTES'] as const;
const saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));

function helper(url: string, options?: GunHelperOptions, env: Record<string, string> = {}): GunHelper {
  process.env['GUN_PEERS'] = url;
  for (const [k, v] of Object.entries(env)) process.env[k] = v;
  try {
    return new GunHelper({ logger: null, ...options });
  } finally {
    for (const k of ENV_KEYS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

describe('GunHelper for the indexer (local relay, real gun)', () => {
  let relay: LocalRelay;
  let raw: GunRelayClient;
  before(async () => {
    // A wide miss window: a read right after a large write must not turn into a false "Not found" on a loaded machine.
    relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 1_000 });
    raw = new GunRelayClient({ baseUrl: relay.url, coalesceReads: false });
  });
  after(async () => {
    raw.close();
    GunHelper.closeAll();
    await relay.close();
  });
  afterEach(() => GunHelper.closeAll());

  const getsOf = (soul: string) => relay.log.filter((r) => r.path === '/get' && r.soul === soul).length;

  it('a never-written index read twice costs 1 request; the miss is remembered per instance as helpers/gun.js did', async () => {
    const gun = helper(relay.url);
    relay.resetCounters();
    const soul = 'oip:registry:index:neverwritten';
    assert.equal(await gun.getRecord(soul), null);
    assert.equal(await gun.getRecord(soul), null);
    assert.equal(getsOf(soul), 1);
    assert.equal(gun.rememberedMisses, 1);
    await helper(relay.url).putSimple({ first: 'entry' }, soul);
    assert.equal(await gun.getRecord(soul), null, 'the old lifetime: another write does not clear this instance\'s memory');
    assert.deepEqual(await helper(relay.url).getRecord(soul), { first: 'entry' }, 'a new instance asks the relay');
    const fresh = helper(relay.url, { forgetMissesOnWrite: true });
    const other = 'oip:registry:index:neverwritten2';
    assert.equal(await fresh.getRecord(other), null);
    await fresh.putSimple({ second: 'entry' }, other);
    assert.deepEqual(await fresh.getRecord(other), { second: 'entry' }, 'forgetMissesOnWrite: its own write clears the miss');
  });

  it('a 200-entry registry index costs 1 request and comes back exactly as the relay sent it', async () => {
    const soul = 'oip:registry:index:post';
    const index: Record<string, unknown> = {};
    for (let i = 0; i < 200; i++) index[`pub${String(i).padStart(3, '0')}:rec`] = { soul: `pub${i}:rec`, nodeId: 'n1', timestamp: 1_700_000_000_000 + i };
    await raw.put(soul, index as never);
    const asSent = await raw.get(soul);
    const gun = helper(relay.url);
    relay.resetCounters();
    const got = await gun.getRecord(soul);
    assert.equal(relay.requestCount, 1);
    assert.deepEqual(got, asSent);
    assert.deepEqual(Object.keys(got!).length, 200, 'no data, oip or meta added');
    assert.deepEqual(got!['pub000:rec'], { '#': 'oip:registry:index:post/pub000:rec' }, 'links as they are');
  });

  it('flat nodes (deletion index, registry entry) come back unchanged', async () => {
    await raw.put('oip:deleted:records:index', { 'did:gun:a:1': true });
    await raw.put('oip:registry:nodes:n1:a:1', { soul: 'a:1', nodeId: 'n1', timestamp: 5 });
    const gun = helper(relay.url);
    assert.deepEqual(await gun.getRecord('oip:deleted:records:index'), { 'did:gun:a:1': true });
    assert.deepEqual(await gun.getRecord('oip:registry:nodes:n1:a:1'), { soul: 'a:1', nodeId: 'n1', timestamp: 5 });
  });

  it('a record: meta resolved (2 requests), data and oip parsed; other links kept', async () => {
    const gun = helper(relay.url);
    await gun.putRecord({ data: { basic: { name: 'x' } }, oip: { recordType: 'post' } }, '6fe8dbc406f9:r1', { localId: 'r1' });
    await raw.put('6fe8dbc406f9:r1', { extra: { k: 1 } });
    relay.resetCounters();
    const got = await gun.getRecord('6fe8dbc406f9:r1');
    assert.equal(relay.requestCount, 2);
    assert.deepEqual(got!['data'], { basic: { name: 'x' } });
    assert.deepEqual(got!['oip'], { recordType: 'post' });
    assert.equal((got!['meta'] as { localId: string }).localId, 'r1');
    assert.deepEqual(got!['extra'], { '#': '6fe8dbc406f9:r1/extra' });
  });

  it('an encrypted data stored as a link (the old module wrote it so) is resolved and decrypted', async () => {
    const key = randomBytes(32);
    const envelope = encryptRecordData(JSON.stringify({ secret: 1 }), key);
    await raw.put('6fe8dbc406f9:enc', {
      data: { ...envelope },
      oip: JSON.stringify({ recordType: 'private' }),
      meta: { created: 1, localId: null, encrypted: true, encryptionMethod: 'aes-256-gcm' },
    } as never);
    const gun = helper(relay.url);
    relay.resetCounters();
    const got = await gun.getRecord('6fe8dbc406f9:enc', { decryptionKey: key });
    assert.equal(relay.requestCount, 3, 'node, meta, data');
    assert.deepEqual(got!['data'], { secret: 1 });
    const locked = await gun.getRecord('6fe8dbc406f9:enc');
    assert.deepEqual(Object.keys(locked!['data'] as object).sort(), ['encrypted', 'iv', 'tag']);
  });

  it('putRecord of a flat object without data stores what helpers/gun.js stored: meta only', async () => {
    const gun = helper(relay.url);
    const soul = 'oip:registry:users';
    assert.deepEqual(await gun.putRecord({ 'user:a@b.c': '6fe8dbc406f9:u1', lastUpdated: 'now' } as never, soul), {
      soul,
      did: `did:gun:${soul}`,
      encrypted: false,
    });
    const node = await raw.get(soul, { resolveLinks: 1 });
    assert.deepEqual(Object.keys(node!), ['meta']);
    assert.equal((node!['meta'] as Record<string, unknown>)['encrypted'], false);
    await gun.putRecord({ oip: { recordType: 'x' } } as never, 'oip:only');
    assert.deepEqual(Object.keys((await raw.get('oip:only'))!).sort(), ['meta', 'oip']);
  });

  it('a 9 MiB record is published and read back (default limit 64 MiB)', async () => {
    const gun = helper(relay.url);
    const big = 'x'.repeat(9 * 1024 * 1024);
    await gun.putRecord({ data: { big }, oip: { recordType: 'media' } }, '6fe8dbc406f9:big');
    const got = await gun.client.get('6fe8dbc406f9:big');
    assert.equal((got!['data'] as { big: string }).big.length, big.length);
    const legacy = await gun.getRecord('6fe8dbc406f9:big');
    assert.equal((legacy!['data'] as { big: string }).big.length, big.length);
  });

  it('maxBodyBytes and GUN_MAX_BODY_BYTES set the limit', async () => {
    const small = helper(relay.url, { maxBodyBytes: 1024 });
    await assert.rejects(small.putSimple({ v: 'x'.repeat(2048) }, 'lim:1'), { code: 'INVALID_INPUT' });
    GunHelper.closeAll();
    const byEnv = helper(relay.url, {}, { GUN_MAX_BODY_BYTES: '1024' });
    await assert.rejects(byEnv.putSimple({ v: 'x'.repeat(2048) }, 'lim:2'), { code: 'INVALID_INPUT' });
    GunHelper.closeAll();
    assert.deepEqual(await helper(relay.url).putSimple({ v: 'x'.repeat(2048) }, 'lim:3'), { soul: 'lim:3', success: true });
  });
});
