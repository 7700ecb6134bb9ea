import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import * as z from 'zod/mini';
import { systemClock } from '../../clock.js';
import { clockSchema, positiveMs, type ClientOptions } from '../../options.js';
import { invalidOptionsError } from '../../optionsMessages.js';
import type { LeaseStore } from '../../stores/LeaseStore.js';
import type { LedgerStore } from '../../stores/LedgerStore.js';
import type { RelayEntry } from '../../relays/RelayProfile.js';
import { OIP_RECORD_TYPES } from './recordTypes.js';
import type { OipCopiedEvent, OipDeletedEvent } from './hooks.js';

/**
 * A relay the worker reaches: a URL or a relay entry (`{ url, kind: 'oip-proxy' }`). The worker
 * creates and owns its clients (tune them with `clientOptions`, `localClientOptions`).
 */
export type OipRelayInput = string | RelayEntry;

const relayInput = z.custom<OipRelayInput>(
  (v) => typeof v === 'string' || (typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { url?: unknown }).url === 'string'),
  { error: 'must be a URL or a relay entry ({ url, kind })' },
);
const clientOptionsInput = z.custom<Partial<Omit<ClientOptions, 'baseUrl' | 'clock' | 'ledgerStore'>>>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && !('baseUrl' in v) && !('clock' in v) && !('ledgerStore' in v),
  { error: 'must be an object of client options without baseUrl, clock or ledgerStore (the worker sets those)' },
);

const fn = <T>(what: string) => z.custom<T>((v) => typeof v === 'function', { error: `must be a function ${what}` });

const name200 = () => z.string().check(z.minLength(1), z.maxLength(200));
const fraction = (fallback: number) => z._default(z.number().check(z.gte(0), z.lte(1)), fallback);

/** Every worker option, checked and defaulted; {@link oipSyncWorkerOptionsSchema} adds the node id. */
const oipSyncWorkerOptionsObject = z.strictObject({
    /**
     * The peers to copy from. A URL ending in `/gun-relay` is a peer's OIP proxy (relay profile
     * `oip-proxy`: its 500 for a missing soul reads as a miss); other URLs are direct relays.
     */
    peers: z.array(relayInput).check(z.minLength(1)),
    /** The local relay the records are copied into. */
    local: relayInput,
    /** This node's id in its registry entries. Default: 16 hex characters from the host name. */
    nodeId: z.optional(name200()),
    /** The record types to sync. Default {@link OIP_RECORD_TYPES} (the indexer's 37). */
    recordTypes: z._default(
      z.array(name200()).check(
        z.minLength(1),
        z.refine((types: string[]) => new Set(types).size === types.length, { error: 'must not repeat a type' }),
      ),
      () => [...OIP_RECORD_TYPES],
    ),
    /** Names the loop, its lease and health. Default `'oip-sync'`. */
    name: z._default(name200(), 'oip-sync'),
    /** Time from the end of one cycle to the start of the next. Default 15 min (the indexer's `GUN_SYNC_INTERVAL`). */
    intervalMs: z._default(positiveMs, 15 * 60_000),
    /** A cycle still running after this is aborted and reported `timedOut`. Default 10 min. */
    cycleTimeoutMs: z._default(positiveMs, 10 * 60_000),
    /** Adds up to this fraction of the interval, at random, to each wait (0..1). Default 0. */
    intervalJitter: fraction(0),
    /** With a lease store, only the holder of lease `name` runs cycles (a fleet runs one sync at a time). */
    lease: z.optional(
      z.custom<LeaseStore>(
        (v) => typeof v === 'object' && v !== null && ['acquire', 'extend', 'release'].every((m) => typeof (v as unknown as Record<string, unknown>)[m] === 'function'),
        { error: 'must be a LeaseStore ({ acquire, extend, release })' },
      ),
    ),
    /** Who this worker is in the lease store. */
    holder: z.optional(name200()),
    /** Shares the local client's failure ledger with other workers (e.g. `RedisLedgerStore` from `gun-relay-client/redis`). */
    ledgerStore: z.optional(
      z.custom<LedgerStore>((v) => typeof v === 'object' && v !== null && typeof (v as LedgerStore).connect === 'function', {
        error: 'must implement LedgerStore ({ connect(sink, config) })',
      }),
    ),
    /** How long the cached indexes are trusted, and how their re-reads are spread. */
    snapshots: z.prefault(
      z.strictObject({
        /** A peer index the peer did not have is checked again after this. Default 10 min. */
        missingTtlMs: z._default(positiveMs, 10 * 60_000),
        /** A local type index (and the local deletion index) is read again after this. Default 10 min. */
        localTtlMs: z._default(positiveMs, 10 * 60_000),
        /** Each TTL is shortened by up to this fraction, so re-reads spread over cycles (0..1). Default 0.5. */
        jitter: fraction(0.5),
        /**
         * Most index reads per cycle, re-reads of cached indexes included; first reads and the reads
         * done every cycle (the peers' found type indexes and deletion indexes) always happen.
         * Default: one per record type per peer, what the indexer's `GunSyncService` sends.
         */
        maxIndexReadsPerCycle: z.optional(z.int().check(z.positive())),
      }),
      {},
    ),
    /** Record reads and writes in flight at once. Default 16. */
    concurrency: z._default(z.int().check(z.gte(1), z.lte(256)), 16),
    /** Client options for every client the worker creates (timeouts, retry, headers, ...). */
    clientOptions: z.optional(clientOptionsInput),
    /** Client options for the local relay's client only, over `clientOptions` (e.g. `failureThreshold`, `statsEvery`). */
    localClientOptions: z.optional(clientOptionsInput),
    /** Cycles kept by `recentCycles()`. Default 50. */
    keepCycles: z._default(z.int().check(z.gte(1), z.lte(10_000)), 50),
    /** Called for each record copied, before it is registered; a throw is an app failure of op `onCopied`. */
    onCopied: z.optional(fn<(event: OipCopiedEvent) => unknown>('(event) => void | Promise<void>')),
    /** Called for each peer deletion applied locally; a throw is an app failure of op `onDeleted`. */
    onDeleted: z.optional(fn<(event: OipDeletedEvent) => unknown>('(event) => void | Promise<void>')),
    clock: z._default(clockSchema, systemClock),
    /** Source of randomness for the jitters, in [0, 1). */
    random: z._default(fn<() => number>('returning a number in [0, 1)'), () => Math.random),
  });

/** The one source of truth for `OipSyncWorker` options; the types are inferred from it. */
export const oipSyncWorkerOptionsSchema = z.pipe(
  oipSyncWorkerOptionsObject,
  z.transform((o: z.output<typeof oipSyncWorkerOptionsObject>) => ({ ...o, nodeId: o.nodeId ?? defaultNodeId() })),
);

/** Options of `new OipSyncWorker(options)`. */
export type OipSyncWorkerOptions = z.input<typeof oipSyncWorkerOptionsSchema>;
/** Options after validation and defaults. */
export type ResolvedOipSyncWorkerOptions = z.output<typeof oipSyncWorkerOptionsSchema>;

/** Validates options; throws `INVALID_OPTIONS` naming the first offending field. */
export function resolveOipSyncWorkerOptions(input: OipSyncWorkerOptions): ResolvedOipSyncWorkerOptions {
  const parsed = oipSyncWorkerOptionsSchema.safeParse(input ?? {});
  if (!parsed.success) throw invalidOptionsError(parsed.error.issues[0], input ?? {}, oipSyncWorkerOptionsSchema, 'OipSyncWorker option');
  return parsed.data;
}

/** A relay entry from a URL: a `/gun-relay` URL is a peer's OIP proxy. */
export function relayEntryOf(input: string | RelayEntry): RelayEntry {
  if (typeof input !== 'string') return input;
  const url = input.trim().replace(/\/+$/, '');
  return /\/gun-relay$/.test(url) ? { url, kind: 'oip-proxy' } : { url };
}

function defaultNodeId(): string {
  return createHash('sha256').update(hostname()).digest('hex').slice(0, 16);
}
