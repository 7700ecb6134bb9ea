import { z } from 'zod';
import { systemClock, type Clock } from './clock.js';
import { invalidOptionsError } from './optionsMessages.js';
import type { LedgerStore } from './stores/LedgerStore.js';
import type { Transport } from './transport/Transport.js';

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

export const clockSchema = z.custom<Clock>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Clock).now === 'function' &&
    typeof (v as Clock).sleep === 'function' &&
    typeof (v as Clock).setTimer === 'function',
  { error: 'must be a Clock ({ now(), sleep(ms, signal), setTimer(ms, fn) })' },
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
  /** Relay base URL, or several for failover (the legacy `GUN_PEERS` list, comma-separated, also works). */
  baseUrl: z
    .union([z.string(), z.array(z.string()).min(1)])
    .transform((v) => (Array.isArray(v) ? v : v.split(',')).filter((s) => s.trim() !== ''))
    .pipe(z.array(relayUrl).min(1, 'needs at least one relay URL')),
  /** Default timeout for every operation not set in `timeouts`. */
  timeoutMs: positiveMs.optional(),
  /** Per-operation deadlines; defaults are the legacy module's: put 30 s, get 20 s, delete 10 s, list 10 s. */
  timeouts: timeoutsSchema.prefault({}),
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

/** Options accepted by `new GunRelayClient(options)`. */
export type ClientOptions = z.input<typeof clientOptionsSchema>;
/** Options after validation and defaults. */
export type ResolvedOptions = z.output<typeof clientOptionsSchema>;

/** Validates options; throws `INVALID_OPTIONS` naming the first offending field. */
export function resolveOptions(input: unknown): ResolvedOptions {
  const parsed = clientOptionsSchema.safeParse(input ?? {});
  if (!parsed.success) throw invalidOptionsError(parsed.error.issues[0], input ?? {}, clientOptionsSchema);
  return parsed.data;
}
