import { GunRelayError, type Operation } from '../errors.js';
import { assertSoul, soulProblem } from './soul.js';
import { snapshotNode, type GunNode } from './nodeSnapshot.js';

/**
 * A write as it will go on the wire, fixed at call time: the exact JSON text of the `POST /put`
 * body. Whatever the caller does to its object afterwards, this is what is sent (on every
 * attempt and every relay), so a digest of `body` identifies the write.
 */
export interface PreparedWrite {
  /** The soul written. */
  readonly soul: string;
  /** The request body, `{"soul":…,"data":…}`, exactly as sent. */
  readonly body: string;
  /** `body`'s size in UTF-8 bytes. */
  readonly bytes: number;
  /** Top-level keys the write sets to a value (the node has them once it lands). */
  readonly liveKeys: number;
  /** Top-level keys the write tombstones (`null`). */
  readonly tombstones: number;
  /** The validated private copy of the caller's node (from {@link prepareWrite}), for planning nested writes. */
  readonly node?: GunNode;
}

/**
 * Validates `soul` and `node` and serialises them, synchronously and once: every property of
 * `node` is read exactly once (see {@link snapshotNode}), and the text is built from the private
 * copy. Throws `INVALID_INPUT` (nothing sent) for a bad soul or node, or a body over
 * `maxBodyLength` bytes.
 */
export function prepareWrite(soul: unknown, node: unknown, op: Operation, maxBodyLength: number): PreparedWrite {
  assertSoul(soul, op);
  const snapshot = snapshotNode(node, maxBodyLength, soulProblem);
  if (!snapshot.ok) {
    const { path, message } = snapshot.problem;
    throw new GunRelayError('INVALID_INPUT', `${op}: invalid node${path ? `, key ${JSON.stringify(path)}` : ''}: ${message}`, {
      op,
      soul,
      field: path ? `node.${path}` : 'node',
    });
  }
  return { ...serialise(soul, snapshot.node, op, maxBodyLength), node: snapshot.node };
}

/** Serialises a node the SDK built itself (tombstones), with the same size check. */
export function serialise(soul: string, data: GunNode, op: Operation, maxBodyLength: number): PreparedWrite {
  const body = JSON.stringify({ soul, data });
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > maxBodyLength) {
    throw new GunRelayError('INVALID_INPUT', `${op}: request body of ${bytes} bytes is larger than maxBodyLength (${maxBodyLength})`, {
      op,
      soul,
      field: 'node',
    });
  }
  let tombstones = 0;
  let keys = 0;
  for (const key in data) {
    keys++;
    if (data[key] === null) tombstones++;
  }
  return { soul, body, bytes, liveKeys: keys - tombstones, tombstones };
}
