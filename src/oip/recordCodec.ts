import { GunRelayError } from '../errors.js';
import {
  ENCRYPTION_METHOD,
  EncryptionEnvelopeSchema,
  assertEncryptionKey,
  decryptRecordData,
  encryptRecordData,
  type EncryptionEnvelope,
  type EncryptionKey,
} from './envelope.js';
import {
  EncryptionMetaFieldsSchema,
  StoredRecordMetaSchema,
  isGunLink,
  type DecodedRecord,
  type EncodedRecordNode,
  type EncryptionMetaFields,
  type OipRecord,
  type RecordEncryptionState,
  type RecordMeta,
  type StoredRecordMeta,
} from './recordSchemas.js';
import {
  decodeJsonField,
  isForbiddenKey,
  isPlainObject,
  parseJsonSafe,
  sanitize,
  stringifyField,
  unwrapDoubleEncoded,
  type SafeParseResult,
} from '../protocol/safeJson.js';

/** Meta keys the encoder owns; caller-provided encryption fields may not set them. */
const RESERVED_META_KEYS: ReadonlySet<string> = new Set([
  'created',
  'localId',
  'encrypted',
  'encryptionMethod',
  '_',
  '#',
]);

function invalid(message: string, field: string, soul?: string): GunRelayError {
  return new GunRelayError('INVALID_INPUT', message, { field, soul });
}

/** Options of {@link encodeRecord}. */
export interface EncodeRecordOptions {
  /** Stored as `meta.localId`; `null`, `undefined` and `''` are stored as `null`. */
  localId?: string | null;
  /** `meta.created`, epoch ms. Default `Date.now()`. */
  created?: number;
  /** Sets `meta.encrypted` without encrypting (data the caller encrypted itself). Default false. */
  encrypted?: boolean;
  /** Encrypt `data` with this 32-byte key; `meta` adds who-it-is-for fields (flat scalars). */
  encrypt?: { key: EncryptionKey; meta?: EncryptionMetaFields };
}

/**
 * The relay node for a record, exactly as helpers/gun.js wrote it: `data` and `oip` as JSON
 * strings, `meta: { created, localId, encrypted }`. With `encrypt`, `data` is the JSON string
 * of an AES-256-GCM envelope of `JSON.stringify(record.data)` (encrypted once).
 */
export function encodeRecord(
  record: OipRecord,
  options: EncodeRecordOptions = {},
): EncodedRecordNode {
  if (!isPlainObject(record)) throw invalid('record must be an object { data, oip }', 'record');
  const dataJson = stringifyField(record.data, 'record.data');
  const oip = stringifyField(record.oip, 'record.oip');
  const encrypted = options.encrypted ?? false;
  if (typeof encrypted !== 'boolean') throw invalid('encrypted must be a boolean', 'encrypted');
  const meta: RecordMeta = {
    created: checkCreated(options.created),
    localId: checkLocalId(options.localId),
    encrypted,
  };
  const encrypt = options.encrypt;
  if (encrypt === undefined) return { data: dataJson, oip, meta };

  if (options.encrypted === false) throw invalid('encrypted: false contradicts encrypt', 'encrypted');
  if (encrypt === null || typeof encrypt !== 'object') {
    throw invalid('encrypt must be an object { key, meta? }', 'encrypt');
  }
  if (encrypt.key === undefined || encrypt.key === null) {
    throw new GunRelayError('MISSING_KEY', 'encrypt was requested without a key: set encrypt.key (32 bytes)', {
      field: 'encrypt.key',
    });
  }
  assertEncryptionKey(encrypt.key, 'encrypt.key');
  const recipients = checkEncryptionMeta(encrypt.meta);
  const envelope = encryptRecordData(dataJson, encrypt.key);
  return {
    data: JSON.stringify(envelope),
    oip,
    meta: { ...meta, encrypted: true, encryptionMethod: ENCRYPTION_METHOD, ...recipients },
  };
}

function checkCreated(created: number | undefined): number {
  if (created === undefined) return Date.now();
  if (typeof created !== 'number' || !Number.isFinite(created) || created < 0) {
    throw invalid('created must be a finite, non-negative number', 'created');
  }
  return created;
}

function checkLocalId(localId: string | null | undefined): string | null {
  if (localId === undefined || localId === null || localId === '') return null;
  if (typeof localId !== 'string') throw invalid('localId must be a string', 'localId');
  return localId;
}

function checkEncryptionMeta(fields: EncryptionMetaFields | undefined): EncryptionMetaFields {
  if (fields === undefined) return {};
  const parsed = EncryptionMetaFieldsSchema.safeParse(fields);
  if (!parsed.success || !isPlainObject(fields)) {
    const key = parsed.success ? undefined : parsed.error.issues[0]?.path[0];
    throw invalid(
      'encrypt.meta must be a flat object of strings, finite numbers, booleans or null',
      key === undefined ? 'encrypt.meta' : `encrypt.meta.${String(key)}`,
    );
  }
  const out: EncryptionMetaFields = {};
  for (const [key, value] of Object.entries(parsed.data)) {
    if (RESERVED_META_KEYS.has(key) || isForbiddenKey(key)) {
      throw invalid(`encrypt.meta may not set "${key}"`, `encrypt.meta.${key}`);
    }
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw invalid(`encrypt.meta.${key} must be finite`, `encrypt.meta.${key}`);
    }
    out[key] = value;
  }
  return out;
}

/** Options of {@link parseRecordNode} and {@link decodeRecord}. */
export interface ParseRecordOptions {
  /** The node's soul, copied into errors. */
  soul?: string;
}

/**
 * Decodes a record node without decrypting: drops `_`, parses `data`/`oip` JSON strings (also
 * double-encoded ones) or takes them already parsed, leaves links in place, validates `meta`,
 * and drops `__proto__`/`constructor`/`prototype` keys at every depth. Encrypted → `'locked'`.
 */
export function parseRecordNode(node: unknown, options: ParseRecordOptions = {}): DecodedRecord {
  const soul = options.soul;
  if (!isPlainObject(node)) throw invalid('A record node must be an object', 'node', soul);
  const data = node.data === undefined ? null : decodeJsonField(node.data, 'data');
  const oip = node.oip === undefined ? null : decodeJsonField(node.oip, 'oip');
  const meta = decodeMeta(node.meta, soul);
  const extra: Record<string, unknown> = {};
  for (const key of Object.keys(node)) {
    if (key === '_' || key === 'data' || key === 'oip' || key === 'meta') continue;
    if (isForbiddenKey(key)) continue;
    extra[key] = sanitize(node[key], key);
  }
  return { data, oip, meta, encryption: initialState(data, meta), extra };
}

function decodeMeta(raw: unknown, soul: string | undefined): DecodedRecord['meta'] {
  if (raw === undefined || raw === null) return null;
  const value: SafeParseResult =
    typeof raw === 'string' ? parseJsonSafe(raw) : { ok: true, value: sanitize(raw, 'meta') };
  if (value.ok && isGunLink(value.value)) return value.value;
  if (!value.ok || !isPlainObject(value.value)) {
    throw invalid('meta must be an object or a link', 'meta', soul);
  }
  const fields = { ...value.value };
  delete fields['_'];
  const parsed = StoredRecordMetaSchema.safeParse(fields);
  if (!parsed.success) {
    const key = parsed.error.issues[0]?.path.join('.') ?? '';
    throw invalid(`meta.${key} has the wrong type`, `meta.${key}`, soul);
  }
  return parsed.data;
}

/** Decides the state from what is visible; a link where the answer lies makes it `'unresolved'`. */
function initialState(data: unknown, meta: DecodedRecord['meta']): RecordEncryptionState {
  const metaKnown = meta !== null && !isGunLink(meta);
  if (metaKnown && meta.encrypted !== true) return 'none';
  if (isGunLink(data)) return 'unresolved';
  if (metaKnown) return 'locked';
  if (!EncryptionEnvelopeSchema.safeParse(data).success) return 'none';
  return meta === null ? 'locked' : 'unresolved';
}

/** Returns the 32-byte key for an encrypted record, given its meta (`{}` when the node has none). */
export type KeyProvider = (
  meta: StoredRecordMeta,
) => EncryptionKey | null | undefined | Promise<EncryptionKey | null | undefined>;

/** Options of {@link decodeRecord}. */
export interface DecodeRecordOptions extends ParseRecordOptions {
  /** Supplies the key of an encrypted record. Without one, an encrypted record is MISSING_KEY. */
  keyProvider?: KeyProvider;
  /** `'keep'`: return locked or unresolved records as they are instead of throwing. */
  onLocked?: 'throw' | 'keep';
}

/**
 * {@link parseRecordNode}, then decrypts with the key from `keyProvider`. No key → MISSING_KEY;
 * key not 32 bytes, or a link left to resolve → INVALID_INPUT; wrong key, tampering, bad
 * envelope, other method → DECRYPTION_FAILED. No I/O, no retries; provider errors pass through.
 */
export async function decodeRecord(
  node: unknown,
  options: DecodeRecordOptions = {},
): Promise<DecodedRecord> {
  const record = parseRecordNode(node, options);
  const soul = options.soul;
  const keep = options.onLocked === 'keep';
  if (record.encryption === 'none') return record;
  if (record.encryption === 'unresolved') {
    if (keep || !options.keyProvider) return record;
    const field = isGunLink(record.data) ? 'data' : 'meta';
    throw invalid(`Record ${field} is an unresolved link; resolve it before decrypting`, field, soul);
  }
  if (!options.keyProvider) {
    if (keep) return record;
    throw new GunRelayError('MISSING_KEY', 'Record is encrypted and no keyProvider was given: pass the keyProvider option (meta) => key to decrypt it', {
      soul,
    });
  }
  const meta = (record.meta ?? {}) as StoredRecordMeta;
  const method = meta.encryptionMethod ?? ENCRYPTION_METHOD;
  if (method !== ENCRYPTION_METHOD) {
    throw new GunRelayError(
      'DECRYPTION_FAILED',
      `Unsupported encryption method ${JSON.stringify(method)}`,
      { field: 'meta.encryptionMethod', soul },
    );
  }
  const envelope = EncryptionEnvelopeSchema.safeParse(record.data);
  if (!envelope.success) {
    throw new GunRelayError(
      'DECRYPTION_FAILED',
      'Record is marked encrypted but its data is not an encryption envelope',
      { field: 'data', soul },
    );
  }
  const key = await options.keyProvider(meta);
  if (key === null || key === undefined) {
    throw new GunRelayError('MISSING_KEY', 'keyProvider returned no key for this record: the keyProvider option must return its 32-byte key', {
      soul,
    });
  }
  assertEncryptionKey(key, 'key');
  const data = openEnvelope(envelope.data, key, soul);
  return { ...record, data, encryption: 'decrypted' };
}

/** Decrypts and parses the plaintext; legacy writers stored a JSON string of a JSON string. */
function openEnvelope(envelope: EncryptionEnvelope, key: EncryptionKey, soul?: string): unknown {
  let plaintext: string;
  try {
    plaintext = decryptRecordData(envelope, key);
  } catch (error) {
    throw error instanceof GunRelayError ? new GunRelayError(error.code, error.message, { ...error.details(), soul }) : error;
  }
  const parsed = parseJsonSafe(plaintext);
  if (!parsed.ok) {
    throw new GunRelayError('DECRYPTION_FAILED', 'Decrypted payload is not JSON', {
      field: 'data',
      soul,
    });
  }
  return unwrapDoubleEncoded(parsed.value);
}
