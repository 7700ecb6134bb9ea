import { GunRelayError, type Operation } from '../errors.js';
import type { GunNode } from '../protocol/input.js';
import type { RelayNode } from '../protocol/responses.js';
import type { BodySink } from '../transport/Transport.js';

/** A registry index entry: a flat node (`{soul, nodeId, timestamp}`) or a flag (`true`, as in the deletion index). */
export type IndexEntry = GunNode | true;

/** The two client calls the registry helpers make; a `GunRelayClient` or a cycle's client fits. */
export interface RegistryIo {
  get(soul: string, opts?: { signal?: AbortSignal | undefined }): Promise<RelayNode | null>;
  put(soul: string, node: GunNode, opts?: { signal?: AbortSignal | undefined }): Promise<{ outcome: string }>;
  /**
   * Reads a node's answer into `sink` as it streams (a `GunRelayClient` has it): an index is then
   * parsed as it arrives instead of built whole. Optional; without it, indexes are read with `get`.
   */
  streamGet?(soul: string, sink: BodySink, opts?: { signal?: AbortSignal | undefined }): Promise<{ outcome: 'found' | 'missing' }>;
}

/**
 * Adds one entry to an index as a single-field merge put (`{[key]: entry}`): nothing is read,
 * and no other entry is written, so a concurrent add or removal by another writer survives.
 * Resolves the put's outcome (`written`, or `skipped` for a quarantined index soul).
 */
export async function indexAdd(
  io: RegistryIo,
  indexSoul: string,
  key: string,
  entry: IndexEntry,
  opts: { signal?: AbortSignal | undefined } = {},
): Promise<{ outcome: string }> {
  checkKey(key, 'put');
  return io.put(indexSoul, { [key]: entry }, opts);
}

/** Removes one entry from an index by tombstoning that field alone (`{[key]: null}`); nothing is read. */
export async function indexRemove(
  io: RegistryIo,
  indexSoul: string,
  key: string,
  opts: { signal?: AbortSignal | undefined } = {},
): Promise<{ outcome: string }> {
  checkKey(key, 'put');
  return io.put(indexSoul, { [key]: null }, opts);
}

function checkKey(key: string, op: Operation): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw new GunRelayError('INVALID_INPUT', `${op}: an index key must be a non-empty string`, { op, field: 'key' });
  }
}
