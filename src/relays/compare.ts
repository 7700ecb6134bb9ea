import { isDeepStrictEqual } from 'node:util';
import { isGunRelayError, type GunRelayErrorCode } from '../errors.js';
import type { RelayNode } from '../protocol/responses.js';

/** One relay's answer in a {@link Comparison}. */
export type RelayAnswer =
  | { relay: string; outcome: 'found'; node: RelayNode }
  | { relay: string; outcome: 'missing' }
  | { relay: string; outcome: 'error'; code: GunRelayErrorCode };

/** What `compare(soul)` returns: every relay's answer, in relay order, and whether they agree. */
export interface Comparison {
  soul: string;
  /** True when every relay answered and all answers are equal (all missing, or all the same node). */
  agree: boolean;
  answers: RelayAnswer[];
}

/** Reads `soul` on every relay at once with `read` (pinned to that relay) and compares the answers. */
export async function compareRelays(
  soul: string,
  relays: readonly string[],
  read: (relay: string) => Promise<RelayNode | null>,
): Promise<Comparison> {
  const answers = await Promise.all(
    relays.map(async (relay): Promise<RelayAnswer> => {
      try {
        const node = await read(relay);
        return node === null ? { relay, outcome: 'missing' } : { relay, outcome: 'found', node };
      } catch (error) {
        return { relay, outcome: 'error', code: isGunRelayError(error) ? error.code : 'RELAY_ERROR' };
      }
    }),
  );
  const first = answers[0];
  const agree =
    first !== undefined &&
    first.outcome !== 'error' &&
    answers.every((a) => a.outcome === first.outcome && (a.outcome !== 'found' || isDeepStrictEqual(a.node, (first as { node: RelayNode }).node)));
  return { soul, agree, answers };
}
