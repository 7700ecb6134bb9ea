/**
 * Records that stay themselves: reads that refuse another soul's data (IDENTITY_MISMATCH after one
 * re-read) and writes that send nested objects as their own nodes, children first, against the
 * local relay over the real gun.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GunRelayClient, SyncLoop, type FailureEvent } from '../src/index.js';
import { GunHelper } from '../src/legacy/index.js';
import { planWrite } from '../src/protocol/nestedWrite.js';
import { startLocalRelay, type LocalRelay } from '../src/testing/index.js';
import { isCode } from './helpers/errors.js';

const P = '647f79c2a338';
const record = (name: string, extra: Record<string, unknown> = {}) => ({ data: { basic: { name } }, oip: { recordType: 'audio', ...extra } });

describe('identity of what is read and written (real gun)', () => {
  let relay: LocalRelay;
  let client: GunRelayClient;
  before(async () => {
    relay = await startLocalRelay({ putDelayMs: 0, writeBatchMs: 1, missWaitMs: 5_000 });
    client = new GunRelayClient({ baseUrl: relay.url });
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

  it('a nested object is written as its own node at <soul>/<key>, deepest first, and linked explicitly', async () => {
    relay.resetCounters();
    await client.put('nested:a', { title: 't', data: { basic: { name: 'n', tags: { a: true } }, size: 3 } });
    const puts = relay.log.filter((r) => r.path === '/put').map((r) => r.soul);
    assert.deepEqual(puts, ['nested:a/data/basic/tags', 'nested:a/data/basic', 'nested:a/data', 'nested:a']);
    assert.deepEqual(await client.get('nested:a'), { title: 't', data: { '#': 'nested:a/data' } });
    assert.deepEqual(await client.get('nested:a', { resolveLinks: 3 }), { title: 't', data: { basic: { name: 'n', tags: { a: true } }, size: 3 } });
  });

  it('a failed child write is one failure of the call; the parent is not written and keeps its old value', async () => {
    await client.put('nested:b', { title: 'old', data: { v: 1 } });
    relay.fault('nested:b/data', { status: 500, body: { error: 'disk full' }, path: '/put', times: 1 });
    relay.resetCounters();
    const failures: FailureEvent[] = [];
    const off = client.on('failure', (e) => void failures.push(e));
    await assert.rejects(client.put('nested:b', { title: 'new', data: { v: 2 } }), (e: unknown) => {
      assert.equal((e as { soul: string }).soul, 'nested:b');
      assert.match((e as Error).message, /nested node nested:b\/data; nested:b itself was not written/);
      return true;
    });
    off();
    assert.equal(failures.length, 1);
    assert.deepEqual(relay.log.filter((r) => r.path === '/put').map((r) => r.soul), ['nested:b/data']);
    assert.deepEqual(await client.get('nested:b', { resolveLinks: 1 }), { title: 'old', data: { v: 1 } });
  });

  it('a node of more nested objects than the client queues is written maxInFlight at a time; a failure starts no further write', async () => {
    const small = new GunRelayClient({ baseUrl: relay.url, maxInFlight: 2, maxQueue: 0 });
    try {
      const node = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, { i }]));
      relay.resetCounters();
      assert.equal((await small.put('nested:many', node)).outcome, 'written');
      assert.equal(relay.log.filter((r) => r.path === '/put').length, 41, '40 children and the parent');
      assert.deepEqual(await small.get('nested:many', { resolveLinks: 1 }), node, 'its links are read maxInFlight at a time too');

      relay.fault('nested:many2/k3', { status: 500, body: { error: 'disk full' }, path: '/put', times: 1 });
      relay.resetCounters();
      await assert.rejects(small.put('nested:many2', node), /nested node nested:many2\/k3; nested:many2 itself was not written/);
      const puts = relay.log.filter((r) => r.path === '/put').map((r) => r.soul);
      assert.ok(puts.length <= 6, `writes stop after the failure (${puts.length} sent)`);
      assert.ok(!puts.includes('nested:many2'));
      assert.equal(await client.get('nested:many2'), null);
    } finally {
      small.close();
    }
  });

  it('planWrite: requests = 1 + nested objects; a child soul too long is INVALID_INPUT before sending', () => {
    assert.equal(planWrite('s', { a: 1 }, 'put', 1e6).requests, 1);
    const plan = planWrite('s', { a: { b: { c: 1 } }, d: { e: 2 }, l: { '#': 'x' } }, 'put', 1e6);
    assert.equal(plan.requests, 4);
    assert.deepEqual(plan.steps.map((s) => s.map((w) => w.soul)), [['s/a/b'], ['s/a', 's/d'], ['s']]);
    assert.throws(() => planWrite('s'.repeat(1020), { long: { x: 1 } }, 'put', 1e6), isCode('INVALID_INPUT', 'node.long'));
  });
});
