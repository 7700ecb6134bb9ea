import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GunRelayClient } from '../src/index.js';
import { startLocalRelay, type LocalRelay } from '../src/testing/index.js';

describe('GunRelayClient against the local relay (real gun)', () => {
  let relay: LocalRelay;
  let client: GunRelayClient;

  before(async () => {
    relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 500 });
    client = new GunRelayClient({ baseUrl: relay.url });
  });
  after(async () => {
    client.close();
    await relay.close();
  });

  it('put → get returns the node', async () => {
    assert.deepEqual(await client.put('abc123def456:rec1', { title: 'hello', n: 42, ok: true, gone: null }), {
      soul: 'abc123def456:rec1',
      outcome: 'written',
      relay: relay.url,
    });
    const node = await client.get('abc123def456:rec1');
    assert.equal(node?.['title'], 'hello');
    assert.equal(node?.['n'], 42);
    assert.equal(node?.['ok'], true);
    assert.equal(node?.['_'], undefined, 'GUN metadata is not returned');
  });

  it('a put merges: keys missing from it keep their values', async () => {
    await client.put('abc123def456:merge', { a: 1, b: 2 });
    await client.put('abc123def456:merge', { b: 3 });
    const node = await client.get('abc123def456:merge');
    assert.equal(node?.['a'], 1);
    assert.equal(node?.['b'], 3);
  });

  it('a nested object reads back as a link to the child soul', async () => {
    await client.put('abc123def456:nested', { meta: { created: 1, localId: 'x' }, title: 't' });
    const node = await client.get('abc123def456:nested');
    assert.deepEqual(node?.['meta'], { '#': 'abc123def456:nested/meta' });
    const child = await client.get('abc123def456:nested/meta');
    assert.equal(child?.['localId'], 'x');
  });

  it('delete tombstones every key (GET + PUT): outcome deleted, then get → null', async () => {
    await client.put('abc123def456:del', { a: 'x', b: 2, meta: { k: 1 } });
    relay.resetCounters();
    const r = await client.delete('abc123def456:del');
    assert.equal(r.outcome, 'deleted');
    if (r.outcome !== 'deleted') return;
    assert.deepEqual([...r.keys].sort(), ['a', 'b', 'meta']);
    assert.deepEqual(r.links, ['abc123def456:del/meta']);
    assert.equal(r.requests, 2);
    assert.equal(relay.requestCount, 2);
    assert.equal(await client.get('abc123def456:del'), null);
    const put = relay.log.find((e) => e.path === '/put');
    assert.equal(put?.status, 200, 'the relay accepted the tombstones');
  });

  it('delete with known keys sends exactly one request', async () => {
    await client.put('abc123def456:delk', { a: 1, b: 2 });
    relay.resetCounters();
    const r = await client.delete('abc123def456:delk', { keys: ['a', 'b'] });
    assert.equal(r.outcome, 'deleted');
    assert.equal(relay.requestCount, 1);
    assert.equal(await client.get('abc123def456:delk'), null);
  });

  it('delete of a never-written soul is absent, and nothing is written', async () => {
    relay.resetCounters();
    assert.deepEqual(await client.delete('abc123def456:never'), { soul: 'abc123def456:never', outcome: 'absent', requests: 1, relay: relay.url });
    assert.deepEqual(relay.requestsByPath, { '/get': 1 });
  });

  it('get of a never-written soul is null', async () => {
    assert.equal(await client.get('abc123def456:nothing-here'), null);
  });

  it('list returns typed entries for the publisher; deleted souls stay listed, flagged tombstoned', async () => {
    const pub = 'feedbeef0001';
    await client.put(`${pub}:a`, { data: JSON.stringify({ name: 'A' }), oip: JSON.stringify({ recordType: 'post' }) });
    await client.put(`${pub}:b`, { data: JSON.stringify({ name: 'B' }), oip: JSON.stringify({ recordType: 'image' }) });
    await client.put(`${pub}:c`, { title: 'C' });
    await client.delete(`${pub}:c`, { keys: ['title'] });
    const all = await client.list(pub, { limit: 10 });
    assert.deepEqual(all.map((e) => e.soul).sort(), [`${pub}:a`, `${pub}:b`, `${pub}:c`]);
    assert.equal(all.find((e) => e.soul === `${pub}:c`)?.tombstoned, true);
    assert.equal(all.find((e) => e.soul === `${pub}:a`)?.tombstoned, false);
    const posts = await client.list(pub, { recordType: 'post' });
    assert.deepEqual(posts.map((e) => e.soul), [`${pub}:a`]);
    const page = await client.list(pub, { limit: 1, offset: 1 });
    assert.equal(page.length, 1);
    assert.deepEqual(await client.list('000000000000'), []);
  });

  it('list entries always carry recordType (from oip when the relay has none, else null); decode: true parses data and oip', async () => {
    const pub = 'feedbeef0002';
    await client.put(`${pub}:a`, { data: JSON.stringify({ name: 'A' }), oip: JSON.stringify({ recordType: 'post' }) });
    await client.put(`${pub}:b`, { title: 'B', data: 'not json' });
    const raw = await client.list(pub);
    const a = raw.find((e) => e.soul === `${pub}:a`)!;
    const b = raw.find((e) => e.soul === `${pub}:b`)!;
    assert.equal(a.recordType, 'post');
    assert.equal(b.recordType, null);
    assert.ok('recordType' in JSON.parse(JSON.stringify(b)), 'present in JSON too');
    assert.equal(a.data['data'], JSON.stringify({ name: 'A' }), 'as the relay stored it by default');
    const decoded = await client.list(pub, { decode: true });
    const da = decoded.find((e) => e.soul === `${pub}:a`)!;
    assert.deepEqual(da.data['data'], { name: 'A' });
    assert.deepEqual(da.data['oip'], { recordType: 'post' });
    assert.equal(decoded.find((e) => e.soul === `${pub}:b`)!.data['data'], 'not json', 'a string that is not JSON is kept');
    assert.deepEqual(await client.get(`${pub}:a`).then((n) => n?.['data']), da.data['data'], 'the same shape as get');
  });
});
