import assert from 'node:assert/strict';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  decodeRecord,
  decryptRecordData,
  encodeRecord,
  encryptRecordData,
  isEncryptionEnvelope,
  parseRecordNode,
  type EncryptionEnvelope,
  type StoredRecordMeta,
} from '../src/oip/index.js';
import { isCode } from './helpers/errors.js';


const KEY = createHash('sha256').update('fixture-key').digest(); // 32 bytes
const OTHER_KEY = createHash('sha256').update('another-key').digest();
const SOUL = '6fe8dbc406f9:private-1';
const DATA = { basic: { name: 'Secret', date: 1700000000 }, conversationSession: { messages: ['hi'] } };
const OIP = { recordType: 'conversationSession', creator: { publicKey: 'pubkey-A' } };

/** Flips one bit of a base64 field's bytes. */
function flip(b64: string, byte = 0): string {
  const buf = Buffer.from(b64, 'base64');
  buf[byte] = (buf[byte] as number) ^ 0x01;
  return buf.toString('base64');
}

describe('encryptRecordData / decryptRecordData', () => {
  it('round-trips with a 12-byte IV and a 16-byte tag, fresh IV each time', () => {
    const text = JSON.stringify(DATA);
    const a = encryptRecordData(text, KEY);
    const b = encryptRecordData(text, new Uint8Array(KEY));
    assert.deepEqual(Object.keys(a).sort(), ['encrypted', 'iv', 'tag']);
    assert.equal(Buffer.from(a.iv, 'base64').length, 12);
    assert.equal(Buffer.from(a.tag, 'base64').length, 16);
    assert.notEqual(a.iv, b.iv);
    assert.notEqual(a.encrypted, b.encrypted);
    assert.equal(decryptRecordData(a, KEY), text);
    assert.equal(decryptRecordData(b, KEY), text);
    assert.equal(isEncryptionEnvelope(a), true);
  });

  it('decrypts a literal fixture produced by node:crypto AES-256-GCM (legacy double-encoded plaintext)', () => {
    // iv = bytes 0..11; plaintext = JSON.stringify(JSON.stringify(DATA)), as helpers/gun.js encrypted it.
    const fixture: EncryptionEnvelope = {
      encrypted:
        '4SZohbStjEfuoiIFeJ3FIhQr76UistXB84WhV8qb09q3+55ni3Z4nTR9I1GYcXuNVZJJcZMsr4lN3Tzj2oYtBjIkz1tC3ggcnV2ovhi/nyqwNX9BvZLp1E44FLE7sJ1r8oq13PNoCA==',
      iv: 'AAECAwQFBgcICQoL',
      tag: 'vbq3Ypmy0KACLEVKG54uXA==',
    };
    assert.equal(decryptRecordData(fixture, KEY), JSON.stringify(JSON.stringify(DATA)));
  });

  it('a wrong key is DECRYPTION_FAILED', () => {
    const env = encryptRecordData('{"a":1}', KEY);
    assert.throws(() => decryptRecordData(env, OTHER_KEY), isCode('DECRYPTION_FAILED'));
  });

  it('tampering with ciphertext, IV or tag is DECRYPTION_FAILED', () => {
    const env = encryptRecordData(JSON.stringify(DATA), KEY);
    const tampered: EncryptionEnvelope[] = [
      { ...env, encrypted: flip(env.encrypted, 3) },
      { ...env, iv: flip(env.iv, 11) },
      { ...env, tag: flip(env.tag, 15) },
      { ...env, tag: Buffer.from(env.tag, 'base64').subarray(0, 12).toString('base64') },
      { ...env, iv: Buffer.alloc(16).toString('base64') },
      { ...env, encrypted: `${env.encrypted}!!` },
      { encrypted: env.encrypted, iv: env.iv } as EncryptionEnvelope,
    ];
    for (const bad of tampered) {
      assert.throws(() => decryptRecordData(bad, KEY), isCode('DECRYPTION_FAILED'));
    }
    assert.equal(decryptRecordData(env, KEY), JSON.stringify(DATA), 'the untouched envelope still opens');
  });

  it('a key that is not 32 bytes is INVALID_INPUT', () => {
    const env = encryptRecordData('{}', KEY);
    for (const bad of [KEY.subarray(0, 16), Buffer.alloc(31), Buffer.alloc(33), 'k'.repeat(32), null]) {
      assert.throws(() => encryptRecordData('{}', bad as Buffer), isCode('INVALID_INPUT', 'key'));
      assert.throws(() => decryptRecordData(env, bad as Buffer), isCode('INVALID_INPUT', 'key'));
    }
  });
});

describe('encodeRecord with encrypt', () => {
  const node = encodeRecord(
    { data: DATA, oip: OIP },
    {
      localId: 'private-1',
      created: 1700000000000,
      encrypt: { key: KEY, meta: { encryptionType: 'per-user', encryptedBy: 'pubkey-A' } },
    },
  );

  it('stores data as the JSON string of an envelope and marks meta', () => {
    assert.equal(typeof node.data, 'string');
    const envelope = JSON.parse(node.data) as EncryptionEnvelope;
    assert.equal(isEncryptionEnvelope(envelope), true);
    assert.equal(node.oip, JSON.stringify(OIP), 'oip stays plaintext');
    assert.deepEqual(node.meta, {
      created: 1700000000000,
      localId: 'private-1',
      encrypted: true,
      encryptionMethod: 'aes-256-gcm',
      encryptionType: 'per-user',
      encryptedBy: 'pubkey-A',
    });
  });

  it('encrypts the record JSON once (the plaintext parses straight to the data object)', () => {
    const plaintext = decryptRecordData(JSON.parse(node.data) as EncryptionEnvelope, KEY);
    assert.equal(plaintext, JSON.stringify(DATA));
    assert.equal(node.data.includes('Secret'), false);
  });

  it('refuses a missing key (MISSING_KEY), a bad key and non-flat or reserved meta (INVALID_INPUT)', () => {
    const record = { data: DATA, oip: OIP };
    assert.throws(
      () => encodeRecord(record, { encrypt: { key: undefined as unknown as Buffer } }),
      isCode('MISSING_KEY', 'encrypt.key'),
    );
    assert.throws(
      () => encodeRecord(record, { encrypt: { key: Buffer.alloc(16) } }),
      isCode('INVALID_INPUT', 'encrypt.key'),
    );
    assert.throws(
      () => encodeRecord(record, { encrypt: { key: KEY, meta: { sharedWith: ['did:a'] as never } } }),
      isCode('INVALID_INPUT', 'encrypt.meta.sharedWith'),
    );
    assert.throws(
      () => encodeRecord(record, { encrypt: { key: KEY, meta: { encrypted: false } } }),
      isCode('INVALID_INPUT', 'encrypt.meta.encrypted'),
    );
    assert.throws(
      () => encodeRecord(record, { encrypt: { key: KEY, meta: { encryptionMethod: 'none' } } }),
      isCode('INVALID_INPUT', 'encrypt.meta.encryptionMethod'),
    );
    assert.throws(
      () => encodeRecord(record, { encrypted: false, encrypt: { key: KEY } }),
      isCode('INVALID_INPUT', 'encrypted'),
    );
  });
});

describe('decodeRecord with keyProvider', () => {
  const node = encodeRecord(
    { data: DATA, oip: OIP },
    { localId: 'private-1', created: 1, encrypt: { key: KEY, meta: { encryptedBy: 'pubkey-A' } } },
  );

  it('round-trips with a sync or async provider, which receives the meta', async () => {
    const seen: StoredRecordMeta[] = [];
    const sync = await decodeRecord(node, { keyProvider: (meta) => (seen.push(meta), KEY) });
    assert.deepEqual(sync.data, DATA);
    assert.deepEqual(sync.oip, OIP);
    assert.equal(sync.encryption, 'decrypted');
    assert.equal(seen[0]?.encryptedBy, 'pubkey-A');
    const asyncKey = await decodeRecord(node, { keyProvider: async () => new Uint8Array(KEY) });
    assert.deepEqual(asyncKey.data, DATA);
  });

  it('decrypts the /get form (envelope already parsed, meta resolved from its link)', async () => {
    const fromGet = { data: JSON.parse(node.data) as unknown, oip: OIP, meta: { _: { '#': `${SOUL}/meta` }, ...node.meta } };
    const decoded = await decodeRecord(fromGet, { keyProvider: () => KEY });
    assert.deepEqual(decoded.data, DATA);
  });

  it('without a key: MISSING_KEY, or the locked record with onLocked: keep', async () => {
    await assert.rejects(decodeRecord(node), isCode('MISSING_KEY'));
    await assert.rejects(decodeRecord(node, { keyProvider: () => undefined }), isCode('MISSING_KEY'));
    const locked = await decodeRecord(node, { onLocked: 'keep' });
    assert.equal(locked.encryption, 'locked');
    assert.deepEqual(locked.data, JSON.parse(node.data));
    assert.equal(parseRecordNode(node).encryption, 'locked');
  });

  it('wrong key and tampering are DECRYPTION_FAILED; a short key is INVALID_INPUT', async () => {
    await assert.rejects(decodeRecord(node, { keyProvider: () => OTHER_KEY, soul: SOUL }), (e: unknown) => {
      isCode('DECRYPTION_FAILED')(e);
      assert.equal((e as { soul?: string }).soul, SOUL);
      return true;
    });
    const env = JSON.parse(node.data) as EncryptionEnvelope;
    for (const bad of [
      { ...env, encrypted: flip(env.encrypted) },
      { ...env, iv: flip(env.iv) },
      { ...env, tag: flip(env.tag) },
    ]) {
      await assert.rejects(
        decodeRecord({ ...node, data: JSON.stringify(bad) }, { keyProvider: () => KEY }),
        isCode('DECRYPTION_FAILED'),
      );
    }
    await assert.rejects(decodeRecord(node, { keyProvider: () => KEY.subarray(0, 31) }), isCode('INVALID_INPUT', 'key'));
  });

  it('unsupported method or non-envelope data is DECRYPTION_FAILED; provider errors pass through', async () => {
    const sea = { ...node, data: 'SEA{"ct":"x","iv":"y","s":"z"}', meta: { ...node.meta, encryptionMethod: 'gun-sea' } };
    await assert.rejects(decodeRecord(sea, { keyProvider: () => KEY }), isCode('DECRYPTION_FAILED', 'meta.encryptionMethod'));
    const notEnvelope = { ...node, data: '{"plain":true}' };
    await assert.rejects(decodeRecord(notEnvelope, { keyProvider: () => KEY }), isCode('DECRYPTION_FAILED', 'data'));
    const boom = new Error('vault down');
    await assert.rejects(decodeRecord(node, { keyProvider: () => Promise.reject(boom) }), (e) => e === boom);
  });

  it('envelope + meta link is unresolved: INVALID_INPUT when a key is offered, else returned as is', async () => {
    const linked = { data: JSON.parse(node.data) as unknown, oip: OIP, meta: { '#': `${SOUL}/meta` } };
    await assert.rejects(decodeRecord(linked, { keyProvider: () => KEY }), isCode('INVALID_INPUT', 'meta'));
    const kept = await decodeRecord(linked, { keyProvider: () => KEY, onLocked: 'keep' });
    assert.equal(kept.encryption, 'unresolved');
    assert.deepEqual(kept.meta, { '#': `${SOUL}/meta` });
    const noKey = await decodeRecord(linked);
    assert.equal(noKey.encryption, 'unresolved', 'not known to be encrypted, so not MISSING_KEY');
  });

  it('never asks for a key for a plaintext record', async () => {
    const plain = encodeRecord({ data: DATA, oip: OIP }, { created: 1 });
    const decoded = await decodeRecord(plain, {
      keyProvider: () => assert.fail('keyProvider must not be called'),
    });
    assert.deepEqual(decoded.data, DATA);
    assert.equal(decoded.encryption, 'none');
  });
});

describe('legacy encrypted records (as helpers/gun.js wrote them)', () => {
  /** helpers/gun.js putRecord with encrypt, step by step (AES-256-GCM branch, per-user key). */
  function legacyPutRecord(recordData: { data: unknown; oip: unknown }, key: Buffer) {
    const gunRecord: { data: unknown; oip: string; meta: Record<string, unknown> } = {
      data: JSON.stringify(recordData.data),
      oip: JSON.stringify(recordData.oip),
      meta: { created: 1700000000000, localId: null, encrypted: false },
    };
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const plaintext = Buffer.from(JSON.stringify(gunRecord.data), 'utf8'); // a JSON string of a JSON string
    const encryptedBuf = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    gunRecord.data = {
      encrypted: encryptedBuf.toString('base64'),
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
    };
    Object.assign(gunRecord.meta, {
      encrypted: true,
      encryptionMethod: 'aes-256-gcm',
      encryptionType: 'per-user',
      encryptedBy: 'pubkey-A',
    });
    return gunRecord;
  }

  const legacy = legacyPutRecord({ data: DATA, oip: OIP }, KEY);

  it('the node as sent (/list form): envelope object, double-encoded plaintext → the data object', async () => {
    const decoded = await decodeRecord(structuredClone(legacy), { keyProvider: () => KEY });
    assert.deepEqual(decoded.data, DATA);
    assert.deepEqual(decoded.oip, OIP);
    assert.equal(decoded.encryption, 'decrypted');
    assert.equal((decoded.meta as StoredRecordMeta).encryptedBy, 'pubkey-A');
  });

  it('the /get form: data and meta are links until the client resolves the child nodes', async () => {
    const fromGet = { data: { '#': `${SOUL}/data` }, oip: OIP, meta: { '#': `${SOUL}/meta` } };
    const linked = parseRecordNode(fromGet);
    assert.deepEqual(linked.data, { '#': `${SOUL}/data` });
    assert.equal(linked.encryption, 'unresolved', 'unknown meta + link data: cannot be classified yet');
    await assert.rejects(decodeRecord(fromGet, { keyProvider: () => KEY }), isCode('INVALID_INPUT', 'data'));
    const metaOnly = { ...fromGet, meta: { _: { '#': `${SOUL}/meta` }, ...legacy.meta } };
    assert.equal(parseRecordNode(metaOnly).encryption, 'unresolved', 'meta says encrypted, data still a link');
    await assert.rejects(decodeRecord(metaOnly, { keyProvider: () => KEY }), isCode('INVALID_INPUT', 'data'));
    const resolved = {
      data: { _: { '#': `${SOUL}/data` }, ...(legacy.data as object) },
      oip: OIP,
      meta: { _: { '#': `${SOUL}/meta` }, ...legacy.meta },
    };
    assert.deepEqual((await decodeRecord(resolved, { keyProvider: () => KEY })).data, DATA);
  });

  it('the envelope stored as a JSON string inside the data JSON string (JSON.parse twice)', async () => {
    const node = { data: JSON.stringify(JSON.stringify(legacy.data)), oip: legacy.oip, meta: legacy.meta };
    assert.equal(typeof JSON.parse(node.data), 'string', 'fixture really is double-encoded');
    const decoded = await decodeRecord(node, { keyProvider: () => KEY });
    assert.deepEqual(decoded.data, DATA);
    // After the relay's own top-level parse, one string layer remains: still decodes.
    const afterRelay = { ...node, data: JSON.parse(node.data) as string };
    assert.deepEqual((await decodeRecord(afterRelay, { keyProvider: () => KEY })).data, DATA);
  });

  it('meta unknown (absent) but data an envelope: detected as encrypted, provider gets {}', async () => {
    let got: StoredRecordMeta | undefined;
    const decoded = await decodeRecord(
      { data: legacy.data, oip: legacy.oip },
      { keyProvider: (meta) => ((got = meta), KEY) },
    );
    assert.deepEqual(got, {});
    assert.deepEqual(decoded.data, DATA);
  });

  it('a legacy record under the wrong key is DECRYPTION_FAILED, never a retry', async () => {
    let calls = 0;
    await assert.rejects(
      decodeRecord(legacy, { keyProvider: () => (calls++, OTHER_KEY) }),
      isCode('DECRYPTION_FAILED'),
    );
    assert.equal(calls, 1);
  });
});
