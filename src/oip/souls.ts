import { createHash } from 'node:crypto';
import { GunRelayError } from '../errors.js';
import { canonicalJson } from '../protocol/safeJson.js';
import { hasControlChars, isWellFormed } from '../protocol/wireSafe.js';

/** Length, in hex characters, of a publisher hash and of an `h:` content hash. */
export const SOUL_HASH_LENGTH = 12;

function sha256Hex12(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, SOUL_HASH_LENGTH);
}

function requireNonEmptyString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new GunRelayError('INVALID_INPUT', `${field} must be a non-empty string`, { field });
  }
  return value;
}

/** First 12 hex characters of sha256(publicKey as UTF-8): the prefix of every record soul of that publisher. */
export function publisherHash(publicKey: string): string {
  return sha256Hex12(requireNonEmptyString(publicKey, 'publicKey'));
}

/**
 * First 12 hex characters of sha256 of the {@link canonicalJson} of `recordData`: the same
 * record (whatever its key order) always gives the same hash.
 */
export function contentHash(recordData: unknown): string {
  return sha256Hex12(canonicalJson(recordData));
}

/** A source of wall-clock time in epoch milliseconds (`Date.now()`-like). */
export interface WallClock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

interface TimeSoulState {
  last: number;
}

const SHARED_STATE_KEY = Symbol.for('gun-relay-client/oip/time-soul-state');

/** One state per process, shared by the ESM and CJS builds and by duplicated copies of the package. */
function sharedState(): TimeSoulState {
  const g = globalThis as { [SHARED_STATE_KEY]?: TimeSoulState };
  return (g[SHARED_STATE_KEY] ??= { last: -1 });
}

/**
 * Hands out `t:` timestamps that never repeat: `next()` is `max(now, previous + 1)`, so calls
 * within one millisecond get consecutive values (running ahead of the wall clock by at most
 * the size of the burst) and the soul keeps the legacy `<base36 ms>` shape.
 */
export class TimeSoulClock {
  private readonly wall: WallClock;
  private readonly state: TimeSoulState;

  /**
   * `wall` defaults to `Date.now`. Each instance has its own sequence unless `shared` is true,
   * in which case it continues the process-wide one of {@link defaultTimeSoulClock}.
   */
  constructor(wall: WallClock = { now: () => Date.now() }, options: { shared?: boolean } = {}) {
    this.wall = wall;
    this.state = options.shared === true ? sharedState() : { last: -1 };
  }

  /** The wall clock's current time, checked to be a finite, non-negative number, floored to whole ms. */
  now(): number {
    const t = this.wall.now();
    if (!Number.isFinite(t) || t < 0) {
      throw new GunRelayError('INVALID_INPUT', `clock.now() returned ${String(t)}`, {
        field: 'clock',
      });
    }
    return Math.floor(t);
  }

  /** The next unique timestamp: the current ms, or one more than the last value handed out. */
  next(): number {
    const t = this.now();
    this.state.last = t > this.state.last ? t : this.state.last + 1;
    return this.state.last;
  }
}

/**
 * The process-wide clock `computeSoul` uses when none is given. Its sequence lives on
 * `globalThis` (under a `Symbol.for` key), so every copy of this module in the process shares it.
 */
export const defaultTimeSoulClock: TimeSoulClock = new TimeSoulClock(undefined, { shared: true });

/** Options of {@link computeSoul}. */
export interface ComputeSoulOptions {
  /**
   * How an `h:` soul is hashed. `'content'` (default): deterministic {@link contentHash}.
   * `'legacy'`: helpers/gun.js's hash of name/date/recordType plus time and randomness.
   */
  hashMode?: 'content' | 'legacy';
  /** Source of `t:` timestamps (and of the legacy `h:` timestamp). Default {@link defaultTimeSoulClock}. */
  clock?: TimeSoulClock;
  /** `hashMode: 'legacy'` only: the random source. Default `Math.random`. */
  random?: () => number;
}

/**
 * The soul of an OIP record, in the legacy formats: `<hash12>:<localId>` when `localId` is a
 * non-empty string; else `<hash12>:h:<hex12>` when `recordData` is truthy; else
 * `<hash12>:t:<base36 ms>`. Empty `localId` and falsy `recordData` count as absent, as before.
 */
export function computeSoul(
  publicKey: string,
  localId?: string | null,
  recordData?: unknown,
  options: ComputeSoulOptions = {},
): string {
  const prefix = publisherHash(publicKey);
  if (localId !== undefined && localId !== null && typeof localId !== 'string') {
    throw new GunRelayError('INVALID_INPUT', 'localId must be a string', { field: 'localId' });
  }
  // A lone surrogate (half an emoji) or a control character would make a soul that can be
  // written but never read back through a URL.
  if (localId && (!isWellFormed(localId) || hasControlChars(localId))) {
    throw new GunRelayError('INVALID_INPUT', 'localId must be well-formed Unicode without control characters', { field: 'localId' });
  }
  const mode = options.hashMode ?? 'content';
  if (mode !== 'content' && mode !== 'legacy') {
    throw new GunRelayError('INVALID_INPUT', `Unknown hashMode ${String(mode)}`, { field: 'hashMode' });
  }
  if (localId) return `${prefix}:${localId}`;
  const clock = options.clock ?? defaultTimeSoulClock;
  if (recordData) {
    const hash =
      mode === 'legacy'
        ? legacyRandomHash(recordData, clock.now(), options.random ?? Math.random)
        : contentHash(recordData);
    return `${prefix}:h:${hash}`;
  }
  return `${prefix}:t:${clock.next().toString(36)}`;
}

/** The `h:` hash exactly as helpers/gun.js computed it (not deterministic: it mixes in time and randomness). */
function legacyRandomHash(recordData: unknown, timestamp: number, random: () => number): string {
  const r = recordData as {
    basic?: { name?: unknown; date?: unknown };
    name?: unknown;
    date?: unknown;
    oip?: { recordType?: unknown };
    recordType?: unknown;
  };
  const keyFields = {
    name: r.basic?.name || r.name,
    date: r.basic?.date || r.date,
    recordType: r.oip?.recordType || r.recordType,
    timestamp,
    random: random().toString(36).slice(2, 8),
  };
  return sha256Hex12(JSON.stringify(keyFields, Object.keys(keyFields).sort()));
}

/** A record soul split into its parts; see {@link parseSoul}. */
export type ParsedSoul =
  | { publisherHash: string; kind: 'local'; localId: string }
  | { publisherHash: string; kind: 'hash'; hash: string }
  | { publisherHash: string; kind: 'time'; timestamp: number };

/**
 * Splits a record soul, or returns `null` when it has no `<12 hex>:` prefix. A local id that
 * happens to look like `h:<12 hex>` or `t:<base36>` is reported as that kind: the legacy
 * formats cannot tell them apart.
 */
export function parseSoul(soul: string): ParsedSoul | null {
  const match = /^([0-9a-f]{12}):(.+)$/s.exec(soul);
  if (!match) return null;
  const hash12 = match[1] as string;
  const rest = match[2] as string;
  if (/^h:[0-9a-f]{12}$/.test(rest)) return { publisherHash: hash12, kind: 'hash', hash: rest.slice(2) };
  if (/^t:[0-9a-z]{1,11}$/.test(rest)) {
    return { publisherHash: hash12, kind: 'time', timestamp: parseInt(rest.slice(2), 36) };
  }
  return { publisherHash: hash12, kind: 'local', localId: rest };
}
