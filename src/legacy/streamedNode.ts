import type { GunValue } from '../protocol/input.js';
import type { GunRelayClient } from '../client/GunRelayClient.js';
import type { RelayNode } from '../client/results.js';
import type { GetOptions } from '../client/records.js';
import { GunRelayError, isGunRelayError } from '../errors.js';
import { GetBodyParser, type RawField } from '../oip/snapshot/GetBodyParser.js';
import { isForbiddenKey, parseScannedJson } from '../protocol/safeJson.js';
import { ENTRY_BOUND_REASON } from '../protocol/jsonBounds.js';

/** The bound on one key or value when a node is streamed, and the setting that raises it (for its error). */
export interface StreamedValueBound {
  maxValueBytes: number;
  maxValueOption: string;
}

/**
 * True when `error` is the typed `get`'s own bound on a buffered answer: over `maxContentLength`,
 * or more entries (or objects) than it parses in one body (one per 16 bytes, at least
 * `maxListEntries`). The relay answered; a field-by-field read has neither bound.
 */
function ownReadBound(error: unknown): boolean {
  if (!isGunRelayError(error)) return false;
  if (error.code === 'RESPONSE_TOO_LARGE') return true;
  const status = error.status ?? 0;
  return error.code === 'BAD_RESPONSE' && status >= 200 && status < 300 && ENTRY_BOUND_REASON.test(error.message);
}

/**
 * Reads a node whole, as helpers/gun.js did (it had no body limit): with `get`, and when the
 * answer is over one of the typed get's own bounds (its body limit, or its entry count for one
 * body), again as a stream built field by field into the node (links left as links), so the body
 * is never held whole. An index of any size the relay serves comes back instead of `null`. The
 * streamed read holds at most `bound.maxValueBytes` for one value.
 */
export async function readWholeNode(client: GunRelayClient, soul: string, opts: GetOptions = {}, bound?: StreamedValueBound): Promise<RelayNode | null> {
  try {
    return await client.get(soul, opts);
  } catch (error) {
    if (!ownReadBound(error)) throw error;
  }
  const node: RelayNode = {};
  const build = {
    start(): void {
      for (const key of Object.keys(node)) delete node[key];
    },
    field(f: RawField): void {
      const key = f.key();
      if (key === '_' || isForbiddenKey(key)) return;
      const parsed = parseScannedJson(f.valueJson());
      if (!parsed.ok) throw new GunRelayError('BAD_RESPONSE', `get: unexpected relay response (${parsed.reason})`, { op: 'get', soul, status: 200 });
      node[key] = parsed.value as GunValue;
    },
  };
  const result = await client.streamGet(soul, new GetBodyParser(build, { op: 'get', soul, ...bound }));
  return result.outcome === 'found' ? node : null;
}
