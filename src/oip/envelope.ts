import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import { GunRelayError } from '../errors.js';

/** The one cipher the codec writes and reads: the value of `meta.encryptionMethod`. */
export const ENCRYPTION_METHOD = 'aes-256-gcm';
/** Key length in bytes (AES-256). */
export const KEY_LENGTH = 32;
/** IV length in bytes, as the legacy module used and GCM recommends. */
export const IV_LENGTH = 12;
/** Authentication tag length in bytes; shorter tags are refused on read. */
export const TAG_LENGTH = 16;

const base64 = z
  .string()
  .check(z.regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'not base64'));

/**
 * Validates an encryption envelope read from the relay: three base64 strings. Other keys (such
 * as GUN's `_` on a raw child node) are stripped.
 */
export const EncryptionEnvelopeSchema = z.object({
  encrypted: base64,
  iv: base64,
  tag: base64,
});

/** `{ encrypted, iv, tag }`: AES-256-GCM ciphertext, 12-byte IV and 16-byte tag, each base64. */
export type EncryptionEnvelope = z.infer<typeof EncryptionEnvelopeSchema>;

/** A 32-byte key as a Buffer or Uint8Array. */
export type EncryptionKey = Buffer | Uint8Array;

/** True when `value` has the shape of an {@link EncryptionEnvelope} (it says nothing of the key). */
export function isEncryptionEnvelope(value: unknown): value is EncryptionEnvelope {
  return EncryptionEnvelopeSchema.safeParse(value).success;
}

/** Checks that `key` is a Uint8Array of {@link KEY_LENGTH} bytes; anything else is INVALID_INPUT. */
export function assertEncryptionKey(key: unknown, field = 'key'): asserts key is EncryptionKey {
  if (!(key instanceof Uint8Array)) {
    throw new GunRelayError('INVALID_INPUT', `${field} must be a Buffer or Uint8Array`, { field });
  }
  if (key.length !== KEY_LENGTH) {
    throw new GunRelayError(
      'INVALID_INPUT',
      `${field} must be ${KEY_LENGTH} bytes for ${ENCRYPTION_METHOD}, got ${key.length}`,
      { field },
    );
  }
}

/**
 * Encrypts a JSON text with AES-256-GCM under a fresh random 12-byte IV. The text is
 * encrypted as given (UTF-8), once; the caller decides what it contains.
 */
export function encryptRecordData(plaintextJson: string, key: EncryptionKey): EncryptionEnvelope {
  if (typeof plaintextJson !== 'string') {
    throw new GunRelayError('INVALID_INPUT', 'plaintextJson must be a string', {
      field: 'plaintextJson',
    });
  }
  assertEncryptionKey(key);
  const iv = randomBytes(IV_LENGTH);
  const cipher = createCipheriv(ENCRYPTION_METHOD, key, iv, { authTagLength: TAG_LENGTH });
  const encrypted = Buffer.concat([cipher.update(plaintextJson, 'utf8'), cipher.final()]);
  return {
    encrypted: encrypted.toString('base64'),
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  };
}

/**
 * Decrypts an envelope and returns the plaintext (UTF-8). A malformed envelope (not base64,
 * IV not 12 bytes, tag not 16 bytes), a wrong key or any tampering is DECRYPTION_FAILED; a key
 * that is not 32 bytes is INVALID_INPUT.
 */
export function decryptRecordData(envelope: EncryptionEnvelope, key: EncryptionKey): string {
  assertEncryptionKey(key);
  const parsed = EncryptionEnvelopeSchema.safeParse(envelope);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join('.') || 'envelope';
    throw new GunRelayError('DECRYPTION_FAILED', `Malformed encryption envelope (${where})`, {
      field: 'data',
    });
  }
  const iv = Buffer.from(parsed.data.iv, 'base64');
  const tag = Buffer.from(parsed.data.tag, 'base64');
  if (iv.length !== IV_LENGTH || tag.length !== TAG_LENGTH) {
    throw new GunRelayError(
      'DECRYPTION_FAILED',
      `Malformed encryption envelope: IV ${iv.length} bytes, tag ${tag.length} bytes`,
      { field: 'data' },
    );
  }
  try {
    const decipher = createDecipheriv(ENCRYPTION_METHOD, key, iv, { authTagLength: TAG_LENGTH });
    decipher.setAuthTag(tag);
    const ciphertext = Buffer.from(parsed.data.encrypted, 'base64');
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new GunRelayError(
      'DECRYPTION_FAILED',
      'Decryption failed: wrong key or tampered data (authentication tag mismatch)',
      { field: 'data' },
    );
  }
}
