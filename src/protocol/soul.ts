import { GunRelayError, type Operation } from '../errors.js';
import { hasControlChars, isWellFormed } from './wireSafe.js';

/** Longest soul the client sends, in characters. */
export const MAX_SOUL_LENGTH = 1024;

/**
 * Why `soul` cannot be sent, else `undefined`: it must be a non-empty string of at most
 * {@link MAX_SOUL_LENGTH} characters, without control characters, and well-formed Unicode (a lone
 * surrogate cannot be put into a URL, so such a soul could be written but never read).
 */
export function soulProblem(soul: unknown): string | undefined {
  if (typeof soul !== 'string') return 'soul must be a string';
  if (soul.length === 0) return 'soul must not be empty';
  if (soul.length > MAX_SOUL_LENGTH) return `soul must be at most ${MAX_SOUL_LENGTH} characters`;
  if (hasControlChars(soul)) return 'soul must not contain control characters';
  if (!isWellFormed(soul)) return 'soul must be well-formed Unicode (no lone surrogates)';
  return undefined;
}

/** Throws `INVALID_INPUT` (field `field`, default `soul`) unless `soul` is a valid soul. */
export function assertSoul(soul: unknown, op: Operation, field = 'soul'): asserts soul is string {
  const message = soulProblem(soul);
  if (message === undefined) return;
  throw new GunRelayError('INVALID_INPUT', `${op}: ${field === 'soul' ? message : message.replace(/^soul/, field)}`, {
    op,
    soul: typeof soul === 'string' ? safePrefix(soul) : undefined,
    field,
  });
}

/** The first 64 characters of a rejected string, with any lone surrogate replaced, for an error. */
function safePrefix(s: string): string {
  const head = s.slice(0, 64);
  return isWellFormed(head) ? head : head.replace(/[\ud800-\udfff]/g, '\ufffd');
}
