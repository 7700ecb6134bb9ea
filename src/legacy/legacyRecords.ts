import type { GunValue } from '../protocol/input.js';
import type { GunRelayClient } from '../client/GunRelayClient.js';
import type { RelayNode } from '../client/results.js';
import { isGunRelayError } from '../errors.js';
import { decodeRecord, type KeyProvider } from '../oip/recordCodec.js';
import type { OipRecord } from '../oip/recordSchemas.js';
import type { GunNode } from '../protocol/input.js';
import { linkTarget } from '../protocol/crossLinks.js';
import { readWholeNode, type StreamedValueBound } from './streamedNode.js';
import { foreignChildOwner, recordIdentityProblem, VERIFY_IDENTITY, type IdentityProblem } from '../reads/identity.js';
import type { GetOptions } from '../client/records.js';

/**
 * Reads a node as helpers/gun.js's `getRecord` callers see it. Only the links the old module
 * documented are followed: `meta`, and `data` when it is an encrypted envelope stored as a link
 * (one request each). A record (`data` or `oip` present) comes back with `data`/`oip` parsed and,
 * with a key, decrypted; every other key, and every other node (registry and deletion indexes,
 * their entries), comes back exactly as the relay sent it, links included. No key is ever added.
 */
export async function readLegacyNode(
  client: GunRelayClient,
  soul: string,
  keyProvider: KeyProvider | undefined,
  bound?: StreamedValueBound,
): Promise<Record<string, unknown> | null> {
  // `meta` resolved by the read itself, which also checks that the node is this soul's own
  // (see IDENTITY_MISMATCH): a link to another node's child, or a record naming another soul.
  const verify = (n: RelayNode): IdentityProblem | undefined => recordIdentityProblem(soul, n) ?? foreignLink(soul, n, 'data');
  const getOptions: GetOptions & { [VERIFY_IDENTITY]: typeof verify } = { resolveLinks: 1, linkKeys: ['meta'], [VERIFY_IDENTITY]: verify };
  const node = await readWholeNode(client, soul, getOptions, bound);
  if (node === null) return null;
  const out: RelayNode = { ...node };
  // A node too large for one body was streamed without resolving: its meta link is read here.
  const metaSoul = linkTarget(node['meta']);
  if (metaSoul !== undefined && foreignChildOwner(soul, 'meta', metaSoul) === undefined) {
    const meta = await client.get(metaSoul);
    if (meta !== null) out['meta'] = meta;
  }
  if (!('data' in node) && !('oip' in node)) return out;
  const dataSoul = linkTarget(node['data']);
  const encrypted = (out['meta'] as { encrypted?: unknown } | undefined)?.encrypted === true;
  if (dataSoul !== undefined && encrypted) {
    const data = await client.get(dataSoul);
    if (data !== null) out['data'] = data;
  }
  let decoded: Awaited<ReturnType<typeof decodeRecord>>;
  try {
    decoded = await decodeRecord(out, { soul, onLocked: 'keep', ...(keyProvider ? { keyProvider } : {}) });
  } catch (error) {
    // A node that only looks like a record (odd meta) comes back as the relay sent it.
    if (isGunRelayError(error) && error.code === 'INVALID_INPUT') return out;
    throw error;
  }
  if ('data' in out) out['data'] = decoded.data as GunValue;
  if ('oip' in out) out['oip'] = decoded.oip as GunValue;
  return out;
}

/**
 * The node helpers/gun.js's `putRecord` wrote for a record whose `data` or `oip` is missing (the
 * user-registry migration passes flat objects): the missing field is simply absent, as
 * `JSON.stringify` left it, with the usual `meta`. `undefined` when the record has both fields
 * (the typed client's `putRecord` then handles it) or is not an object.
 */
export function partialRecordNode(record: OipRecord, localId: string | null | undefined, created: number): GunNode | undefined {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return undefined;
  const { data, oip } = record as { data?: unknown; oip?: unknown };
  if (data !== undefined && oip !== undefined) return undefined;
  const node: GunNode = {};
  const dataJson = data === undefined ? undefined : JSON.stringify(data);
  const oipJson = oip === undefined ? undefined : JSON.stringify(oip);
  if (dataJson !== undefined) node['data'] = dataJson;
  if (oipJson !== undefined) node['oip'] = oipJson;
  node['meta'] = { created, localId: localId || null, encrypted: false };
  return node;
}

/** A link under `key` of `node` (the node of `soul`) to another node's child, as an identity problem. */
function foreignLink(soul: string, node: RelayNode, key: string): IdentityProblem | undefined {
  const target = linkTarget(node[key]);
  const owner = target === undefined ? undefined : foreignChildOwner(soul, key, target);
  return owner === undefined ? undefined : { soul, foreignSoul: owner, where: `link ${key}` };
}
