import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GunRelayClient } from '../src/index.js';
import { computeSoul, encryptRecordData, type StoredRecordMeta } from '../src/oip/index.js';
import { startLocalRelay, type LocalRelay } from '../src/testing/index.js';
import { isCode } from './helpers/errors.js';

const PUBLIC_KEY = 'records-test-publisher';
const KEY = randomBytes(32);
const OTHER_KEY = randomBytes(32);
const DATA = { basic: { name: 'Pancakes', tags: ['breakfast', 'sweet'] }, recipe: { servings: 4 } };
const OIP = { recordType: 'recipe', creator: { publicKey: PUBLIC_KEY } };


describe('record methods on GunRelayClient (local relay, real gun)', () => {
  let relay: LocalRelay;
  let client: GunRelayClient;
  let n = 0;
  const soul = (label: string) => computeSoul(PUBLIC_KEY, `${label}-${process.pid}-${++n}`);
  const getsOf = (s: string) => relay.log.filter((r) => r.path === '/get' && r.soul === s).length;

  before(async () => {
    relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 500 });
    client = new GunRelayClient({ baseUrl: relay.url });
  });
  after(async () => {
    client.close();
    await relay.close();
  });
  beforeEach(() => relay.resetCounters());

  it('putRecord writes the legacy node; getRecord reads it back with its meta link resolved', async () => {
    const s = soul('plain');
    const localId = s.slice(s.indexOf(':') + 1); // a record's localId is its soul's own (else IDENTITY_MISMATCH on read)
    const put = await client.putRecord({ data: DATA, oip: OIP }, s, { localId, created: 1_700_000_000_000 });
    assert.deepEqual(put, { soul: s, did: `did:gun:${s}`, encrypted: false, outcome: 'written', relay: relay.url });

    const raw = await client.get(s);
    assert.deepEqual(raw?.['meta'], { '#': `${s}/meta` }, 'without resolveLinks the meta child is a link');

    const record = await client.getRecord<typeof DATA, typeof OIP>(s);
    assert.ok(record);
    assert.equal(record.soul, s);
    assert.equal(record.did, `did:gun:${s}`);
    assert.deepEqual(record.data, DATA);
    assert.deepEqual(record.oip, OIP);
    assert.deepEqual(record.meta, { created: 1_700_000_000_000, localId, encrypted: false });
    assert.equal(record.encryption, 'none');
    assert.equal(getsOf(s), 2, 'the raw get and getRecord');
    assert.equal(getsOf(`${s}/meta`), 1, 'only getRecord read the child');
  });

  it('getRecord resolves null for a soul never written', async () => {
    assert.equal(await client.getRecord(soul('absent')), null);
  });

  it('encrypts with the given key and decrypts with keyProvider, which receives the resolved meta', async () => {
    const s = soul('secret');
    const put = await client.putRecord({ data: DATA, oip: OIP }, s, {
      encrypt: { key: KEY, meta: { encryptedBy: PUBLIC_KEY, encryptionType: 'per-user' } },
    });
    assert.equal(put.encrypted, true);
    assert.equal(put.outcome, 'written');

    const raw = await client.get(s);
    const envelope = raw?.['data'] as Record<string, unknown>;
    assert.deepEqual(Object.keys(envelope).sort(), ['encrypted', 'iv', 'tag'], 'the relay holds only the envelope');
    assert.deepEqual(raw?.['oip'], OIP, 'the OIP header stays readable');

    const seen: StoredRecordMeta[] = [];
    const record = await client.getRecord(s, { keyProvider: (meta) => (seen.push(meta), KEY) });
    assert.deepEqual(record?.data, DATA);
    assert.equal(record?.encryption, 'decrypted');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.encryptedBy, PUBLIC_KEY);
    assert.equal(seen[0]?.encryptionMethod, 'aes-256-gcm');
  });

  it('a wrong key is DECRYPTION_FAILED after exactly one GET per soul, never a retry', async () => {
    const s = soul('wrong-key');
    await client.putRecord({ data: DATA, oip: OIP }, s, { encrypt: { key: KEY } });
    relay.resetCounters();
    let calls = 0;
    await assert.rejects(client.getRecord(s, { keyProvider: () => (calls++, OTHER_KEY) }), isCode('DECRYPTION_FAILED'));
    assert.equal(calls, 1);
    assert.equal(getsOf(s), 1);
    assert.equal(getsOf(`${s}/meta`), 1);
    assert.equal(relay.requestCount, 2, 'nothing else was sent');
    assert.equal(client.stats().byOperation.get.failures, 0, 'the read itself succeeded; decoding failed locally');
  });

  it('an encrypted record without a key is MISSING_KEY, or comes back locked with onLocked: keep', async () => {
    const s = soul('locked');
    await client.putRecord({ data: DATA, oip: OIP }, s, { encrypt: { key: KEY } });
    await assert.rejects(client.getRecord(s), isCode('MISSING_KEY'));
    const locked = await client.getRecord(s, { onLocked: 'keep' });
    assert.equal(locked?.encryption, 'locked');
    assert.deepEqual(Object.keys(locked?.data as object).sort(), ['encrypted', 'iv', 'tag']);
  });

  it('decrypts a legacy record whose envelope is a child node (data read back as a link)', async () => {
    const s = soul('legacy');
    // helpers/gun.js put the envelope as a nested object: the relay stores it as `<soul>/data`.
    const envelope = encryptRecordData(JSON.stringify(JSON.stringify(DATA)), KEY);
    await client.put(s, {
      data: envelope,
      oip: JSON.stringify(OIP),
      meta: { created: 1_700_000_000_000, encrypted: true, encryptionMethod: 'aes-256-gcm' },
    });
    assert.deepEqual((await client.get(s))?.['data'], { '#': `${s}/data` });
    const record = await client.getRecord(s, { keyProvider: () => KEY });
    assert.deepEqual(record?.data, DATA);
    assert.equal(record?.encryption, 'decrypted');
  });

  it('encoding errors throw before anything is sent', async () => {
    const s = soul('bad');
    await assert.rejects(client.putRecord({ data: 1n, oip: OIP } as never, s), isCode('INVALID_INPUT'));
    await assert.rejects(
      client.putRecord({ data: DATA, oip: OIP }, s, { encrypt: { key: null as never } }),
      isCode('MISSING_KEY'),
    );
    await assert.rejects(
      client.putRecord({ data: DATA, oip: OIP }, s, { encrypt: { key: randomBytes(16) } }),
      isCode('INVALID_INPUT'),
    );
    assert.equal(relay.requestCount, 0);
  });

  it('putRecord on a quarantined soul resolves the skipped outcome with its DID, without a request', async () => {
    const s = soul('poisoned');
    const off = relay.fault(s, { status: 500, body: { error: 'Invalid data: Array at x' }, path: '/put' });
    for (let i = 0; i < 3; i++) {
      await assert.rejects(client.putRecord({ data: DATA, oip: OIP }, s), isCode('SOUL_REJECTED'));
      // A refusal counts once the relay accepts another soul's put after it (attribution).
      await client.put(soul('evidence'), { ok: true, i });
    }
    relay.resetCounters();
    const skipped = await client.putRecord({ data: DATA, oip: OIP }, s);
    assert.deepEqual(skipped, { soul: s, did: `did:gun:${s}`, encrypted: false, outcome: 'skipped', failures: 3, relay: relay.url });
    assert.equal(relay.requestCount, 0);
    off();
    client.forgive(s);
  });
});

describe('get with resolveLinks (local relay, real gun)', () => {
  let relay: LocalRelay;
  let client: GunRelayClient;
  const s = `resolve-links-${process.pid}`;

  before(async () => {
    relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 500 });
    client = new GunRelayClient({ baseUrl: relay.url });
    await client.put(s, { top: 1, a: { level: 1, b: { level: 2, c: { level: 3 } } } });
  });
  after(async () => {
    client.close();
    await relay.close();
  });
  beforeEach(() => relay.resetCounters());

  it('0 (the default) returns links as they are, with one GET', async () => {
    assert.deepEqual(await client.get(s), { top: 1, a: { '#': `${s}/a` } });
    assert.deepEqual(await client.get(s, { resolveLinks: 0 }), { top: 1, a: { '#': `${s}/a` } });
    assert.equal(relay.requestCount, 2);
  });

  it('resolves exactly `resolveLinks` levels, one GET per link', async () => {
    const node = await client.get(s, { resolveLinks: 2 });
    assert.deepEqual(node, { top: 1, a: { level: 1, b: { level: 2, c: { '#': `${s}/a/b/c` } } } });
    assert.deepEqual(relay.log.map((r) => r.soul), [s, `${s}/a`, `${s}/a/b`]);
    relay.resetCounters();
    const deep = await client.get(s, { resolveLinks: 8 });
    assert.deepEqual(deep, { top: 1, a: { level: 1, b: { level: 2, c: { level: 3 } } } });
    assert.equal(relay.requestCount, 4, 'stops when no links are left');
  });

  it('refuses a depth outside 0..8 before sending anything', async () => {
    for (const bad of [-1, 9, 1.5, Number.NaN, '1']) {
      await assert.rejects(client.get(s, { resolveLinks: bad as number }), isCode('INVALID_INPUT', 'resolveLinks'));
    }
    await assert.rejects(client.getRecord(s, { resolveLinks: 99 }), isCode('INVALID_INPUT', 'resolveLinks'));
    assert.equal(relay.requestCount, 0);
  });

  it('leaves a link to itself and a link to nothing as links', async () => {
    const loop = `${s}-loop`;
    await client.put(loop, { self: { '#': loop }, gone: { '#': `${s}-nowhere` }, v: 'x' });
    relay.resetCounters();
    const node = await client.get(loop, { resolveLinks: 3 });
    assert.deepEqual(node, { self: { '#': loop }, gone: { '#': `${s}-nowhere` }, v: 'x' });
    assert.deepEqual(relay.log.map((r) => r.soul), [loop, `${s}-nowhere`]);
  });

  it('a failing child read fails the get with a typed error', async () => {
    const off = relay.fault(`${s}/a`, { status: 400, body: { error: 'Soul parameter required' } });
    await assert.rejects(client.get(s, { resolveLinks: 1 }), isCode('SOUL_REJECTED'));
    off();
  });
});
