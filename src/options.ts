import { z } from 'zod';
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

const relayUrl = z
  .string()
  .trim()
  .transform((s) => s.replace(/\/+$/, ''))
  .pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }));

export const positiveMs = z.number().int().positive();

/** What Node's HTTP client accepts in a header name and value; anything else fails only when sent. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** A relay entry object: `{ url, kind, healthPath, classify }`. */
const relayEntryObject = z.strictObject({
  url: relayUrl,
  kind: z.enum(['relay', 'oip-proxy']).optional(),
  healthPath: z.string().regex(/^\//, 'must start with /').optional(),
  classify: z.custom<RelayClassifier>((v) => typeof v === 'function', { error: 'must be a function (op, status, bodyText) => verdict' }).optional(),
});

/**
 * A relay entry: a URL (a direct relay) or an entry object. Checked by hand so that a bad URL is
 * reported at the entry itself (`baseUrl[1]`), as a plain URL list always was.
 */
const relayEntry = z.any().transform((value: unknown, ctx): z.output<typeof relayEntryObject> => {
  const parsed = typeof value === 'string' ? relayUrl.safeParse(value) : relayEntryObject.safeParse(value);
  if (parsed.success) return typeof parsed.data === 'string' ? { url: parsed.data } : parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, code: 'custom', message: issue.message, path: issue.path } as never);
  return z.NEVER;
});
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
  ratio: z.number().min(0).max(1).default(0.2),
  windowMs: positiveMs.default(10_000),
  /** Retries always allowed per window, so a quiet client can still retry a lone failure. */
  minPerWindow: z.number().int().min(0).default(3),
});

const retrySchema = z.strictObject({
  retries: z.number().int().min(0).max(10).default(2),
  baseDelayMs: z.number().int().min(0).default(100),
  maxDelayMs: z.number().int().min(0).default(2_000),
  maxRetryAfterMs: z.number().int().min(0).default(5_000),
  budget: budgetSchema.prefault({}),
});

const breakerSchema = z.strictObject({
  threshold: z.number().int().positive().default(5),
  halfOpenAfterMs: positiveMs.default(5_000),
});

const timeoutsSchema = z.strictObject({
  put: positiveMs.optional(),
  get: positiveMs.optional(),
  delete: positiveMs.optional(),
  list: positiveMs.optional(),
});

/**
 * The one source of truth for client options. The TypeScript types {@link ClientOptions}
 * (what callers pass) and {@link ResolvedOptions} (after defaults) are inferred from it.
 */
export const clientOptionsSchema = z.strictObject({
  /**
   * Relay base URL, or several (the legacy `GUN_PEERS` list, comma-separated, also works). An entry
   * may be `{ url, kind: 'relay' | 'oip-proxy', healthPath?, classify? }`; a plain URL is a direct relay.
   */
  baseUrl: z
    .union([z.string(), z.array(relayEntryInput).min(1), relayEntryInput])
    .transform((v) => (Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : [v]).filter((e) => typeof e !== 'string' || e.trim() !== ''))
    .pipe(z.array(relayEntry).min(1, 'needs at least one relay URL'))
    .transform((entries) => entries.map(relayProfile)),
  /** Which calls may move to the next relay on a relay-level failure: `'none'`, `'reads'` (default) or `'all'`. */
  failover: z.enum(['none', 'reads', 'all']).default('reads'),
  /**
   * A soul-level refusal counts against the soul only when the same relay answered another soul
   * successfully within this many ms before it. 0 counts every refusal. Default 60 s.
   */
  attributionWindowMs: z.number().int().min(0).default(60_000),
  /**
   * Answers a repeated get of a soul the relay just answered "Not found" for from memory (a
   * never-written soul costs the relay 3 s). Off by default; `{}` turns it on with the defaults.
   * Keyed by relay + soul, LRU-bounded, cleared by this client's own writes of the soul.
   */
  missCache: z
    .union([
      z.literal(false),
      z.strictObject({
        /** Most misses remembered. Default 10,000. */
        maxEntries: z.number().int().positive().default(10_000),
        /** How long a miss is remembered, on the client's clock. Default 60 s. */
        ttlMs: positiveMs.default(60_000),
      }),
    ])
    .default(false),
  /**
   * Re-reads an answer that is probably a relay's misread before the caller sees it: a miss, or a
   * node with fewer live keys, for a soul this client saw present or wrote within `rememberMs`
   * (the relay answers a freshly written node read back to back with a quick false 404 or part
   * of its keys). Such a miss is never cached. On by default; `false` turns it off.
   */
  readGuard: z
    .union([
      z.literal(false),
      z.strictObject({
        /** Re-reads of one suspect answer before it is believed. Default 2. */
        rereads: z.number().int().min(0).max(10).default(2),
        /** Pause before each re-read, on the client's clock. Default 500 ms (reads 500 ms apart were whole). */
        rereadDelayMs: z.number().int().min(0).max(60_000).default(500),
        /** How long a soul seen present or written is remembered. Default 10 min. */
        rememberMs: positiveMs.default(10 * 60_000),
        /** Most souls remembered (LRU). Default 10,000. */
        maxSouls: z.number().int().positive().default(10_000),
      }),
    ])
    .prefault({}),
  /** Identical concurrent gets of one soul on one relay share one request. Default true. */
  coalesceReads: z.boolean().default(true),
  /** Default timeout for every operation not set in `timeouts`. */
  timeoutMs: positiveMs.optional(),
  /** Per-operation deadlines; defaults are the legacy module's: put 30 s, get 20 s, delete 10 s, list 10 s. */
  timeouts: timeoutsSchema.prefault({}),
  /**
   * Deadline of one HTTP attempt, within the call's: an attempt unanswered by then (the relay never
   * answers some puts) is ended and retried under `retry`. Default: none (an attempt may use the
   * call's whole deadline).
   */
  attemptTimeoutMs: positiveMs.optional(),
  failureThreshold: z.number().int().positive().default(3),
  failureTtlMs: positiveMs.default(60 * 60 * 1000),
  maxTrackedSouls: z.number().int().positive().default(10_000),
  /**
   * Opt-in: count soul-level read failures in the ledger too — a `get` answered larger than
   * `maxContentLength` (op `get`) and a `getRecord` whose stored record cannot be decoded (op
   * `getRecord`). Past the threshold such reads throw `SKIPPED` without a request.
   */
  countReadFailures: z.boolean().default(false),
  /**
   * Shares the failure ledger with other workers (e.g. `RedisLedgerStore` from
   * `gun-relay-client/redis`). Skips are still decided locally, without a round trip.
   */
  ledgerStore: ledgerStoreSchema.optional(),
  statsEvery: z.number().int().positive().default(10),
  maxInFlight: z.number().int().positive().default(16),
  maxQueue: z.number().int().min(0).default(1_000),
  maxContentLength: z.number().int().positive().default(8 * MiB),
  maxBodyLength: z.number().int().positive().default(8 * MiB),
  /**
   * Most entries a `list` answer (and most elements any array in a response) may hold; beyond it
   * the answer is `BAD_RESPONSE`, found by a linear scan before the body is parsed. Default 10,000
   * (the largest page `list` asks for).
   */
  maxListEntries: z.number().int().positive().default(10_000),
  /**
   * Most link reads one `get`/`getRecord` call makes while resolving links (each soul is read at
   * most once per call); links beyond it stay links. Default 64.
   */
  maxLinkReads: z.number().int().min(0).default(64),
  retry: z.union([z.literal(false), retrySchema]).prefault({}),
  breaker: z.union([z.literal(false), breakerSchema]).prefault({}),
  /** Extra request headers (e.g. `Authorization` for a proxy). Never copied into errors, events or logs. */
  headers: z
    .record(
      z.string().regex(HEADER_NAME, 'header names must be HTTP tokens'),
      z.string().regex(HEADER_VALUE, 'header values must be visible Latin-1 characters (no control characters, no lone surrogates)'),
    )
    .default({}),
  clock: clockSchema.default(systemClock),
  /** Source of randomness for backoff jitter, in [0, 1). */
  random: z.custom<() => number>((v) => typeof v === 'function').default(() => Math.random),
  logger: loggerSchema.optional(),
  transport: transportSchema.optional(),
}).transform(({ timeouts, ...rest }) => ({
  ...rest,
  timeouts: {
    put: timeouts.put ?? rest.timeoutMs ?? LEGACY_TIMEOUTS.put,
    get: timeouts.get ?? rest.timeoutMs ?? LEGACY_TIMEOUTS.get,
    delete: timeouts.delete ?? rest.timeoutMs ?? LEGACY_TIMEOUTS.delete,
    list: timeouts.list ?? rest.timeoutMs ?? LEGACY_TIMEOUTS.list,
  },
}));

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
