import * as z from 'zod/mini';
import { systemClock, type Clock } from '../clock.js';
import { invalidOptionsError } from '../optionsMessages.js';

/**
 * One reading of the process's memory, in bytes. `process.memoryUsage()` returns one; RSS is the
 * number that matches what the container/cgroup sees.
 */
export interface MemoryReading {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/** Where readings come from; the default is `process.memoryUsage`. Inject a fake in tests. */
export type MemorySource = () => MemoryReading;

/**
 * Starts and stops the periodic sampling. The default wraps the global `setInterval` and unrefs
 * the timer so a running monitor never keeps the process alive; inject a fake to drive sampling by hand.
 */
export interface IntervalScheduler {
  /** Calls `callback` every `ms` milliseconds until cleared; returns a handle for `clearInterval`. */
  setInterval(callback: () => void, ms: number): unknown;
  /** Cancels an interval returned by `setInterval`. */
  clearInterval(handle: unknown): void;
}

/** The production scheduler: real intervals, unref'd. */
const unrefScheduler: IntervalScheduler = {
  setInterval(callback, ms) {
    const handle = setInterval(callback, ms);
    handle.unref();
    return handle;
  },
  clearInterval(handle) {
    clearInterval(handle as NodeJS.Timeout);
  },
};

const readProcessMemory: MemorySource = () => process.memoryUsage();

const isFunction = (value: unknown): boolean => typeof value === 'function';

/**
 * The one source of truth for {@link MemoryMonitor} options. Unknown keys are rejected so a typo
 * (`interval` for `intervalMs`) fails loudly instead of silently using a default.
 */
export const memoryMonitorOptionsSchema = z.strictObject({
  /** Sampling period in ms (default 10 s). */
  intervalMs: z._default(z.int().check(z.positive()), 10_000),
  /** Sliding window over which growth rates are computed, in ms (default 60 s). */
  windowMs: z._default(z.int().check(z.positive()), 60_000),
  /** Emit `alert` when the RSS rate stays above `rssMbPerMin` for `forMs`; omit for no alerts. */
  alert: z.optional(
    z.strictObject({
      rssMbPerMin: z.number().check(z.positive()),
      forMs: z.int().check(z.nonnegative()),
    }),
  ),
  /** Emit a `summary` event every this many samples (default 6); 0 = only on `stop()`. */
  summaryEvery: z._default(z.int().check(z.nonnegative()), 6),
  /** At most this many named categories (default 32); later names are folded into `other`. */
  maxCategories: z._default(z.int().check(z.positive(), z.lte(10_000)), 32),
  /** Source of time; default {@link systemClock}. */
  clock: z._default(
    z.custom<Clock>((v) => typeof v === 'object' && v !== null && isFunction((v as Clock).now), 'clock must have a now() method'),
    () => systemClock,
  ),
  /** Source of memory readings; default `process.memoryUsage`. */
  memory: z._default(z.custom<MemorySource>(isFunction, 'memory must be a function returning a memory reading'), () => readProcessMemory),
  /** Interval scheduler; default real, unref'd `setInterval`. */
  timers: z._default(
    z.custom<IntervalScheduler>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        isFunction((v as IntervalScheduler).setInterval) &&
        isFunction((v as IntervalScheduler).clearInterval),
      'timers must have setInterval() and clearInterval()',
    ),
    () => unrefScheduler,
  ),
});

/** What the {@link MemoryMonitor} constructor accepts (every field optional). */
export type MemoryMonitorOptions = z.input<typeof memoryMonitorOptionsSchema>;

/** The options after defaults are applied. */
export type ResolvedMemoryMonitorOptions = z.output<typeof memoryMonitorOptionsSchema>;

/** Validates options; throws `GunRelayError` with code `INVALID_OPTIONS` and the field's path. */
export function parseMemoryMonitorOptions(
  options: MemoryMonitorOptions = {},
): ResolvedMemoryMonitorOptions {
  const parsed = memoryMonitorOptionsSchema.safeParse(options);
  if (parsed.success) return parsed.data;
  throw invalidOptionsError(parsed.error.issues[0], options, memoryMonitorOptionsSchema, 'MemoryMonitor option');
}
