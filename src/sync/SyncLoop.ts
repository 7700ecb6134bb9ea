import { setMaxListeners } from 'node:events';
import { Counters } from '../client/Counters.js';
import { SafeEmitter } from '../client/SafeEmitter.js';
import { epochNow, setClockTimer, type TimerHandle } from '../clock.js';
import { cycleChannel, isTraced, type CycleTrace } from '../tracing/channels.js';
import { CycleAbort } from './CycleAbort.js';
import { cycleView } from './cycleView.js';
import { loggerOf, unitWarnings } from '../client/unitWarnings.js';
import { logSafely } from '../client/logging.js';
import { describeThrown } from './describeThrown.js';
import { LoopHealth } from './LoopHealth.js';
import { CycleLease, fleetRestMs } from './CycleLease.js';
import { resolveSyncLoopOptions, type ResolvedSyncLoopOptions, type SyncLoopOptions } from './options.js';
import type { Cycle, CycleLeaseReport, CycleOutcome, CycleReport, SyncLoopEvents, SyncLoopHealth } from './types.js';

/**
 * Runs a sync job as cycles that never overlap: one now on `start()`, the next `intervalMs`
 * (plus jitter) after the end of the last. A cycle outliving `cycleTimeoutMs` is aborted. Each
 * cycle gets a view of the client that counts its calls, and ends with a `cycle` event. With a
 * lease store, a cycle runs only while this loop holds the lease named after it.
 */
export class SyncLoop<R = unknown> {
  private readonly options: ResolvedSyncLoopOptions<R>;
  private readonly events = new SafeEmitter<SyncLoopEvents<R>>();
  private readonly healthState: LoopHealth;
  private running: Promise<CycleReport<R>> | undefined;
  private abortRunning: ((reason: CycleAbort) => void) | undefined;
  private next: TimerHandle | undefined;
  private started = false;
  /** Holds the process open while started (unless `unref`): the cycle timers alone are unref'd. */
  private keepAlive: ReturnType<typeof setInterval> | undefined;
  private count = 0;

  /** Validates `options` (throws `INVALID_OPTIONS` naming the field). Nothing runs before `start()` or `trigger()`. */
  constructor(options: SyncLoopOptions<R>) {
    this.options = resolveSyncLoopOptions(options);
    const { intervalMs, cycleTimeoutMs, client, name } = this.options;
    const logger = loggerOf(client);
    for (const warning of unitWarnings({ intervalMs, cycleTimeoutMs })) logSafely(logger, 'warn', { loop: name, option: warning.split(':')[0] }, `gun relay: SyncLoop ${warning}`);
    this.healthState = new LoopHealth(this.options);
  }

  /** The loop's name. */
  get name(): string {
    return this.options.name;
  }

  /** Subscribes to an event; returns a function that unsubscribes. */
  on<E extends keyof SyncLoopEvents<R>>(event: E, listener: SyncLoopEvents<R>[E]): () => void {
    return this.events.on(event, listener);
  }

  /** Removes a listener added with `on`. */
  off<E extends keyof SyncLoopEvents<R>>(event: E, listener: SyncLoopEvents<R>[E]): void {
    this.events.off(event, listener);
  }

  /**
   * Starts the loop: a cycle now, then one `intervalMs` after each end. Idempotent. Until `stop()`,
   * the started loop keeps the process alive (a worker is just `loop.start()`), unless `unref: true`.
   */
  start(): void {
    if (this.started) return;
    this.started = true;
    if (!this.options.unref) this.keepAlive = setInterval(() => {}, KEEP_ALIVE_MS);
    this.healthState.started(this.options.clock.now());
    void this.trigger();
  }

  /**
   * Runs a cycle now, or returns the running cycle's promise if one is running (cycles never
   * overlap). The scheduled cycle, if any, is replaced: the next is scheduled from this one's end.
   * Never rejects: a failure is the report's `outcome`.
   */
  trigger(): Promise<CycleReport<R>> {
    if (this.running) return this.running;
    this.next?.cancel();
    this.next = undefined;
    const cycle = this.runCycle().finally(() => {
      this.running = undefined;
      this.abortRunning = undefined;
      if (this.started) this.schedule();
    });
    this.running = cycle;
    return cycle;
  }

  /**
   * Stops scheduling. With `drain` (default) waits for the running cycle, at most `timeoutMs`
   * (default `cycleTimeoutMs`), then aborts it; without, aborts it at once. Resolves once no
   * cycle runs.
   */
  async stop(opts: { drain?: boolean; timeoutMs?: number } = {}): Promise<void> {
    this.started = false;
    clearInterval(this.keepAlive);
    this.keepAlive = undefined;
    this.healthState.stopped();
    this.next?.cancel();
    this.next = undefined;
    const running = this.running;
    if (!running) return;
    if (opts.drain === false) {
      this.abortRunning?.(new CycleAbort('stopped', `${this.name}: stopped`));
    } else {
      const bound = setClockTimer(this.options.clock, opts.timeoutMs ?? this.options.cycleTimeoutMs, () =>
        this.abortRunning?.(new CycleAbort('stopped', `${this.name}: stopped; the drain ran out of time`)),
      );
      await running;
      bound.cancel();
    }
    await running;
  }

  /** True while a cycle runs. */
  get isRunning(): boolean {
    return this.running !== undefined;
  }

  /** Freshness judged against this loop's own interval (stale after `staleAfterMs`), with reasons. */
  health(): SyncLoopHealth {
    return this.healthState.report(this.options.clock.now(), this.running !== undefined);
  }

  private schedule(): void {
    const { intervalMs, jitter, random, clock } = this.options;
    const delay = intervalMs + Math.round(unitRandom(random) * jitter * intervalMs);
    this.next = setClockTimer(clock, delay, () => {
      this.next = undefined;
      void this.trigger();
    });
  }

  /** Runs one cycle, inside a `cycle` trace when someone subscribes. */
  private runCycle(): Promise<CycleReport<R>> {
    const number = ++this.count;
    const began = this.options.clock.now();
    const startedAt = epochNow(this.options.clock);
    if (!isTraced(cycleChannel)) return this.execute(number, began, startedAt);
    const ctx: CycleTrace = { name: this.name, number, startedAt };
    return cycleChannel.tracePromise(async () => {
      const report = await this.execute(number, began, startedAt);
      if (report.outcome !== 'ok') {
        ctx.error = report.error;
        cycleChannel.error.publish(ctx);
      }
      return report;
    }, ctx);
  }

  private async execute(number: number, began: number, startedAt: number): Promise<CycleReport<R>> {
    const { clock, name, cycleTimeoutMs } = this.options;
    const controller = new AbortController();
    // Every call in flight through the cycle's clients listens to this one signal.
    setMaxListeners(0, controller.signal);
    const abort = (reason: CycleAbort): void => {
      if (!controller.signal.aborted) controller.abort(reason);
    };
    this.abortRunning = abort;
    const tally = new Counters();
    const reads = new Map<object, { close(): void }>();
    this.events.emit('cycleStart', { name, number, startedAt });

    const lease = this.options.lease ? new CycleLease(this.options, abort) : undefined;
    let outcome: CycleOutcome = 'ok';
    /** Set when the cycle did not succeed: what it threw, or the abort's reason (`throw undefined` included). */
    let error: { thrown: unknown } | undefined;
    let result: R | undefined;
    let leaseReport: CycleLeaseReport | undefined;
    const timeout = setClockTimer(clock, cycleTimeoutMs, () => abort(new CycleAbort('timedOut', `${name}: cycle ${number} outlived ${cycleTimeoutMs} ms`)));
    try {
      // A store that never answers must not hold the cycle past its timeout or a stop.
      const got = lease ? await untilAborted(lease.acquire(), controller.signal) : undefined;
      if (got !== undefined && !got.granted) {
        outcome = 'leaseUnavailable';
        leaseReport = 'unreachable' in got ? { refused: 'unreachable' } : { refused: got.refusal.reason, holder: got.refusal.holder, retryInMs: got.refusal.retryInMs };
        if ('unreachable' in got) error = { thrown: Object.assign(new Error(`${name}: the lease store is unreachable (${got.unreachable})`), { code: 'LEASE_STORE_UNREACHABLE' }) };
      } else {
        const leaseToken = got?.token;
        if (lease) leaseReport = { token: leaseToken };
        // Every request of the cycle asks the lease first: none is sent once it may have lapsed.
        const scope = { tally, signal: controller.signal, cycle: { name, number }, reads, gate: lease && (() => lease.check()) };
        const cycle: Cycle = { signal: controller.signal, client: cycleView(this.options.client, scope), view: (client) => cycleView(client, scope), number, startedAt, leaseToken };
        result = await untilAborted(invoke(this.options.run, cycle), controller.signal);
      }
    } catch (caught) {
      const reason = controller.signal.reason;
      outcome = reason instanceof CycleAbort ? reason.outcome : 'failed';
      error = { thrown: reason instanceof CycleAbort ? reason : caught };
    } finally {
      timeout.cancel();
      // Ends whatever the cycle left in flight, and refuses further calls through its view.
      abort(new CycleAbort('stopped', `${name}: cycle ${number} is over`));
      for (const r of reads.values()) r.close();
      // The fleet rests an interval after this cycle, as this loop does: W workers run one cycle per interval.
      await lease?.release(fleetRestMs(this.options.intervalMs));
    }

    const totals = tally.totals();
    const report: CycleReport<R> = {
      name,
      number,
      startedAt,
      durationMs: Math.round(clock.now() - began),
      outcome,
      error: error === undefined ? undefined : describeThrown(error.thrown),
      requests: tally.requests,
      misses: tally.misses,
      ...tally.guard(),
      cycleReadHits: tally.cycleReadHits,
      identityMismatches: tally.identityMismatches,
      crossLinkedKeys: tally.crossLinkedKeys,
      skipped: totals.skipped,
      failures: totals.failures,
      retries: tally.retries,
      bytesIn: tally.bytesIn,
      bytesOut: tally.bytesOut,
      byOperation: tally.copy(),
      ...(leaseReport === undefined ? {} : { lease: leaseReport }),
      result: outcome === 'ok' ? result : undefined,
    };
    this.healthState.record(report, clock.now());
    this.events.emit('cycle', report);
    return report;
  }
}

/** Calls `run` now (so a cycle starts synchronously in `trigger()`), turning a synchronous throw into a rejection. */
function invoke<R>(run: (cycle: Cycle) => R | Promise<R>, cycle: Cycle): Promise<R> {
  try {
    return Promise.resolve(run(cycle));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Resolves or rejects with `work`, or rejects with the signal's reason as soon as it aborts. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => {}); // a run that fails after the cycle was aborted is not an unhandled rejection
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (reason: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(reason);
      },
    );
  });
}

/** A long interval: the keep-alive timer only has to exist, never to fire often. */
const KEEP_ALIVE_MS = 2 ** 31 - 1;

/** `random()` as a number in [0, 1]: a source that returns NaN, Infinity, a negative or throws counts as 0. */
function unitRandom(random: () => number): number {
  let r: number;
  try {
    r = random();
  } catch {
    return 0;
  }
  return typeof r === 'number' && r > 0 ? Math.min(r, 1) : 0;
}
