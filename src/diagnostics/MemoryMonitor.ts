import { EventEmitter } from 'eventemitter3';
import { epochNow } from '../clock.js';
import { GunRelayError } from '../errors.js';
import type { SettleEvent } from '../events.js';
import { CategoryLedger } from './CategoryLedger.js';
import type { MemoryMonitorEvents, MemorySample, MemorySummary } from './events.js';
import {
  parseMemoryMonitorOptions,
  type MemoryMonitorOptions,
  type MemoryReading,
  type ResolvedMemoryMonitorOptions,
} from './options.js';
import { SampleWindow, type TimedReading } from './SampleWindow.js';

/**
 * Anything that emits the client's `settle` events and returns a disposer from `on()`, such as a
 * `GunRelayClient`. Typed structurally so the diagnostics entry does not import the client.
 */
export interface SettleEventSource {
  on(event: 'settle', listener: (event: SettleEvent) => void): () => void;
}

/**
 * Opt-in watcher of the process's memory for long-running workers: samples `process.memoryUsage()`
 * on an unref'd interval, reports growth rates in MB/min over a sliding window, raises an alert when
 * RSS keeps growing too fast, and attributes growth to categories of operation. RSS is the primary
 * signal: V8's `external` counter has been seen to disagree with what the container really uses.
 */
export class MemoryMonitor {
  private readonly options: ResolvedMemoryMonitorOptions;
  private readonly emitter = new EventEmitter<MemoryMonitorEvents>();
  private readonly window: SampleWindow;
  private readonly ledger: CategoryLedger;
  private readonly attached = new Map<SettleEventSource, () => void>();
  private handle: unknown;
  private isRunning = false;
  private samples = 0;
  private latest: MemorySample | undefined;
  private previous: TimedReading | undefined;
  /** Growth measured by `track()` calls that finished since the last sample. */
  private trackedRss = 0;
  private trackedHeap = 0;
  private unattributedRss = 0;
  private unattributedHeap = 0;
  private aboveSince: number | undefined;
  private alertedAt: number | undefined;

  /** Validates `options` (throws `GunRelayError` `INVALID_OPTIONS`); nothing runs until `start()`. */
  constructor(options: MemoryMonitorOptions = {}) {
    this.options = parseMemoryMonitorOptions(options);
    this.window = new SampleWindow(this.options.windowMs);
    this.ledger = new CategoryLedger(this.options.maxCategories);
  }

  /** True between `start()` and `stop()`. */
  get running(): boolean {
    return this.isRunning;
  }

  /** True while an `alert` has been emitted and not yet cleared. */
  get alerting(): boolean {
    return this.alertedAt !== undefined;
  }

  /**
   * Subscribes to an event; returns a disposer. A listener that throws never breaks sampling or the
   * caller of `track()`: the error is reported as `listenerError`.
   */
  on<E extends keyof MemoryMonitorEvents>(event: E, listener: MemoryMonitorEvents[E]): () => void {
    const safe = ((...args: unknown[]) => {
      try {
        (listener as (...a: unknown[]) => void)(...args);
      } catch (error) {
        if (event !== 'listenerError') this.emit('listenerError', { event, error });
      }
    }) as MemoryMonitorEvents[E];
    this.emitter.on(event, safe as never);
    return () => {
      this.emitter.off(event, safe as never);
    };
  }

  /** Takes a baseline sample and samples every `intervalMs` until `stop()`. Idempotent. */
  start(): void {
    if (this.isRunning) return;
    this.isRunning = true;
    this.handle = this.options.timers.setInterval(() => this.scheduledSample(), this.options.intervalMs);
    // The default scheduler already unrefs; also unref an injected real timer if it can be.
    (this.handle as { unref?: () => void } | undefined)?.unref?.();
    this.scheduledSample();
  }

  /**
   * Cancels the interval (nothing stays scheduled), takes a last sample so the final interval is
   * attributed, and emits `summary`. Attached sources stay attached; see `close()`.
   */
  stop(): void {
    if (!this.isRunning) return;
    this.isRunning = false;
    this.options.timers.clearInterval(this.handle);
    this.handle = undefined;
    if (this.latest?.at !== this.options.clock.now()) this.scheduledSample(false);
    this.emit('summary', this.summary());
  }

  /** `stop()`, then detaches every attached source. */
  close(): void {
    this.stop();
    for (const dispose of [...this.attached.values()]) dispose();
  }

  /** Takes a sample now (whether or not the monitor is started), emits `sample`, and returns it. */
  sampleNow(): MemorySample {
    return this.takeSample(true);
  }

  /**
   * Runs `fn` and counts it under `category`, with the RSS and heap delta measured across it.
   * The delta is process-wide: concurrent work and GC land in it too, so read totals over many
   * operations, not one. Rejections/throws are counted as errors and passed through.
   */
  track<T>(category: string, fn: () => Promise<T>): Promise<T>;
  track<T>(category: string, fn: () => T): T;
  track<T>(category: string, fn: () => T | Promise<T>): T | Promise<T> {
    if (typeof category !== 'string' || category.length === 0) {
      throw new GunRelayError('INVALID_INPUT', 'track() needs a non-empty category name');
    }
    const before = this.safeRead();
    let result: T | Promise<T>;
    try {
      result = fn();
    } catch (error) {
      this.finishTracked(category, before, true);
      throw error;
    }
    if (!isPromiseLike(result)) {
      this.finishTracked(category, before, false);
      return result;
    }
    return Promise.resolve(result).then(
      (value) => {
        this.finishTracked(category, before, false);
        return value;
      },
      (error: unknown) => {
        this.finishTracked(category, before, true);
        throw error;
      },
    );
  }

  /**
   * Counts a client's operations under `gun.<op>` from its `settle` events; returns a disposer.
   * Their growth is an attribution, not a measurement: the RSS/heap growth between two samples,
   * minus what `track()` measured in that interval, is shared among the operations settled in it
   * in proportion to their count. Attaching the same source twice returns the same disposer.
   */
  attach(source: SettleEventSource): () => void {
    const existing = this.attached.get(source);
    if (existing) return existing;
    if (typeof (source as Partial<SettleEventSource> | undefined)?.on !== 'function') {
      throw new GunRelayError('INVALID_INPUT', 'attach() needs an object with on(event, listener)');
    }
    const off = source.on('settle', (event) => {
      this.ledger.recordPending(`gun.${event.op}`, event.outcome === 'error');
    });
    let disposed = false;
    const dispose = (): void => {
      if (disposed) return;
      disposed = true;
      this.attached.delete(source);
      off();
    };
    this.attached.set(source, dispose);
    return dispose;
  }

  /** Stops counting `source`'s operations; false if it was not attached. */
  detach(source: SettleEventSource): boolean {
    const dispose = this.attached.get(source);
    dispose?.();
    return dispose !== undefined;
  }

  /** Per-category totals since creation, largest RSS growth first, plus the latest sample. */
  summary(): MemorySummary {
    return {
      at: this.options.clock.now(),
      timestamp: epochNow(this.options.clock),
      samples: this.samples,
      latest: this.latest,
      categories: this.ledger.snapshot(),
      unattributed: { rssGrowthBytes: this.unattributedRss, heapGrowthBytes: this.unattributedHeap },
    };
  }

  private scheduledSample(withCadence = true): void {
    try {
      this.takeSample(withCadence);
    } catch (error) {
      this.emit('sampleError', { at: this.options.clock.now(), timestamp: epochNow(this.options.clock), error });
    }
  }

  private takeSample(withCadence: boolean): MemorySample {
    const m = this.options.memory();
    const reading: TimedReading = {
      at: this.options.clock.now(),
      rss: m.rss,
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
    };
    const rates = this.window.push(reading);
    this.attributeInterval(reading);
    this.samples += 1;
    const sample: MemorySample = { ...reading, timestamp: epochNow(this.options.clock), ...rates, spanMs: Math.round(rates.spanMs) };
    this.latest = sample;
    this.emit('sample', sample);
    this.checkAlert(sample);
    const every = this.options.summaryEvery;
    if (withCadence && every > 0 && this.samples % every === 0) this.emit('summary', this.summary());
    return sample;
  }

  /** Shares the growth since the previous sample that `track()` did not measure. */
  private attributeInterval(reading: TimedReading): void {
    const previous = this.previous;
    this.previous = reading;
    const trackedRss = this.trackedRss;
    const trackedHeap = this.trackedHeap;
    this.trackedRss = 0;
    this.trackedHeap = 0;
    if (!previous) {
      this.ledger.dropPending();
      return;
    }
    const rss = reading.rss - previous.rss - trackedRss;
    const heap = reading.heapUsed - previous.heapUsed - trackedHeap;
    if (!this.ledger.sharePending(rss, heap)) {
      this.unattributedRss += rss;
      this.unattributedHeap += heap;
    }
  }

  private checkAlert(sample: MemorySample): void {
    const alert = this.options.alert;
    if (!alert) return;
    if (sample.rssMbPerMin > alert.rssMbPerMin) {
      this.aboveSince ??= sample.at;
      const aboveForMs = sample.at - this.aboveSince;
      if (this.alertedAt === undefined && aboveForMs >= alert.forMs) {
        this.alertedAt = sample.at;
        this.emit('alert', {
          at: sample.at,
          timestamp: sample.timestamp,
          rssMbPerMin: sample.rssMbPerMin,
          thresholdMbPerMin: alert.rssMbPerMin,
          aboveForMs: Math.round(aboveForMs),
          rss: sample.rss,
        });
      }
      return;
    }
    this.aboveSince = undefined;
    if (this.alertedAt === undefined) return;
    const alertedForMs = sample.at - this.alertedAt;
    this.alertedAt = undefined;
    this.emit('alertCleared', {
      at: sample.at,
      timestamp: sample.timestamp,
      rssMbPerMin: sample.rssMbPerMin,
      thresholdMbPerMin: alert.rssMbPerMin,
      alertedForMs: Math.round(alertedForMs),
      rss: sample.rss,
    });
  }

  private finishTracked(category: string, before: MemoryReading | undefined, failed: boolean): void {
    const after = before ? this.safeRead() : undefined;
    const rss = before && after ? after.rss - before.rss : 0;
    const heap = before && after ? after.heapUsed - before.heapUsed : 0;
    this.ledger.record(category, failed, rss, heap);
    this.trackedRss += rss;
    this.trackedHeap += heap;
  }

  /** A reading, or undefined if the source throws: measuring must never break the tracked call. */
  private safeRead(): MemoryReading | undefined {
    try {
      const { rss, heapUsed, heapTotal, external, arrayBuffers } = this.options.memory();
      return { rss, heapUsed, heapTotal, external, arrayBuffers };
    } catch {
      return undefined;
    }
  }

  private emit<E extends keyof MemoryMonitorEvents>(
    event: E,
    ...args: Parameters<MemoryMonitorEvents[E]>
  ): void {
    (this.emitter.emit as (e: E, ...a: unknown[]) => boolean)(event, ...args);
  }
}

function isPromiseLike<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
