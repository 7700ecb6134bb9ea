import { GunRelayError, type Operation } from '../errors.js';
import { GUN_DID_PREFIX } from '../oip/did.js';
import { isPlainObject, parseJsonSafe } from '../protocol/safeJson.js';

/**
 * Another soul's data found where one soul's was expected: `soul` was read, `foreignSoul` is the
 * soul the data belongs to, `where` says how it showed (`link data`, `meta.localId`, `oip.did`).
 */
export interface IdentityProblem {
  soul: string;
  foreignSoul: string;
  where: string;
}

/**
 * The owner of a link under `key` of the node `soul` when the link is a nested child of another
 * node (`{"#": "<other>/<key>"}`, the soul GUN gives a nested object), else `undefined`. A link
 * under the node itself (`<soul>/…`) is left to the cross-link rule (`protocol/crossLinks.ts`:
 * reads drop one that is not `<soul>/<key>` before this is asked); an explicit reference to any
 * other soul (not ending in `/<key>`) is the node's own.
 */
export function foreignChildOwner(soul: string, key: string, target: string): string | undefined {
  if (target.startsWith(`${soul}/`)) return undefined;
  const suffix = `/${key}`;
  if (!target.endsWith(suffix) || target.length === suffix.length) return undefined;
  return target.slice(0, -suffix.length);
}

/**
 * The soul a record node names for itself when it is not `soul`: `meta.localId` that is neither
 * `<prefix>:<localId>` nor the first segment after the prefix (the legacy sync's form), or an
 * `oip.did` that is a `did:gun:` DID of another soul. `meta` must be resolved (a link is skipped);
 * `oip` may be the stored JSON string. Souls without a `:` prefix carry no localId to check.
 */
export function recordIdentityProblem(soul: string, node: Record<string, unknown>): IdentityProblem | undefined {
  const meta = node['meta'];
  const localId = isPlainObject(meta) ? meta['localId'] : undefined;
  const colon = soul.indexOf(':');
  if (typeof localId === 'string' && localId !== '' && colon > 0) {
    const own = soul.slice(colon + 1);
    if (localId !== own && localId !== own.split(':')[0]) {
      return { soul, foreignSoul: `${soul.slice(0, colon)}:${localId}`, where: 'meta.localId' };
    }
  }
  let oip = node['oip'];
  if (typeof oip === 'string') {
    const parsed = parseJsonSafe(oip);
    oip = parsed.ok ? parsed.value : undefined;
  }
  const did = isPlainObject(oip) ? oip['did'] : undefined;
  if (typeof did === 'string' && did.startsWith(GUN_DID_PREFIX) && did !== `${GUN_DID_PREFIX}${soul}`) {
    return { soul, foreignSoul: did.slice(GUN_DID_PREFIX.length), where: 'oip.did' };
  }
  return undefined;
}

/** The `IDENTITY_MISMATCH` error for a problem that a second read confirmed. */
export function identityMismatch(op: Operation, problem: IdentityProblem, relay: string | undefined): GunRelayError {
  return new GunRelayError(
    'IDENTITY_MISMATCH',
    `${op}: the relay answered ${problem.soul} with data of ${problem.foreignSoul} (${problem.where}), twice; not returned as ${problem.soul}'s data`,
    { op, soul: problem.soul, foreignSoul: problem.foreignSoul, field: problem.where, relay },
  );
}

/** Internal call option: a check of the resolved node (e.g. a record's own identity), run by the read itself. */
export const VERIFY_IDENTITY: unique symbol = Symbol('gun-relay-client/verify-identity');

/** A node with the relay that answered it. */
interface Answer {
  node: Record<string, unknown> | null;
  relay: string;
}

/**
 * Reads with an identity check: `read` reads the node (resolving its links, telling `report` of
 * each link to another node's child), then `verify` checks it. On a problem the node is read once
 * more; if the problem is still there, `IDENTITY_MISMATCH` is thrown (after `onMismatch`): the
 * node is never returned as `soul`'s data.
 */
export async function readOwnData<A extends Answer>(
  op: Operation,
  read: (report: (problem: IdentityProblem) => void) => Promise<A>,
  verify: ((node: Record<string, unknown>) => IdentityProblem | undefined) | undefined,
  onMismatch: (problem: IdentityProblem, confirmed: boolean) => void,
): Promise<A> {
  for (let attempt = 0; ; attempt++) {
    let problem: IdentityProblem | undefined;
    const answer = await read((p) => void (problem ??= p));
    if (answer.node !== null && problem === undefined && verify) problem = verify(answer.node);
    if (problem === undefined) return answer;
    const confirmed = attempt > 0;
    onMismatch(problem, confirmed);
    if (confirmed) throw identityMismatch(op, problem, answer.relay);
  }
}
