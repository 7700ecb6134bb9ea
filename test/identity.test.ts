/**
 * Records that stay themselves: reads that refuse another soul's data (IDENTITY_MISMATCH after one
 * re-read) and writes whose nested objects name their own souls (one request), against the local
 * relay over the real gun.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AxiosTransport, GunRelayClient, SyncLoop, type FailureEvent } from '../src/index.js';
import { GunHelper } from '../src/legacy/index.js';
import { planWrite } from '../src/protocol/nestedWrite.js';
import { startLocalRelay, type LocalRelay } from '../src/testing/index.js';
import { isCode } from './helpers/errors.js';
import { recording } from './helpers/recording.js';

const P = '647f79c2a338';
const record = (name: string, extra: Record<string, unknown> = {}) => ({ data: { basic: { name } }, oip: { recordType: 'audio', ...extra } });

describe('identity of what is read and written (real gun)', () => {
  let relay: LocalRelay;
  let client: GunRelayClient;
  const transport = recording(new AxiosTransport({ maxSockets: 16, maxContentLength: 64 * 1024 * 1024, maxBodyLength: 64 * 1024 * 1024 }));
  before(async () => {
    relay = await startLocalRelay({ putDelayMs: 0, writeBatchMs: 1, missWaitMs: 5_000 });
    client = new GunRelayClient({ baseUrl: relay.url, transport });
  });
  after(async () => {
    client.close();
    GunHelper.closeAll();
    await relay.close();
  });

  const gets = (soul: string): number => relay.log.filter((r) => r.path === '/get' && r.soul === soul).length;

  it('a record whose meta link points to another node\'s child: read twice, then IDENTITY_MISMATCH naming both souls; the foreign child is never read', async () => {
    const own = `${P}:audio_19`;
    const other = `${P}:audio_219`;
    await client.putRecord(record('audio #219'), other, { localId: 'audio_219' });
    // What the relay was seen to store under concurrent puts: audio_19's meta linked to audio_219's.
    await client.put(own, { data: JSON.stringify({ basic: { name: 'audio #219' } }), oip: '{}', meta: { '#': `${other}/meta` } });
    const failures: FailureEvent[] = [];
    const off = client.on('failure', (e) => void failures.push(e));
    const before = client.stats();
    relay.resetCounters();
    await assert.rejects(client.getRecord(own), (e: unknown) => {
      isCode('IDENTITY_MISMATCH', 'link meta')(e);
      const error = e as { soul: string; foreignSoul: string; scope: string; message: string };
      assert.equal(error.soul, own);
      assert.equal(error.foreignSoul, other);
      assert.equal(error.scope, 'relay');
      assert.match(error.message, /audio_19.*audio_219/);
      return true;
    });
    off();
    assert.equal(gets(own), 2, 'read once, then once more');
    assert.equal(gets(`${other}/meta`), 0, 'the foreign child is not followed');
    const stats = client.stats();
    assert.equal(stats.identityRereads - before.identityRereads, 1);
    assert.equal(stats.identityMismatches - before.identityMismatches, 1);
    assert.deepEqual(failures.map((f) => [f.code, f.soul, f.counted]), [['IDENTITY_MISMATCH', own, false]]);
    // A plain get resolving links applies the same rule; without resolving, the link is returned as it is.
    await assert.rejects(client.get(own, { resolveLinks: 1 }), isCode('IDENTITY_MISMATCH'));
    assert.deepEqual((await client.get(own))?.['meta'], { '#': `${other}/meta` });
  });

  it('a record whose meta.localId or oip.did names another soul is IDENTITY_MISMATCH; legacy localId forms and explicit links pass', async () => {
    await client.putRecord(record('x'), `${P}:audio_20`, { localId: 'audio_220' });
    await assert.rejects(client.getRecord(`${P}:audio_20`), (e: unknown) => isCode('IDENTITY_MISMATCH', 'meta.localId')(e) && (e as { foreignSoul: string }).foreignSoul === `${P}:audio_220`);
    await client.putRecord(record('y', { did: `did:gun:${P}:audio_221` }), `${P}:audio_21`, { localId: 'audio_21' });
    await assert.rejects(client.getRecord(`${P}:audio_21`), (e: unknown) => isCode('IDENTITY_MISMATCH', 'oip.did')(e) && (e as { foreignSoul: string }).foreignSoul === `${P}:audio_221`);
    // Own DID, the legacy sync's localId (first segment), a null localId: all the soul's own.
    await client.putRecord(record('z', { did: `did:gun:${P}:note1:transcript` }), `${P}:note1:transcript`, { localId: 'note1' });
    assert.deepEqual((await client.getRecord(`${P}:note1:transcript`))?.data, { basic: { name: 'z' } });
    await client.putRecord(record('h'), `${P}:h:abcdef012345`);
    assert.deepEqual((await client.getRecord(`${P}:h:abcdef012345`))?.data, { basic: { name: 'h' } });
    // An explicit reference to another soul (not a nested child) is followed as before.
    await client.put('identity:target', { title: 'target' });
    await client.put('identity:source', { friend: { '#': 'identity:target' } });
    assert.deepEqual(await client.get('identity:source', { resolveLinks: 1 }), { friend: { title: 'target' } });
  });

  it('a mismatch that a second read does not repeat is not an error: the second answer is returned', async () => {
    const soul = `${P}:audio_30`;
    await client.putRecord(record('audio #30'), soul, { localId: 'audio_30' });
    const stray = { data: { basic: { name: 'audio #230' } }, oip: {}, meta: { created: 1, localId: 'audio_230', encrypted: false } };
    relay.fault(soul, { status: 200, body: { success: true, data: stray }, path: '/get', times: 1 });
    const before = client.stats();
    const read = await client.getRecord(soul);
    assert.deepEqual(read?.data, { basic: { name: 'audio #30' } });
    assert.equal(client.stats().identityRereads - before.identityRereads, 1);
    assert.equal(client.stats().identityMismatches - before.identityMismatches, 0);
  });

  it('the legacy facade keeps returning null and logs its documented line', async () => {
    const lines: string[] = [];
    const push = (m: unknown) => void lines.push(String(m));
    process.env['GUN_PEERS'] = relay.url;
    const gun = new GunHelper({ logger: { debug: push, info: push, warn: push, error: push } });
    delete process.env['GUN_PEERS'];
    assert.equal(await gun.getRecord(`${P}:audio_19`), null);
    assert.ok(lines.some((l) => l.startsWith(`⚠️ [GUN] getRecord(${P}:audio_19) failed (IDENTITY_MISMATCH: `) && l.endsWith('; returning null')), lines.join('\n'));
    assert.equal((await gun.getRecord(`${P}:audio_219`))?.['meta']?.['localId' as never], 'audio_219');
  });

  it('a sync cycle counts the mismatch in its report', async () => {
    const loop = new SyncLoop({
      name: 'identity',
      client,
      intervalMs: 60_000,
      cycleTimeoutMs: 30_000,
      run: async (cycle) => {
        try {
          await cycle.client.getRecord(`${P}:audio_19`);
        } catch {
          return 'refused';
        }
        return 'copied';
      },
    });
    const report = await loop.trigger();
    assert.equal(report.result, 'refused');
    assert.equal(report.identityMismatches, 1);
    assert.equal(report.failures, 1);
  });

  /** The bodies of the puts `client` sent since the last call. */
  const putBodies = (): unknown[] => transport.sent.splice(0).filter((r) => r.path === '/put').map((r) => JSON.parse(String(r.body)));

  it('a nested object goes in the same request, naming its own node <soul>/<key>; gun stores it there and links it explicitly', async () => {
    putBodies();
    const node = { title: 't', data: { basic: { name: 'n', tags: { a: true } }, size: 3 } };
    await client.put('nested:a', node);
    assert.deepEqual(putBodies(), [{
      soul: 'nested:a',
      data: { title: 't', data: { _: { '#': 'nested:a/data' }, basic: { _: { '#': 'nested:a/data/basic' }, name: 'n', tags: { _: { '#': 'nested:a/data/basic/tags' }, a: true } }, size: 3 } },
    }]);
    assert.deepEqual(await client.get('nested:a'), { title: 't', data: { '#': 'nested:a/data' } });
    assert.deepEqual(await client.get('nested:a/data/basic'), { name: 'n', tags: { '#': 'nested:a/data/basic/tags' } });
    assert.deepEqual(await client.get('nested:a', { resolveLinks: 3 }), node);
    // The relay lists a node as it was put: the metadata the SDK added is not shown.
    assert.deepEqual((await client.list('nested')).find((e) => e.soul === 'nested:a')?.data, node);
  });

  it("a key that linked elsewhere is relinked to the node's own child; the soul it linked to is left alone", async () => {
    await client.put('nested:target', { title: 'target' });
    await client.put('nested:c', { ref: { '#': 'nested:target' } });
    await client.put('nested:c', { ref: { title: 'own' } });
    assert.deepEqual(await client.get('nested:c'), { ref: { '#': 'nested:c/ref' } });
    assert.deepEqual(await client.get('nested:c/ref'), { title: 'own' });
    assert.deepEqual(await client.get('nested:target'), { title: 'target' });
  });

  it('a refused write is one failure of the call and the node keeps its old value, nested nodes included', async () => {
    await client.put('nested:b', { title: 'old', data: { v: 1 } });
    relay.fault('nested:b', { status: 500, body: { error: 'disk full' }, path: '/put', times: 1 });
    putBodies();
    const failures: FailureEvent[] = [];
    const off = client.on('failure', (e) => void failures.push(e));
    await assert.rejects(client.put('nested:b', { title: 'new', data: { v: 2 } }, { retry: false }), (e: unknown) => (e as { soul: string }).soul === 'nested:b');
    off();
    assert.equal(failures.length, 1);
    assert.equal(putBodies().length, 1, 'one request');
    assert.deepEqual(await client.get('nested:b', { resolveLinks: 1 }), { title: 'old', data: { v: 1 } });
  });

  it('a node of more nested objects than the client queues is one request', async () => {
    const small = new GunRelayClient({ baseUrl: relay.url, maxInFlight: 2, maxQueue: 0 });
    try {
      const node = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, { i }]));
      relay.resetCounters();
      assert.equal((await small.put('nested:many', node)).outcome, 'written');
      assert.equal(relay.requestsByPath['/put'], 1);
      assert.deepEqual(await small.get('nested:many', { resolveLinks: 1 }), node, 'its links are read maxInFlight at a time');
    } finally {
      small.close();
    }
  });

  it('a miss remembered for a nested node is forgotten by the write that creates it', async () => {
    const cached = new GunRelayClient({ baseUrl: relay.url, missCache: { ttlMs: 60_000 } });
    try {
      assert.equal(await cached.get('nested:d/data'), null);
      await cached.put('nested:d', { data: { v: 1 } });
      assert.deepEqual(await cached.get('nested:d/data'), { v: 1 });
    } finally {
      cached.close();
    }
  });

  it('planWrite: one body with every nested soul; a child soul too long is INVALID_INPUT before sending', () => {
    const flat = planWrite('s', { a: 1 }, 'put', 1e6);
    assert.deepEqual([flat.body, flat.nested], ['{"soul":"s","data":{"a":1}}', []]);
    const plan = planWrite('s', { a: { b: { c: 1, z: null } }, d: { e: 2 }, l: { '#': 'x' } }, 'put', 1e6);
    assert.deepEqual(JSON.parse(plan.body), { soul: 's', data: { a: { _: { '#': 's/a' }, b: { _: { '#': 's/a/b' }, c: 1, z: null } }, d: { _: { '#': 's/d' }, e: 2 }, l: { '#': 'x' } } });
    assert.deepEqual(plan.nested, [
      { soul: 's/a', liveKeys: 1, tombstones: 0 },
      { soul: 's/a/b', liveKeys: 1, tombstones: 1 },
      { soul: 's/d', liveKeys: 1, tombstones: 0 },
    ]);
    assert.throws(() => planWrite('s'.repeat(1020), { long: { x: 1 } }, 'put', 1e6), isCode('INVALID_INPUT', 'node.long'));
  });
});
