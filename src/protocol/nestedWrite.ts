import { GunRelayError, type Operation } from '../errors.js';
import type { GunNode } from './nodeSnapshot.js';
import { serialise, type PreparedWrite } from './preparedWrite.js';
import { soulProblem } from './soul.js';
import { crossLinkTarget } from './crossLinks.js';

/**
 * A write as the relay will get it: every nested object is its own node at `<soul>/<key>`
 * (recursively), and its parent holds an explicit link `{"#": "<soul>/<key>"}`. `steps` go in
 * order, deepest nodes first and the caller's node last, so no node ever links to a child that
 * was not written; the writes of one step are independent of each other.
 */
export interface WritePlan {
  /** Writes by depth: `steps[0]` the deepest children, the last step the caller's node alone. */
  readonly steps: readonly (readonly PreparedWrite[])[];
  /** Requests the write costs: 1 + the number of nested objects. */
  readonly requests: number;
}

/**
 * Plans the write of `node` (a validated snapshot) to `soul`. A flat node is one write. Every
 * write is serialised and size-checked now; a child soul that cannot be sent (over
 * `MAX_SOUL_LENGTH`), or a link that cross-links its key (see `crossLinks.ts`), is
 * `INVALID_INPUT`, before anything is sent.
 */
export function planWrite(soul: string, node: GunNode, op: Operation, maxBodyLength: number): WritePlan {
  const byDepth: PreparedWrite[][] = [];
  const flatten = (nodeSoul: string, source: GunNode, depth: number): GunNode => {
    const flat: GunNode = {};
    for (const key of Object.keys(source)) {
      const value = source[key]!;
      if (value !== null && typeof value === 'object' && !('#' in value && Object.keys(value).length === 1)) {
        const childSoul = `${nodeSoul}/${key}`;
        const problem = soulProblem(childSoul);
        if (problem !== undefined) {
          throw new GunRelayError('INVALID_INPUT', `${op}: the nested object at ${JSON.stringify(key)} cannot be its own node ${JSON.stringify(childSoul.slice(0, 80))}: ${problem}`, { op, soul, field: `node.${key}` });
        }
        const child = flatten(childSoul, value as GunNode, depth + 1);
        (byDepth[depth + 1] ??= []).push(serialise(childSoul, child, op, maxBodyLength));
        flat[key] = { '#': childSoul };
      } else {
        const crossLink = crossLinkTarget(nodeSoul, key, value);
        if (crossLink !== undefined) {
          throw new GunRelayError('INVALID_INPUT', `${op}: the link at ${JSON.stringify(key)} points to ${JSON.stringify(crossLink.slice(0, 80))}, the child of another key of the same node; reads drop such a key (a cross-link), so it is not written`, { op, soul, field: `node.${key}` });
        }
        flat[key] = value;
      }
    }
    return flat;
  };
  const root = serialise(soul, flatten(soul, node, 0), op, maxBodyLength);
  const steps = byDepth.filter((s) => s !== undefined && s.length > 0).reverse();
  steps.push([root]);
  return { steps, requests: steps.reduce((n, s) => n + s.length, 0) };
}
