import { GunRelayError } from '../errors.js';

/** The prefix of every DID that names a GUN soul. */
export const GUN_DID_PREFIX = 'did:gun:';

/** `did:gun:<soul>`. An empty or non-string soul is INVALID_INPUT. */
export function toDid(soul: string): string {
  if (typeof soul !== 'string' || soul.length === 0) {
    throw new GunRelayError('INVALID_INPUT', 'soul must be a non-empty string', { field: 'soul' });
  }
  return `${GUN_DID_PREFIX}${soul}`;
}

/** The soul named by a `did:gun:<soul>` DID; anything else (another method, empty soul) is INVALID_INPUT. */
export function fromDid(did: string): string {
  if (!isGunDid(did)) {
    const value: unknown = did;
    const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : typeof value;
    throw new GunRelayError('INVALID_INPUT', `Not a did:gun DID: ${shown}`, { field: 'did' });
  }
  return did.slice(GUN_DID_PREFIX.length);
}

/** True when `value` is a string `did:gun:<soul>` with a non-empty soul. */
export function isGunDid(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.startsWith(GUN_DID_PREFIX) &&
    value.length > GUN_DID_PREFIX.length
  );
}
