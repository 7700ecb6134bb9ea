import * as z from 'zod/mini';
import type { ENCRYPTION_METHOD } from './envelope.js';

/** Validates a GUN link: exactly `{ "#": "<soul>" }`. */
export const GunLinkSchema = z.strictObject({ '#': z.string().check(z.minLength(1)) });

/** A GUN link to another node, e.g. `{ "#": "<soul>/meta" }`. */
export type GunLink = z.infer<typeof GunLinkSchema>;

/** True when `value` is a GUN link. */
export function isGunLink(value: unknown): value is GunLink {
  return GunLinkSchema.safeParse(value).success;
}

/**
 * Validates a record's `meta` as read back (from the relay, a listing or an import). Lenient on
 * purpose: old and tombstoned records lack fields or hold `null`; unknown keys are kept (they
 * carry who a record was encrypted for). Wrongly typed known fields are refused.
 */
export const StoredRecordMetaSchema = z.looseObject({
  created: z.optional(z.nullable(z.number())),
  localId: z.optional(z.nullable(z.string())),
  encrypted: z.optional(z.nullable(z.boolean())),
  encryptionMethod: z.optional(z.nullable(z.string())),
});

/** A record's `meta` as read back; see {@link StoredRecordMetaSchema}. */
export type StoredRecordMeta = z.infer<typeof StoredRecordMetaSchema>;

/** A scalar that may be stored in a flat GUN node. */
export type NodeScalar = string | number | boolean | null;

/**
 * Validates caller-provided "who it was encrypted for" fields (e.g. `encryptedBy`,
 * `encryptionType`, `encryptedForOrganization`): flat scalars only, since `meta` is a GUN node
 * and the relay rejects arrays. Key rules (reserved names) are checked by the encoder.
 */
export const EncryptionMetaFieldsSchema = z.record(
  z.string().check(z.minLength(1)),
  z.union([z.string(), z.number(), z.boolean(), z.null()]),
);

/** Extra `meta` fields describing who an encrypted record was encrypted for. */
export type EncryptionMetaFields = Record<string, NodeScalar>;

/** An OIP record as callers hold it: template data and OIP header (creator, recordType...). */
export interface OipRecord<TData = unknown, TOip = unknown> {
  /** The record's template data. Stored as a JSON string (encrypted records: an envelope). */
  data: TData;
  /** The OIP header. Always stored as a plaintext JSON string, encrypted record or not. */
  oip: TOip;
}

/** The `meta` node written with every record; encrypted records add method and recipient fields. */
export interface RecordMeta {
  /** Creation time, epoch milliseconds. */
  created: number;
  /** The caller's local id (the soul suffix), or `null` for `h:`/`t:` souls. */
  localId: string | null;
  /** Whether `data` holds an encryption envelope. */
  encrypted: boolean;
  /** Present on encrypted records. */
  encryptionMethod?: typeof ENCRYPTION_METHOD;
  /** Caller-provided recipient fields ({@link EncryptionMetaFields}). */
  [field: string]: NodeScalar | undefined;
}

/** The node `encodeRecord` produces and the relay stores: both payloads are JSON strings. */
export interface EncodedRecordNode {
  /** `JSON.stringify(record.data)`, or for encrypted records `JSON.stringify(envelope)`. */
  data: string;
  /** `JSON.stringify(record.oip)`. */
  oip: string;
  /** A nested object: the relay stores it as child node `<soul>/meta`. */
  meta: RecordMeta;
}

/**
 * `'none'`: plaintext. `'decrypted'`: data is the plaintext of an envelope. `'locked'`: known
 * to be encrypted, not decrypted. `'unresolved'`: `data` or `meta` is a link that must be read
 * (`GET /get?soul=<link>`) before the record can be classified or decrypted.
 */
export type RecordEncryptionState = 'none' | 'decrypted' | 'locked' | 'unresolved';

/** A record node read back and decoded. */
export interface DecodedRecord<TData = unknown, TOip = unknown> {
  /** Parsed data; the plaintext when decrypted; the envelope when locked; or a link. */
  data: TData | GunLink | null;
  /** Parsed OIP header, a link if unresolved, `null` when absent or tombstoned. */
  oip: TOip | GunLink | null;
  /** The stored meta, a link `{ "#": "<soul>/meta" }` left for the client to resolve, or `null`. */
  meta: StoredRecordMeta | GunLink | null;
  /** See {@link RecordEncryptionState}. */
  encryption: RecordEncryptionState;
  /** Any other keys of the node (GUN's `_` and forbidden keys removed). */
  extra: Record<string, unknown>;
}
