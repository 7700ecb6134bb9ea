import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  TimeSoulClock,
  computeSoul,
  contentHash,
  decodeRecord,
  defaultTimeSoulClock,
  encodeRecord,
  fromDid,
  isGunDid,
  parseRecordNode,
  parseSoul,
  publisherHash,
  toDid,
} from '../src/oip/index.js';

/** Asserts that `fn` throws a GunRelayError with `code` (and `field`, when given). */
function throwsCode(fn: () => unknown, code: string, field?: string): void {
  assert.throws(fn, (error: unknown) => {
    const e = error as { name?: string; code?: string; field?: string };
    assert.equal(e.name, 'GunRelayError');
    assert.equal(e.code, code);
    if (field !== undefined) assert.equal(e.field, field);
    return true;
  });
}

// sha256 prefixes verified independently with `printf %s <key> | sha256sum`.
const KEY_A = 'pubkey-A'; // 6fe8dbc406f91c78...
const KEY_HEX = '02a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9'; // c23b801780bb...
const KEY_UTF8 = 'ключ-🔑'; // 817281acd7012441...
const T0 = 1767225600000; // 2026-01-01T00:00:00Z; base36 "mjuohs00"

describe('publisherHash', () => {
  it('is the first 12 hex chars of sha256(publicKey as UTF-8)', () => {
    assert.equal(publisherHash(KEY_A), '6fe8dbc406f9');
    assert.equal(publisherHash(KEY_HEX), 'c23b801780bb');
    assert.equal(publisherHash(KEY_UTF8), '817281acd701');
  });

  it('refuses an empty or non-string key', () => {
    throwsCode(() => publisherHash(''), 'INVALID_INPUT', 'publicKey');
    throwsCode(() => publisherHash(undefined as unknown as string), 'INVALID_INPUT', 'publicKey');
  });
});

describe('computeSoul: legacy formats', () => {
  it('<hash12>:<localId> when localId is given', () => {
    assert.equal(computeSoul(KEY_A, 'my-recipe'), '6fe8dbc406f9:my-recipe');
    assert.equal(computeSoul(KEY_HEX, 'draft-001', { ignored: true }), 'c23b801780bb:draft-001');
  });

  it('treats an empty localId as absent, as the legacy `if (localId)` did', () => {
    const clock = new TimeSoulClock({ now: () => T0 });
    assert.equal(computeSoul(KEY_A, '', undefined, { clock }), '6fe8dbc406f9:t:mjuohs00');
  });

  it('refuses a non-string localId and an unknown hashMode', () => {
    throwsCode(() => computeSoul(KEY_A, 42 as unknown as string), 'INVALID_INPUT', 'localId');
    throwsCode(() => computeSoul(KEY_A, 'x', {}, { hashMode: 'md5' as never }), 'INVALID_INPUT', 'hashMode');
  });

  it('<hash12>:h:<sha256 of canonical JSON, 12 hex> when recordData is given', () => {
    // printf %s '{"data":{"basic":{"name":"Recipe","tags":["a","b"]}},"oip":{"recordType":"recipe"}}' | sha256sum
    const record = { oip: { recordType: 'recipe' }, data: { basic: { tags: ['a', 'b'], name: 'Recipe' } } };
    assert.equal(computeSoul(KEY_A, null, record), '6fe8dbc406f9:h:7371f52c687e');
    assert.equal(contentHash(record), '7371f52c687e');
  });

  it('h: souls are deterministic and independent of key order, time and randomness', () => {
    const a = { data: { basic: { name: 'Recipe', tags: ['a', 'b'] } }, oip: { recordType: 'recipe' } };
    const b = JSON.parse('{"oip":{"recordType":"recipe"},"data":{"basic":{"tags":["a","b"],"name":"Recipe"}}}');
    const early = new TimeSoulClock({ now: () => 1 });
    const late = new TimeSoulClock({ now: () => T0 });
    const souls = new Set([
      computeSoul(KEY_A, undefined, a, { clock: early }),
      computeSoul(KEY_A, undefined, b, { clock: late }),
      computeSoul(KEY_A, undefined, a),
      computeSoul(KEY_A, undefined, structuredClone(a)),
    ]);
    assert.deepEqual([...souls], ['6fe8dbc406f9:h:7371f52c687e']);
  });

  it('h: souls differ when the content differs anywhere, including nested and array order', () => {
    const base = { data: { basic: { name: 'Recipe', tags: ['a', 'b'] } }, oip: { recordType: 'recipe' } };
    const variants = [
      base,
      { ...base, data: { basic: { name: 'Recipe', tags: ['b', 'a'] } } },
      { ...base, data: { basic: { name: 'Recipe!', tags: ['a', 'b'] } } },
      { ...base, oip: { recordType: 'post' } },
    ];
    const souls = new Set(variants.map((v) => computeSoul(KEY_A, undefined, v)));
    assert.equal(souls.size, variants.length);
  });

  it("hashMode 'legacy' reproduces helpers/gun.js byte for byte (time + randomness mixed in)", () => {
    // Legacy keyFields JSON, keys sorted, random = (0.5).toString(36).slice(2, 8) = "i":
    // printf %s '{"date":1700000000,"name":"Recipe","random":"i","recordType":"recipe","timestamp":1767225600000}' | sha256sum
    const record = { basic: { name: 'Recipe', date: 1700000000 }, oip: { recordType: 'recipe' } };
    const clock = new TimeSoulClock({ now: () => T0 });
    const soul = computeSoul(KEY_A, undefined, record, { hashMode: 'legacy', clock, random: () => 0.5 });
    assert.equal(soul, '6fe8dbc406f9:h:b45e1ec211ab');
    const other = computeSoul(KEY_A, undefined, record, { hashMode: 'legacy', clock, random: () => 0.25 });
    assert.notEqual(other, soul, 'legacy mode is not deterministic: randomness changes the soul');
  });

  it('<hash12>:t:<base36 ms> otherwise', () => {
    const clock = new TimeSoulClock({ now: () => T0 });
    assert.equal(computeSoul(KEY_A, undefined, undefined, { clock }), '6fe8dbc406f9:t:mjuohs00');
    const later = new TimeSoulClock({ now: () => T0 + 35 });
    assert.equal(computeSoul(KEY_HEX, null, null, { clock: later }), 'c23b801780bb:t:mjuohs0z');
  });

  it('treats falsy recordData as absent, as the legacy `if (recordData)` did', () => {
    for (const falsy of [null, undefined, 0, '', false]) {
      const clock = new TimeSoulClock({ now: () => T0 });
      assert.equal(computeSoul(KEY_A, null, falsy, { clock }), '6fe8dbc406f9:t:mjuohs00');
    }
  });

  it('refuses recordData that cannot be serialized', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    throwsCode(() => computeSoul(KEY_A, undefined, cyclic), 'INVALID_INPUT');
    throwsCode(() => computeSoul(KEY_A, undefined, { n: 10n }), 'INVALID_INPUT');
  });
});

describe('computeSoul: t: souls never collide', () => {
  it('10,000 calls in one frozen millisecond give 10,000 distinct, increasing t: souls', () => {
    const clock = new TimeSoulClock({ now: () => T0 });
    const souls: string[] = [];
    for (let i = 0; i < 10_000; i++) souls.push(computeSoul(KEY_A, undefined, undefined, { clock }));
    assert.equal(new Set(souls).size, 10_000);
    const stamps = souls.map((s) => {
      const m = /^6fe8dbc406f9:t:([0-9a-z]+)$/.exec(s);
      assert.ok(m, `soul ${s} keeps the <hash12>:t:<base36> shape`);
      return parseInt(m[1] as string, 36);
    });
    assert.equal(stamps[0], T0);
    assert.equal(stamps[9_999], T0 + 9_999);
    for (let i = 1; i < stamps.length; i++) assert.ok((stamps[i] as number) > (stamps[i - 1] as number));
  });

  it('catches up with the wall clock once it moves past the burst', () => {
    let now = T0;
    const clock = new TimeSoulClock({ now: () => now });
    assert.deepEqual([clock.next(), clock.next(), clock.next()], [T0, T0 + 1, T0 + 2]);
    now = T0 + 1000;
    assert.equal(clock.next(), T0 + 1000);
  });

  it('stays increasing when the wall clock goes backwards', () => {
    let now = T0;
    const clock = new TimeSoulClock({ now: () => now });
    assert.equal(clock.next(), T0);
    now = T0 - 5000;
    assert.equal(clock.next(), T0 + 1);
  });

  it('the default clock is shared process-wide (also by clocks created with shared: true)', () => {
    const shared = new TimeSoulClock({ now: () => 0 }, { shared: true });
    const a = defaultTimeSoulClock.next();
    const b = shared.next();
    const c = defaultTimeSoulClock.next();
    assert.ok(b > a && c > b, `${a} < ${b} < ${c}`);
    const souls = new Set<string>();
    for (let i = 0; i < 10_000; i++) souls.add(computeSoul(KEY_A));
    assert.equal(souls.size, 10_000);
  });

  it('refuses a clock that returns a non-finite or negative time', () => {
    throwsCode(() => new TimeSoulClock({ now: () => Number.NaN }).next(), 'INVALID_INPUT', 'clock');
    throwsCode(() => new TimeSoulClock({ now: () => -1 }).next(), 'INVALID_INPUT', 'clock');
  });
});

describe('parseSoul', () => {
  it('splits each legacy format', () => {
    assert.deepEqual(parseSoul('6fe8dbc406f9:my-recipe'), {
      publisherHash: '6fe8dbc406f9',
      kind: 'local',
      localId: 'my-recipe',
    });
    assert.deepEqual(parseSoul('6fe8dbc406f9:h:7371f52c687e'), {
      publisherHash: '6fe8dbc406f9',
      kind: 'hash',
      hash: '7371f52c687e',
    });
    assert.deepEqual(parseSoul('6fe8dbc406f9:t:mjuohs00'), {
      publisherHash: '6fe8dbc406f9',
      kind: 'time',
      timestamp: T0,
    });
    assert.equal(parseSoul('oip:registry:index:post'), null);
    assert.equal(parseSoul('6fe8dbc406f9'), null);
  });
});

describe('DIDs', () => {
  it('toDid / fromDid round trip', () => {
    assert.equal(toDid('6fe8dbc406f9:t:mjuohs00'), 'did:gun:6fe8dbc406f9:t:mjuohs00');
    assert.equal(fromDid('did:gun:6fe8dbc406f9:t:mjuohs00'), '6fe8dbc406f9:t:mjuohs00');
    assert.equal(fromDid(toDid('a:b:c')), 'a:b:c');
    assert.equal(isGunDid('did:gun:x'), true);
    assert.equal(isGunDid('did:arweave:x'), false);
  });

  it('refuses non-did:gun input with INVALID_INPUT', () => {
    throwsCode(() => fromDid('did:arweave:abc'), 'INVALID_INPUT', 'did');
    throwsCode(() => fromDid('did:gun:'), 'INVALID_INPUT', 'did');
    throwsCode(() => fromDid('6fe8dbc406f9:x'), 'INVALID_INPUT', 'did');
    throwsCode(() => fromDid(undefined as unknown as string), 'INVALID_INPUT', 'did');
    throwsCode(() => toDid(''), 'INVALID_INPUT', 'soul');
  });
});

const RECORD = {
  data: { basic: { name: 'Hello', tagItems: ['x', 'y'] }, post: { body: 'ü ✓' } },
  oip: { recordType: 'post', creator: { publicKey: KEY_A, didAddress: 'did:arweave:abc' } },
};

describe('encodeRecord', () => {
  it('writes the node exactly as helpers/gun.js did', () => {
    const node = encodeRecord(RECORD, { localId: 'draft-1', created: 1700000000000 });
    assert.deepEqual(node, {
      data: '{"basic":{"name":"Hello","tagItems":["x","y"]},"post":{"body":"ü ✓"}}',
      oip: '{"recordType":"post","creator":{"publicKey":"pubkey-A","didAddress":"did:arweave:abc"}}',
      meta: { created: 1700000000000, localId: 'draft-1', encrypted: false },
    });
    // The legacy construction, verbatim in shape and key order.
    const options: { localId?: string } = { localId: 'draft-1' };
    const legacy = {
      data: JSON.stringify(RECORD.data),
      oip: JSON.stringify(RECORD.oip),
      meta: { created: 1700000000000, localId: options.localId || null, encrypted: false },
    };
    assert.equal(JSON.stringify(node), JSON.stringify(legacy));
  });

  it('stores localId null when absent and created = Date.now() by default', () => {
    const before = Date.now();
    const node = encodeRecord(RECORD);
    const after = Date.now();
    assert.equal(node.meta.localId, null);
    assert.equal(node.meta.encrypted, false);
    assert.ok(node.meta.created >= before && node.meta.created <= after);
    assert.equal(encodeRecord(RECORD, { localId: '' }).meta.localId, null);
  });

  it('records a caller-set encrypted flag', () => {
    assert.equal(encodeRecord(RECORD, { encrypted: true, created: 1 }).meta.encrypted, true);
  });

  it('refuses records and options the relay must never see', () => {
    throwsCode(() => encodeRecord({ oip: {} } as never), 'INVALID_INPUT', 'record.data');
    throwsCode(() => encodeRecord({ data: {} } as never), 'INVALID_INPUT', 'record.oip');
    throwsCode(() => encodeRecord({ data: () => 1, oip: {} }), 'INVALID_INPUT', 'record.data');
    throwsCode(() => encodeRecord({ data: { n: 1n }, oip: {} }), 'INVALID_INPUT', 'record.data');
    throwsCode(() => encodeRecord(null as never), 'INVALID_INPUT', 'record');
    throwsCode(() => encodeRecord(RECORD, { created: Number.NaN }), 'INVALID_INPUT', 'created');
    throwsCode(() => encodeRecord(RECORD, { localId: 7 as never }), 'INVALID_INPUT', 'localId');
  });
});

describe('decodeRecord / parseRecordNode (plaintext records)', () => {
  const sent = encodeRecord(RECORD, { localId: 'draft-1', created: 1700000000000 });
  const soul = '6fe8dbc406f9:draft-1';

  it('round-trips the node as sent (the /list form: data and oip are JSON strings)', async () => {
    const decoded = await decodeRecord(sent);
    assert.deepEqual(decoded, {
      data: RECORD.data,
      oip: RECORD.oip,
      meta: { created: 1700000000000, localId: 'draft-1', encrypted: false },
      encryption: 'none',
      extra: {},
    });
  });

  it('accepts the /get form: data and oip already parsed, meta a link left in place', async () => {
    const fromGet = { data: structuredClone(RECORD.data), oip: structuredClone(RECORD.oip), meta: { '#': `${soul}/meta` } };
    const decoded = await decodeRecord(fromGet, { soul });
    assert.deepEqual(decoded.data, RECORD.data);
    assert.deepEqual(decoded.oip, RECORD.oip);
    assert.deepEqual(decoded.meta, { '#': `${soul}/meta` });
    assert.equal(decoded.encryption, 'none');
  });

  it('accepts the raw GUN node of /list after a relay restart: drops `_`, keeps links', () => {
    const raw = {
      _: { '#': soul, '>': { data: 1700000000001, oip: 1700000000001, meta: 1700000000001 } },
      data: sent.data,
      oip: sent.oip,
      meta: { '#': `${soul}/meta` },
    };
    const decoded = parseRecordNode(raw);
    assert.deepEqual(decoded.data, RECORD.data);
    assert.deepEqual(decoded.meta, { '#': `${soul}/meta` });
    assert.deepEqual(decoded.extra, {});
  });

  it('accepts a resolved meta child node with its own `_`', () => {
    const decoded = parseRecordNode({ ...sent, meta: { _: { '#': `${soul}/meta` }, ...sent.meta } });
    assert.deepEqual(decoded.meta, sent.meta);
  });

  it('parses double-encoded data, keeps non-JSON strings, and reads tombstones as null', () => {
    const twice = parseRecordNode({ data: JSON.stringify(JSON.stringify({ a: 1 })), oip: '{"b":2}' });
    assert.deepEqual(twice.data, { a: 1 });
    assert.deepEqual(twice.oip, { b: 2 });
    assert.equal(parseRecordNode({ data: 'plain words', oip: '{}' }).data, 'plain words');
    const tomb = parseRecordNode({ data: null, oip: null, meta: null });
    assert.deepEqual([tomb.data, tomb.oip, tomb.meta, tomb.encryption], [null, null, null, 'none']);
  });

  it('keeps other keys in extra and refuses malformed nodes', () => {
    assert.deepEqual(parseRecordNode({ ...sent, storedAt: 5 }).extra, { storedAt: 5 });
    throwsCode(() => parseRecordNode(null), 'INVALID_INPUT', 'node');
    throwsCode(() => parseRecordNode([sent]), 'INVALID_INPUT', 'node');
    throwsCode(() => parseRecordNode('{"data":1}'), 'INVALID_INPUT', 'node');
    throwsCode(() => parseRecordNode({ ...sent, meta: 5 }), 'INVALID_INPUT', 'meta');
    throwsCode(() => parseRecordNode({ ...sent, meta: { created: 'yesterday' } }), 'INVALID_INPUT', 'meta.created');
  });
});

describe('decodeRecord: prototype pollution', () => {
  const evil =
    '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},' +
    '"prototype":{"polluted":"yes"},"ok":1,"list":[{"__proto__":{"polluted":"yes"},"v":2}]}';

  function assertClean(value: unknown): void {
    const obj = value as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(obj), Object.prototype);
    assert.equal(Object.hasOwn(obj, '__proto__'), false);
    assert.equal(Object.hasOwn(obj, 'constructor'), false);
    assert.equal(Object.hasOwn(obj, 'prototype'), false);
    assert.equal(obj.polluted, undefined);
    assert.equal(obj.ok, 1);
    const item = (obj.list as Record<string, unknown>[])[0] as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(item), Object.prototype);
    assert.equal(item.polluted, undefined);
    assert.equal(item.v, 2);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.hasOwn(Object.prototype, 'polluted'), false);
  }

  it('drops forbidden keys from JSON-string payloads', async () => {
    const decoded = await decodeRecord({ data: evil, oip: evil, meta: { created: 1 } });
    assertClean(decoded.data);
    assertClean(decoded.oip);
  });

  it('drops forbidden keys from already-parsed payloads (own __proto__ properties from JSON.parse)', async () => {
    const node = JSON.parse(
      `{"__proto__":{"polluted":"yes"},"data":${evil},"oip":${evil},` +
        `"meta":{"__proto__":{"encrypted":true},"constructor":{"x":1},"created":1}}`,
    ) as Record<string, unknown>;
    assert.equal(Object.hasOwn(node, '__proto__'), true, 'fixture really has an own __proto__ key');
    const decoded = await decodeRecord(node);
    assertClean(decoded.data);
    assertClean(decoded.oip);
    assert.equal(decoded.encryption, 'none', 'a smuggled prototype must not mark the record encrypted');
    assert.deepEqual(decoded.meta, { created: 1 });
    assert.equal(Object.getPrototypeOf(decoded.meta), Object.prototype);
    assert.equal(Object.getPrototypeOf(decoded.extra), Object.prototype);
    assert.deepEqual(decoded.extra, {});
  });

  it('drops forbidden keys from a meta given as a JSON string', () => {
    const decoded = parseRecordNode({ data: '{}', oip: '{}', meta: '{"__proto__":{"encrypted":true},"created":2}' });
    assert.deepEqual(decoded.meta, { created: 2 });
    assert.equal(decoded.encryption, 'none');
  });
});
