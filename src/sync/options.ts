import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import { GunRelayClient } from '../client/GunRelayClient.js';
import { systemClock } from '../clock.js';
import { clockSchema, positiveMs } from '../options.js';
import { invalidOptionsError } from '../optionsMessages.js';
import type { LeaseStore } from '../stores/LeaseStore.js';
import type { Cycle } from './types.js';

const leaseStoreSchema = z.custom<LeaseStore>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    ['acquire', 'extend', 'release'].every((m) => typeof (v as unknown as Record<string, unknown>)[m] === 'function'),
  { error: 'must be a LeaseStore ({ acquire, extend, release })' },
);

/** Every loop option, checked and defaulted; {@link syncLoopOptionsSchema} adds the derived defaults. */
const syncLoopOptionsObject = z.strictObject({
    /** Names the loop in events and health, and is the lease's name. */
    name: z.string().check(z.minLength(1), z.maxLength(200)),
    client: z.custom<GunRelayClient>((v) => v instanceof GunRelayClient, { error: 'must be a GunRelayClient' }),
    /** Time from the end of one cycle to the start of the next. */
    intervalMs: positiveMs,
    /** A cycle still running after this is aborted through its signal and reported `timedOut`. */
    cycleTimeoutMs: positiveMs,
    run: z.custom<(cycle: Cycle) => unknown>((v) => typeof v === 'function', { error: 'must be a function' }),
    clock: z._default(clockSchema, systemClock),
    /** Adds up to this fraction of the interval, at random, to each wait (0..1). */
    jitter: z._default(z.number().check(z.gte(0), z.lte(1)), 0),
    /** Source of randomness for the jitter, in [0, 1); a value outside it (NaN included) counts as 0 or 1. */
    random: z._default(z.custom<() => number>((v) => typeof v === 'function'), () => Math.random),
    /** With a lease store, a cycle runs only while this loop holds lease `name`. */
    lease: z.optional(leaseStoreSchema),
    /** Who this loop is in the lease store. Default `hostname:pid:random`. */
    holder: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
    /** The lease's TTL; it must cover the cycle timeout. Default `cycleTimeoutMs` + 10 % (at least 1 s). */
    leaseTtlMs: z.optional(positiveMs),
    /** True: a started loop does not keep the process alive by itself (default false: it does, until `stop()`). */
    unref: z._default(z.boolean(), false),
    /** Health turns `stale` after this long without a successful cycle. Default 2 × `intervalMs`. */
    staleAfterMs: z.optional(positiveMs),
  });

/** The one source of truth for {@link SyncLoop} options; the types are inferred from it. */
export const syncLoopOptionsSchema = z
  .pipe(
    syncLoopOptionsObject,
    z.transform((o: z.output<typeof syncLoopOptionsObject>) => ({
      ...o,
      holder: o.holder ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
      leaseTtlMs: o.leaseTtlMs ?? o.cycleTimeoutMs + Math.max(1_000, Math.ceil(o.cycleTimeoutMs / 10)),
      staleAfterMs: o.staleAfterMs ?? 2 * o.intervalMs,
    })),
  )
  .check(z.refine((o) => o.leaseTtlMs > o.cycleTimeoutMs, { error: 'must be longer than cycleTimeoutMs', path: ['leaseTtlMs'] }));

/** Options of `new SyncLoop(options)`; `run` returns what the cycle report's `result` holds. */
export type SyncLoopOptions<R = unknown> = Omit<z.input<typeof syncLoopOptionsSchema>, 'run'> & {
  run: (cycle: Cycle) => R | Promise<R>;
};
/** Options after validation and defaults. */
export type ResolvedSyncLoopOptions<R = unknown> = Omit<z.output<typeof syncLoopOptionsSchema>, 'run'> & {
  run: (cycle: Cycle) => R | Promise<R>;
};

/** Validates options; throws `INVALID_OPTIONS` naming the first offending field. */
export function resolveSyncLoopOptions<R>(input: SyncLoopOptions<R>): ResolvedSyncLoopOptions<R> {
  const parsed = syncLoopOptionsSchema.safeParse(input ?? {});
  if (!parsed.success) {
    // A misspelt option (`intervalMS`) says so, with the name meant, before "intervalMs is required".
    const issues = parsed.error.issues;
    const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
    throw invalidOptionsError(issue, input ?? {}, syncLoopOptionsSchema, 'SyncLoop option');
  }
  return parsed.data as ResolvedSyncLoopOptions<R>;
}
