import type { LedgerOperation } from '../../events.js';
import { MAX_LEDGER_NAME_LENGTH, MAX_LEDGER_REASON_LENGTH } from '../../ledger/snapshot.js';
import { splitWriteKey } from '../../ledger/writeKey.js';
import { MAX_SOUL_LENGTH, soulProblem } from '../../protocol/soul.js';
import type { SharedLedgerEntry } from '../LedgerStore.js';

/**
 * What the Redis ledger store accepts from Redis. Nothing in Redis is trusted: a message or a
 * hash that is not one the scripts write is junk, reported and ignored; display fields that are
 * off (a code that is not a name, a reason with control characters) are cleaned. Every check is
 * bounded by the limits below, so a hostile value costs little.
 */

/** Longest change message parsed, in characters (the largest a script writes is far below). */
export const MAX_CHANGE_CHARS = 16_384;
/** Longest hash field loaded, in bytes (checked in Redis with HSTRLEN before it is read). */
export const MAX_FIELD_BYTES = 8_192;
/** Longest index member loaded, in bytes. */
export const MAX_MEMBER_BYTES = 8_192;
/** Largest failure or worker count taken from Redis. */
const MAX_COUNT = 2 ** 31 - 1;

// C0 and C1 control characters, DEL; a reason keeps none of them.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const NAME = /^[^\u0000-\u001f\u007f-\u009f]+$/;

/** A quarantine or a clear as published on the channel, once checked. */
export type Change =
  | { t: 'q'; src: string; entry: SharedLedgerEntry }
  | { t: 'c'; src: string; op: LedgerOperation; soul: string; why: 'success' | 'forgive' };

/** A reason as the fleet shows it: control characters replaced by spaces, cut to the ledger's length. */
export function cleanReason(reason: string | undefined): string | undefined {
  if (reason === undefined || reason === '') return undefined;
  return reason.slice(0, MAX_LEDGER_REASON_LENGTH).replace(CONTROL, ' ');
}

/** A short, printable excerpt of junk for a report. */
export function excerpt(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : String(JSON.stringify(value));
  } catch {
    text = typeof value;
  }
  return text.slice(0, 80).replace(CONTROL, '?') + (text.length > 80 ? `… (${text.length} characters)` : '');
}

/** Parses one channel message: the change, or why it is junk. */
export function parseChange(text: unknown): Change | { junk: string } {
  if (typeof text !== 'string') return { junk: 'a message that is not text' };
  if (text.length > MAX_CHANGE_CHARS) return { junk: `a message of ${text.length} characters (at most ${MAX_CHANGE_CHARS})` };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { junk: `a message that is not JSON: ${excerpt(text)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { junk: `a message that is not a JSON object: ${excerpt(text)}` };
  const m = value as Record<string, unknown>;
  const src = typeof m['src'] === 'string' ? m['src'] : '';
  const key = keyProblem(m['op'], m['soul']);
  if (key !== undefined) return { junk: `a message whose ${key}: ${excerpt(text)}` };
  const op = m['op'] as string;
  const soul = m['soul'] as string;
  if (m['t'] === 'c') return { t: 'c', src, op, soul, why: m['why'] === 'forgive' ? 'forgive' : 'success' };
  if (m['t'] !== 'q') return { junk: `a message of unknown type: ${excerpt(text)}` };
  if (typeof m['f'] !== 'number' || typeof m['ttl'] !== 'number') return { junk: `a quarantine without numeric f and ttl: ${excerpt(text)}` };
  const entry = entryOf({ op, soul, f: m['f'], nw: m['nw'], c: m['c'], s: m['s'], r: m['r'], fa: m['fa'], la: m['la'] }, m['ttl']);
  return typeof entry === 'string' ? { junk: `a quarantine whose ${entry}: ${excerpt(text)}` } : { t: 'q', src, entry };
}

/**
 * A quarantined entry from its fields (a hash's, or a message's) and its remaining ms, or what is
 * wrong with it. Numbers may arrive as numbers (messages) or decimal strings (hashes).
 */
export function entryOf(h: Record<string, unknown>, remainingMs: unknown): SharedLedgerEntry | string {
  const key = keyProblem(h['op'], h['soul']);
  if (key !== undefined) return key;
  const failures = count(h['f']);
  if (failures === undefined) return `failure count is not a positive integer`;
  const ttl = typeof remainingMs === 'number' ? remainingMs : Number.NaN;
  if (!Number.isFinite(ttl) || ttl <= 0) return `remaining time is not a positive number`;
  const code = typeof h['c'] === 'string' && h['c'].length <= MAX_LEDGER_NAME_LENGTH && NAME.test(h['c']) ? h['c'] : 'SOUL_REJECTED';
  const status = Number(h['s']);
  return {
    op: h['op'] as string,
    soul: h['soul'] as string,
    failures,
    workers: count(h['nw']) ?? 1,
    remainingMs: ttl,
    lastCode: code,
    lastStatus: h['s'] !== '' && Number.isInteger(status) && status >= 100 && status <= 999 ? status : undefined,
    lastReason: typeof h['r'] === 'string' ? cleanReason(h['r']) : undefined,
    firstFailureAt: finite(h['fa']),
    lastFailureAt: finite(h['la']),
  };
}

/** Why an (op, soul) pair is not one the ledger writes, else undefined. */
function keyProblem(op: unknown, soul: unknown): string | undefined {
  if (typeof op !== 'string' || op.length > MAX_LEDGER_NAME_LENGTH || !NAME.test(op)) return 'operation is not a name';
  if (typeof soul !== 'string' || soul.length > MAX_SOUL_LENGTH + 17) return 'soul is not a string of at most the soul length';
  const { soul: bare, write } = splitWriteKey(soul);
  if (soulProblem(bare) !== undefined || (write !== undefined && !/^[0-9a-f]{16}$/.test(write))) return 'soul is not a valid ledger key';
  return undefined;
}

function count(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,10}$/.test(v) ? Number(v) : Number.NaN;
  return Number.isInteger(n) && n >= 1 && n <= MAX_COUNT ? n : undefined;
}

function finite(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.length <= 32 ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : 0;
}
