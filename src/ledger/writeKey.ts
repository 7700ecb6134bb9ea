import { createHash } from 'node:crypto';

/** Separates a soul from its write digest in a put's ledger key (a control character: never in a valid soul). */
const SEP = '\u0001';

/**
 * The ledger key of one put: the soul plus the first 16 hex characters of the SHA-256 of the exact
 * request body sent. A put that keeps failing is quarantined for that write only; another write
 * to the same soul is still sent. Deletes stay keyed by soul.
 */
export function writeKey(soul: string, body: string): string {
  return soul + SEP + createHash('sha256').update(body).digest('hex').slice(0, 16);
}

/**
 * @internal A put option: the text whose digest identifies the write instead of the body. Record
 * writes use the record as given, because each body carries a fresh `meta.created` (and IV).
 */
export const WRITE_IDENTITY: unique symbol = Symbol('gun-relay-client.writeIdentity');

/** Splits a ledger key into the soul and, for a put's write key, its digest. */
export function splitWriteKey(key: string): { soul: string; write?: string } {
  const at = key.indexOf(SEP);
  return at < 0 ? { soul: key } : { soul: key.slice(0, at), write: key.slice(at + 1) };
}

/** True when `key` is a write key of `soul`. */
export function isWriteKeyOf(key: string, soul: string): boolean {
  return key.length > soul.length && key.startsWith(soul) && key[soul.length] === SEP;
}

/** Replaces `soul` in an event or listing item by the soul and its `write` digest, when it is a write key. */
export function withWrite<T extends { soul: string }>(item: T): T & { write?: string } {
  const { soul, write } = splitWriteKey(item.soul);
  return write === undefined ? item : { ...item, soul, write };
}
