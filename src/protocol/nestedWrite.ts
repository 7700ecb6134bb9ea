import { GunRelayError, type Operation } from '../errors.js';
import type { GunNode } from './nodeSnapshot.js';
import { serialise, type PreparedWrite } from './preparedWrite.js';
import { soulProblem } from './soul.js';
import { crossLinkTarget } from './crossLinks.js';

/** A nested object's own node, written by the same request as its parent. */
export interface NestedNode {
  /** Its soul, `<parent soul>/<key>`. */
  readonly soul: string;
  /** Keys it sets to a value. */
  readonly liveKeys: number;
  /** Keys it tombstones (`null`). */
  readonly tombstones: number;
}

/** A write as the relay will get it: one `POST /put`, and the nested nodes it writes besides the caller's. */
export interface PlannedWrite extends PreparedWrite {
  /** Every nested object's node (recursively), in the order they appear in the body. */
  readonly nested: readonly NestedNode[];
}

/**
 * Plans the write of `node` (a validated snapshot) to `soul` as ONE request in which every nested
 * object names its own soul: it carries GUN's metadata `_: {"#": "<soul>/<key>"}` (recursively).
 * gun then stores the object at exactly that soul and links the parent to it in the same graph
 * put, without resolving the soul itself (gun 0.2020.1241's `put` takes a nested object's soul
 * from its `_["#"]` before reading anything; without it, it reads the parent's key, which under
 * concurrent puts linked nodes to other nodes' children). The body is size-checked now; a child
 * soul that cannot be sent (over `MAX_SOUL_LENGTH`), or a link that cross-links its key (see
 * `crossLinks.ts`), is `INVALID_INPUT`, before anything is sent.
 */
export function planWrite(soul: string, node: GunNode, op: Operation, maxBodyLength: number): PlannedWrite {
  const nested: NestedNode[] = [];
  const withSouls = (nodeSoul: string, source: GunNode): GunNode => {
    const out: GunNode = {};
    for (const key of Object.keys(source)) {
      const value = source[key]!;
      if (value !== null && typeof value === 'object' && !('#' in value && Object.keys(value).length === 1)) {
        const childSoul = `${nodeSoul}/${key}`;
        const problem = soulProblem(childSoul);
        if (problem !== undefined) {
          throw new GunRelayError('INVALID_INPUT', `${op}: the nested object at ${JSON.stringify(key)} cannot be its own node ${JSON.stringify(childSoul.slice(0, 80))}: ${problem}`, { op, soul, field: `node.${key}` });
        }
        const at = nested.length;
        nested.push({ soul: childSoul, liveKeys: 0, tombstones: 0 });
        const child = withSouls(childSoul, value as GunNode);
        nested[at] = { soul: childSoul, ...keyCounts(child) };
        // `_` first, as gun writes its metadata; caller input can never hold `_` (nodeKeyProblem).
        out[key] = { _: { '#': childSoul }, ...child } as unknown as GunNode;
      } else {
        const crossLink = crossLinkTarget(nodeSoul, key, value);
        if (crossLink !== undefined) {
          throw new GunRelayError('INVALID_INPUT', `${op}: the link at ${JSON.stringify(key)} points to ${JSON.stringify(crossLink.slice(0, 80))}, the child of another key of the same node; reads drop such a key (a cross-link), so it is not written`, { op, soul, field: `node.${key}` });
        }
        out[key] = value;
      }
    }
    return out;
  };
  const data = withSouls(soul, node);
  return { ...serialise(soul, data, op, maxBodyLength), nested };
}

/** Live and tombstoned keys of a node, its `_` not counted. */
function keyCounts(node: GunNode): { liveKeys: number; tombstones: number } {
  let liveKeys = 0;
  let tombstones = 0;
  for (const key in node) {
    if (key === '_') continue;
    if (node[key] === null) tombstones++;
    else liveKeys++;
  }
  return { liveKeys, tombstones };
}
