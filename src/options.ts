import * as z from 'zod/mini';
import { systemClock, type Clock } from './clock.js';
import { invalidOptionsError } from './optionsMessages.js';
import type { LedgerStore } from './stores/LedgerStore.js';
import type { Transport } from './transport/Transport.js';
import type { RelayClassifier } from './relays/classifiers.js';
import { relayProfile, type RelayEntry } from './relays/RelayProfile.js';

/** A pino-style logger; every method is optional, so `console` or a pino instance both fit. */
export interface Logger {
  debug?(obj: unknown, msg?: string): void;
  info?(obj: unknown, msg?: string): void;
  warn?(obj: unknown, msg?: string): void;
  error?(obj: unknown, msg?: string): void;
}

const MiB = 1024 * 1024;

/** The legacy module's fixed timeouts, kept as defaults. */
const LEGACY_TIMEOUTS = { put: 30_000, get: 20_000, delete: 10_000, list: 10_000 } as const;

const relayUrl = z.pipe(
  z.pipe(
    z.string().check(z.trim()),
    z.transform((s: string) => s.replace(/\/+$/, '')),
  ),
  z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
);

/** A whole number of milliseconds, above 0. */
export const positiveMs = z.int().check(z.positive());
/** A whole number, at least `min`. */
const intAtLeast = (min: number) => z.int().check(z.gte(min));
/** A whole number above 0. */
const positiveInt = () => z.int().check(z.positive());

/** What Node's HTTP client accepts in a header name and value; anything else fails only when sent. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** A relay entry object: `{ url, kind, healthPath, classify }`. */
const relayEntryObject = z.strictObject({
  url: relayUrl,
  kind: z.optional(z.enum(['relay', 'oip-proxy'])),
  healthPath: z.optional(z.string().check(z.regex(/^\//, 'must start with /'))),
  classify: z.optional(z.custom<RelayClassifier>((v) => typeof v === 'function', { error: 'must be a function (op, status, bodyText) => verdict' })),
});

/**
 * A relay entry: a URL (a direct relay) or an entry object. Checked by hand so that a bad URL is
 * reported at the entry itself (`baseUrl[1]`), as a plain URL list always was.
 */
const relayEntry = z.pipe(z.any(), z.transform((value: unknown, ctx): z.output<typeof relayEntryObject> => {
  const parsed = typeof value === 'string' ? relayUrl.safeParse(value) : relayEntryObject.safeParse(value);
  if (parsed.success) return typeof parsed.data === 'string' ? { url: parsed.data } : parsed.data;
  for (const issue of parsed.error.issues) ctx.issues.push({ ...issue, code: 'custom', message: issue.message, path: issue.path, input: value } as never);
  return z.NEVER;
}));
const relayEntryInput = z.union([z.string(), z.looseObject({ url: z.unknown() })]);

export const clockSchema = z.custom<Clock>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Clock).now === 'function' &&
    typeof (v as Clock).sleep === 'function' &&
    ((v as Clock).setTimer === undefined || typeof (v as Clock).setTimer === 'function'),
  { error: 'must be a Clock ({ now(), sleep(ms, signal), setTimer?(ms, fn), wallNow?() })' },
);

const loggerSchema = z.custom<Logger>((v) => typeof v === 'object' && v !== null, {
  error: 'must be a pino-style logger object',
});

const ledgerStoreSchema = z.custom<LedgerStore>(
  (v) => typeof v === 'object' && v !== null && typeof (v as LedgerStore).connect === 'function',
  { error: 'must implement LedgerStore ({ connect(sink, config) })' },
);

const transportSchema = z.custom<Transport>(
  (v) => typeof v === 'object' && v !== null && typeof (v as Transport).send === 'function',
  { error: 'must implement Transport ({ send(), close() })' },
);

/** The retry budget: retries may add at most `ratio` of the requests seen in `windowMs`. */
const budgetSchema = z.strictObject({
  ratio: z._default(z.number().check(z.gte(0), z.lte(1)), 0.2),
  windowMs: z._default(positiveMs, 10_000),
  /** Retries always allowed per window, so a quiet client can still retry a lone failure. */
  minPerWindow: z._default(intAtLeast(0), 3),
});

const retrySchema = z.strictObject({
  retries: z._default(intAtLeast(0).check(z.lte(10)), 2),
  baseDelayMs: z._default(intAtLeast(0), 100),
  maxDelayMs: z._default(intAtLeast(0), 2_000),
  maxRetryAfterMs: z._default(intAtLeast(0), 5_000),
  budget: z.prefault(budgetSchema, {}),
});

const breakerSchema = z.strictObject({
  threshold: z._default(positiveInt(), 5),
  halfOpenAfterMs: z._default(positiveMs, 5_000),
});

const timeoutsSchema = z.strictObject({
  put: z.optional(positiveMs),
  get: z.optional(positiveMs),
  delete: z.optional(positiveMs),
  list: z.optional(positiveMs),
});

/** Every client option, checked and defaulted; {@link clientOptionsSchema} adds the timeouts' fallbacks. */
const clientOptionsObject = z.strictObject({
  /**
   * Relay base URL, or several (the legacy `GUN_PEERS` list, comma-separated, also works). An entry
   * may be `{ url, kind: 'relay' | 'oip-proxy', healthPath?, classify? }`; a plain URL is a direct relay.
   */
  baseUrl: z.pipe(
    z.pipe(
      z.pipe(
        z.union([z.string(), z.array(relayEntryInput).check(z.minLength(1)), relayEntryInput]),
        z.transform((v: string | { url: unknown } | Array<string | { url: unknown }>) => (Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : [v]).filter((e) => typeof e !== 'string' || e.trim() !== '')),
      ),
      z.array(relayEntry).check(z.minLength(1, 'needs at least one relay URL')),
    ),
    z.transform((entries: Array<z.output<typeof relayEntryObject>>) => entries.map(relayProfile)),
  ),
  /** Which calls may move to the next relay on a relay-level failure: `'none'`, `'reads'` (default) or `'all'`. */
  failover: z._default(z.enum(['none', 'reads', 'all']), 'reads'),
  /**
   * A soul-level refusal counts against the soul only when the same relay answered another soul
   * successfully within this many ms before it. 0 counts every refusal. Default 60 s.
   */
  attributionWindowMs: z._default(intAtLeast(0), 60_000),
  /**
   * Answers a repeated get of a soul the relay just answered "Not found" for from memory (a
   * never-written soul costs the relay 3 s). Off by default; `{}` turns it on with the defaults.
   * Keyed by relay + soul, LRU-bounded, cleared by this client's own writes of the soul.
   */
  missCache: z._default(
    z.union([
      z.literal(false),
      z.strictObject({
        /** Most misses remembered. Default 10,000. */
        maxEntries: z._default(positiveInt(), 10_000),
        /** How long a miss is remembered, on the client's clock. Default 60 s. */
        ttlMs: z._default(positiveMs, 60_000),
      }),
    ]),
    false,
  ),
  /**
   * Re-reads an answer that is probably a relay's misread before the caller sees it: a miss, or a
   * node with fewer live keys, for a soul this client saw present or wrote within `rememberMs`
   * (the relay answers a freshly written node read back to back with a quick false 404 or part
   * of its keys). Such a miss is never cached. On by default; `false` turns it off.
   */
  readGuard: z.prefault(
    z.union([
      z.literal(false),
      z.strictObject({
        /** Re-reads of one suspect answer before it is believed. Default 2. */
        rereads: z._default(intAtLeast(0).check(z.lte(10)), 2),
        /** Pause before each re-read, on the client's clock. Default 500 ms (reads 500 ms apart were whole). */
        rereadDelayMs: z._default(intAtLeast(0).check(z.lte(60_000)), 500),
        /** How long a soul seen present or written is remembered. Default 10 min. */
        rememberMs: z._default(positiveMs, 10 * 60_000),
        /** Most souls remembered (LRU). Default 10,000. */
        maxSouls: z._default(positiveInt(), 10_000),
      }),
    ]),
    {},
  ),
  /** Identical concurrent gets of one soul on one relay share one request. Default true. */
  coalesceReads: z._default(z.boolean(), true),
  /** Default timeout for every operation not set in `timeouts`. */
  timeoutMs: z.optional(positiveMs),
  /** Per-operation deadlines; defaults are the legacy module's: put 30 s, get 20 s, delete 10 s, list 10 s. */
  timeouts: z.prefault(timeoutsSchema, {}),
  /**
   * Deadline of one HTTP attempt, within the call's: an attempt unanswered by then (the relay never
   * answers some puts) is ended and retried under `retry`. Default: none (an attempt may use the
   * call's whole deadline).
   */
  attemptTimeoutMs: z.optional(positiveMs),
  failureThreshold: z._default(positiveInt(), 3),
  failureTtlMs: z._default(positiveMs, 60 * 60 * 1000),
  maxTrackedSouls: z._default(positiveInt(), 10_000),
  /**
   * Opt-in: count soul-level read failures in the ledger too — a `get` answered larger than
   * `maxContentLength` (op `get`) and a `getRecord` whose stored record cannot be decoded (op
   * `getRecord`). Past the threshold such reads throw `SKIPPED` without a request.
   */
  countReadFailures: z._default(z.boolean(), false),
  /**
   * Shares the failure ledger with other workers (e.g. `RedisLedgerStore` from
   * `gun-relay-client/redis`). Skips are still decided locally, without a round trip.
   */
  ledgerStore: z.optional(ledgerStoreSchema),
  statsEvery: z._default(positiveInt(), 10),
  maxInFlight: z._default(positiveInt(), 16),
  maxQueue: z._default(intAtLeast(0), 1_000),
  maxContentLength: z._default(positiveInt(), 8 * MiB),
  maxBodyLength: z._default(positiveInt(), 8 * MiB),
  /**
   * Most entries a `list` answer (and most elements any array in a response) may hold; beyond it
   * the answer is `BAD_RESPONSE`, found by a linear scan before the body is parsed. Default 10,000
   * (the largest page `list` asks for).
   */
  maxListEntries: z._default(positiveInt(), 10_000),
  /**
   * Most link reads one `get`/`getRecord` call makes while resolving links (each soul is read at
   * most once per call); links beyond it stay links. Default 64.
   */
  maxLinkReads: z._default(intAtLeast(0), 64),
  retry: z.prefault(z.union([z.literal(false), retrySchema]), {}),
  breaker: z.prefault(z.union([z.literal(false), breakerSchema]), {}),
  /** Extra request headers (e.g. `Authorization` for a proxy). Never copied into errors, events or logs. */
  headers: z._default(
    z.record(
      z.string().check(z.regex(HEADER_NAME, 'header names must be HTTP tokens')),
      z.string().check(z.regex(HEADER_VALUE, 'header values must be visible Latin-1 characters (no control characters, no lone surrogates)')),
    ),
    {},
  ),
  clock: z._default(clockSchema, systemClock),
  /** Source of randomness for backoff jitter, in [0, 1). */
  random: z._default(z.custom<() => number>((v) => typeof v === 'function'), () => Math.random),
  logger: z.optional(loggerSchema),
  transport: z.optional(transportSchema),
});

/**
 * The one source of truth for client options. The TypeScript types {@link ClientOptions}
 * (what callers pass) and {@link ResolvedOptions} (after defaults) are inferred from it.
 */
export const clientOptionsSchema = z.pipe(clientOptionsObject, z.transform(({ timeouts, ...rest }: z.output<typeof clientOptionsObject>) => ({
  ...rest,
  timeouts: {
    put: timeouts.put ?? rest.timeoutMs ?? LEGACY_TIMEOUTS.put,
    get: timeouts.get ?? rest.timeoutMs ?? LEGACY_TIMEOUTS.get,
    delete: timeouts.delete ?? rest.timeoutMs ?? LEGACY_TIMEOUTS.delete,
    list: timeouts.list ?? rest.timeoutMs ?? LEGACY_TIMEOUTS.list,
  },
})));

/** Options accepted by `new GunRelayClient(options)`; `baseUrl` typed by entry so `classify` gets its parameter types. */
export type ClientOptions = Omit<z.input<typeof clientOptionsSchema>, 'baseUrl'> & {
  baseUrl: string | RelayEntry | ReadonlyArray<string | RelayEntry>;
};
/** Options after validation and defaults. */
export type ResolvedOptions = z.output<typeof clientOptionsSchema>;

/** Validates options; throws `INVALID_OPTIONS` naming the first offending field. */
export function resolveOptions(input: unknown): ResolvedOptions {
  const parsed = clientOptionsSchema.safeParse(input ?? {});
  if (!parsed.success) throw invalidOptionsError(parsed.error.issues[0], input ?? {}, clientOptionsSchema);
  return parsed.data;
}
