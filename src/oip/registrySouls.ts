import { GunRelayError } from '../errors.js';

/** The registry root OIP nodes use (`GUN_REGISTRY_ROOT` in the indexer). */
export const REGISTRY_ROOT = 'oip:registry';
/** The deletion registry's root. */
export const DELETED_RECORDS_ROOT = 'oip:deleted:records';
/** The deletion index: a flat map `did -> true`. */
export const DELETED_INDEX_SOUL = `${DELETED_RECORDS_ROOT}:index`;

/** `oip:registry:index:<recordType>`: the map `soul -> {soul, nodeId, timestamp}` sync workers discover records through. */
export function registryIndexSoul(recordType: string, root: string = REGISTRY_ROOT): string {
  return `${root}:index:${part(recordType, 'recordType')}`;
}

/** `oip:registry:nodes:<nodeId>:<soul>`: one node's flat registry entry for a record. */
export function registryNodeSoul(nodeId: string, soul: string, root: string = REGISTRY_ROOT): string {
  return `${root}:nodes:${part(nodeId, 'nodeId')}:${part(soul, 'soul')}`;
}

/** `oip:deleted:records:<did>`: the flat details `{deletedAt, deletedBy, timestamp, did}` of one deletion. */
export function deletedRecordSoul(did: string): string {
  return `${DELETED_RECORDS_ROOT}:${part(did, 'did')}`;
}

function part(value: string, field: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new GunRelayError('INVALID_INPUT', `${field} must be a non-empty string`, { field });
  }
  return value;
}
