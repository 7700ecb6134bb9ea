import type { GunValue } from '../protocol/input.js';
import type { GunRelayClient } from '../client/GunRelayClient.js';
import type { RelayNode } from '../client/results.js';
import type { GetOptions } from '../client/records.js';
import { GunRelayError, isGunRelayError } from '../errors.js';
import { GetBodyParser, type RawField } from '../oip/snapshot/GetBodyParser.js';
import { isForbiddenKey, parseScannedJson } from '../protocol/safeJson.js';

/**
 * Reads a node whole, as helpers/gun.js did (it had no body limit): with `get`, and when the
 * answer is over the facade's own body limit, again as a stream built field by field into the
 * node (links left as links), so the body is never held whole. An index of any size the relay
 * serves comes back instead of `null`.
 */
export async function readWholeNode(client: GunRelayClient, soul: string, opts: GetOptions = {}): Promise<RelayNode | null> {
  try {
    return await client.get(soul, opts);
  } catch (error) {
    if (!isGunRelayError(error) || error.code !== 'RESPONSE_TOO_LARGE') throw error;
  }
  const node: RelayNode = {};
  const build = {
    field(f: RawField): void {
      const key = f.key();
      if (key === '_' || isForbiddenKey(key)) return;
      const parsed = parseScannedJson(f.valueJson());
      if (!parsed.ok) throw new GunRelayError('BAD_RESPONSE', `get: unexpected relay response (${parsed.reason})`, { op: 'get', soul, status: 200 });
      node[key] = parsed.value as GunValue;
    },
  };
  const result = await client.streamGet(soul, new GetBodyParser(build, { op: 'get', soul }));
  return result.outcome === 'found' ? node : null;
}
