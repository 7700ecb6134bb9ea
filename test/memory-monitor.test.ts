import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ManualClock } from '../src/clock.js';
import type { ClientEvents, SettleEvent } from '../src/events.js';
import {
  MemoryMonitor,
  formatAlertLine,
  formatRateLine,
  formatSummaryLine,
  formatSummaryLines,
  type IntervalScheduler,
  type MemoryAlertClearedEvent,
  type MemoryAlertEvent,
  type MemoryMonitorOptions,
  type MemoryReading,
  type MemorySample,
  type MemorySummary,
  type SettleEventSource,
} from '../src/diagnostics/index.js';

const MB = 1024 * 1024;

/** Runs intervals only when told to; counts what is still scheduled. */
class FakeScheduler implements IntervalScheduler {
  readonly active = new Map<number, { callback: () => void; ms: number }>();
  private next = 1;
  setInterval(callback: () => void, ms: number): unknown {
    const id = this.next++;
    this.active.set(id, { callback, ms });
    return id;
  }
  clearInterval(handle: unknown): void {
    this.active.delete(handle as number);
  }
  fire(): void {
    for (const { callback } of [...this.active.values()]) callback();
  }
}

/** A typed emitter shaped like the client's `on()` (generic over its event map). */
class FakeClient {
  private readonly listeners = new Set<(event: SettleEvent) => void>();
  on<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): () => void {
    assert.equal(event, 'settle');
    const l = listener as (event: SettleEvent) => void;
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  get listenerCount(): number {
    return this.listeners.size;
  }
  settle(op: SettleEvent['op'], outcome = 'written'): void {
    const event: SettleEvent = {
      op,
      soul: 's',
      outcome,
      code: outcome === 'error' ? 'RELAY_ERROR' : undefined,
      durationMs: 1,
      relay: 'http://127.0.0.1:1',
    };
    for (const l of this.listeners) l(event);
  }
}

function setup(options: MemoryMonitorOptions = {}) {
  const clock = new ManualClock();
  const timers = new FakeScheduler();
  const mem: MemoryReading = {
    rss: 100 * MB,
    heapUsed: 50 * MB,
    heapTotal: 80 * MB,
    external: 5 * MB,
    arrayBuffers: 1 * MB,
  };
  const monitor = new MemoryMonitor({
    intervalMs: 10_000,
    windowMs: 60_000,
    clock,
    timers,
    memory: () => ({ ...mem }),
    ...options,
  });
  const samples: MemorySample[] = [];
  const summaries: MemorySummary[] = [];
  monitor.on('sample', (s) => samples.push(s));
  monitor.on('summary', (s) => summaries.push(s));
  /** Moves the clock by one interval (or `ms`) and fires the interval. */
  const tick = async (ms = 10_000): Promise<MemorySample> => {
    await clock.advance(ms);
    timers.fire();
    return samples.at(-1)!;
  };
  return { clock, timers, mem, monitor, samples, summaries, tick };
}

const category = (summary: MemorySummary, name: string) =>
  summary.categories.find((c) => c.category === name);

describe('MemoryMonitor: growth rates', () => {
  it('reports exact MB/min over the sliding window', async () => {
    const { mem, monitor, samples, tick } = setup({ summaryEvery: 0 });
    monitor.start();
    assert.deepEqual(
      { rss: samples[0]!.rss, rate: samples[0]!.rssMbPerMin, span: samples[0]!.spanMs },
      { rss: 100 * MB, rate: 0, span: 0 },
    );
    const grow = () => {
      mem.rss += 1 * MB;
      mem.heapUsed += 0.5 * MB;
    };
    grow();
    let s = await tick();
    assert.equal(s.spanMs, 10_000);
    assert.equal(s.rssMbPerMin, 6);
    assert.equal(s.heapMbPerMin, 3);
    assert.equal(s.externalMbPerMin, 0);
    for (let i = 0; i < 5; i++) {
      grow();
      s = await tick();
    }
    assert.equal(s.at, 60_000);
    assert.equal(s.spanMs, 60_000);
    assert.equal(s.rssMbPerMin, 6);
    // Faster growth: 10 MB per interval. At t=70 s the window is 10..70 s: 101 → 116 MB.
    mem.rss += 10 * MB;
    s = await tick();
    assert.equal(s.spanMs, 60_000);
    assert.equal(s.rssMbPerMin, 15);
    for (let i = 0; i < 5; i++) {
      mem.rss += 10 * MB;
      s = await tick();
    }
    assert.equal(s.rssMbPerMin, 60);
    assert.equal(formatRateLine(s).startsWith('growth rate: RSS 60.0 MB/min, heap 0.0 MB/min'), true);
    mem.rss -= 30 * MB;
    s = await tick();
    assert.equal(s.rssMbPerMin, 20); // 70 s: 116 → 136 MB over the window
    monitor.stop();
  });

  it('every event carries an epoch timestamp beside its clock time, and whole-ms spans', async () => {
    const { monitor, tick, clock } = setup();
    monitor.start();
    await tick();
    const s = await tick();
    assert.equal(s.timestamp, clock.wallNow());
    assert.equal(new Date(s.timestamp).getUTCFullYear(), 2026);
    assert.ok(Number.isInteger(s.spanMs));
    assert.equal(monitor.summary().timestamp, clock.wallNow());
    monitor.stop();
  });

  it('formats a rate line operators can grep', () => {
    const line = formatRateLine({
      at: 0,
      timestamp: Date.UTC(2026, 0, 1),
      rss: 512 * MB,
      heapUsed: 0,
      heapTotal: 0,
      external: 0,
      arrayBuffers: 0,
      rssMbPerMin: 10,
      heapMbPerMin: -0.01,
      externalMbPerMin: 0,
      spanMs: 60_000,
    });
    assert.equal(
      line,
      'growth rate: RSS 10.0 MB/min, heap 0.0 MB/min, external 0.0 MB/min (RSS 512.0 MB, window 60s)',
    );
  });
});

describe('MemoryMonitor: attribution', () => {
  it('track() measures the delta across sync and async work, counting errors', async () => {
    const { mem, monitor } = setup();
    assert.equal(
      monitor.track('static_media', () => {
        mem.rss += 2 * MB;
        mem.heapUsed += 1 * MB;
        return 'done';
      }),
      'done',
    );
    const value = await monitor.track('thumbs', async () => {
      await Promise.resolve();
      mem.rss += 4 * MB;
      return 42;
    });
    assert.equal(value, 42);
    assert.throws(() =>
      monitor.track('static_media', () => {
        mem.rss += 1 * MB;
        throw new Error('boom');
      }),
    );
    await assert.rejects(
      monitor.track('thumbs', async () => {
        mem.rss += 2 * MB;
        throw new Error('late boom');
      }),
    );
    const summary = monitor.summary();
    assert.deepEqual(summary.categories, [
      { category: 'thumbs', operations: 2, rssGrowthBytes: 6 * MB, heapGrowthBytes: 0, errors: 1, bytesPerOperation: 3 * MB },
      { category: 'static_media', operations: 2, rssGrowthBytes: 3 * MB, heapGrowthBytes: 1 * MB, errors: 1, bytesPerOperation: 1.5 * MB },
    ]);
    assert.throws(() => monitor.track('', () => 1), { code: 'INVALID_INPUT' });
  });

  it('formats summary lines like the incident log', () => {
    const { mem, monitor } = setup();
    for (let i = 0; i < 150; i++) {
      monitor.track('static_media', () => {
        mem.rss += (i < 100 ? 2 : 0) * MB;
      });
    }
    const line = formatSummaryLine(category(monitor.summary(), 'static_media')!);
    assert.equal(
      line,
      'static_media: 150 operations, total growth RSS +200.0 MB, heap +0.0 MB, +1365.3 KB/op, 0 errors',
    );
    assert.deepEqual(formatSummaryLines(monitor.summary()), [
      line,
      'unattributed: total growth RSS +0.0 MB, heap +0.0 MB',
    ]);
  });

  it('attach() shares interval growth among settled client ops, minus what track() measured', async () => {
    const { mem, monitor, tick } = setup();
    const client = new FakeClient();
    const source: SettleEventSource = client; // a client's generic on() fits the structural type
    const dispose = monitor.attach(source);
    assert.equal(monitor.attach(source), dispose, 'attaching twice returns the same disposer');
    monitor.start();
    client.settle('put');
    client.settle('put', 'error');
    client.settle('put');
    client.settle('get', 'found');
    monitor.track('static_media', () => {
      mem.rss += 2 * MB;
    });
    mem.rss += 8 * MB; // total interval growth 10 MB: 2 measured by track, 8 shared 3:1
    mem.heapUsed += 4 * MB;
    await tick();
    let summary = monitor.summary();
    assert.deepEqual(category(summary, 'gun.put'), {
      category: 'gun.put',
      operations: 3,
      rssGrowthBytes: 6 * MB,
      heapGrowthBytes: 3 * MB,
      errors: 1,
      bytesPerOperation: 2 * MB,
    });
    assert.equal(category(summary, 'gun.get')!.rssGrowthBytes, 2 * MB);
    assert.equal(category(summary, 'static_media')!.rssGrowthBytes, 2 * MB);
    assert.deepEqual(summary.unattributed, { rssGrowthBytes: 0, heapGrowthBytes: 0 });

    // An interval with no operations: its growth is reported as unattributed.
    mem.rss += 5 * MB;
    await tick();
    assert.equal(monitor.summary().unattributed.rssGrowthBytes, 5 * MB);

    dispose();
    assert.equal(client.listenerCount, 0);
    client.settle('put');
    assert.equal(category(monitor.summary(), 'gun.put')!.operations, 3);
    assert.equal(monitor.detach(source), false);

    monitor.attach(source);
    assert.equal(monitor.detach(source), true);
    assert.equal(client.listenerCount, 0);
    monitor.stop();
  });

  it('attach() rejects objects without on()', () => {
    const { monitor } = setup();
    assert.throws(() => monitor.attach({} as SettleEventSource), { code: 'INVALID_INPUT' });
  });

  it('bounds the number of categories; extra names go to other', () => {
    const { monitor } = setup({ maxCategories: 2 });
    const client = new FakeClient();
    monitor.attach(client);
    for (const name of ['a', 'b', 'c', 'd', 'a', 'other']) monitor.track(name, () => undefined);
    client.settle('put');
    for (let i = 0; i < 1000; i++) monitor.track(`label-${i}`, () => undefined);
    const summary = monitor.summary();
    assert.deepEqual(
      summary.categories.map((c) => [c.category, c.operations]).sort(),
      [
        ['a', 2],
        ['b', 1],
        ['other', 1004],
      ],
    );
  });
});

describe('MemoryMonitor: alerts', () => {
  it('alerts after forMs above the threshold, not before, once, and clears', async () => {
    const { mem, monitor, tick } = setup({ alert: { rssMbPerMin: 20, forMs: 60_000 } });
    const alerts: MemoryAlertEvent[] = [];
    const cleared: MemoryAlertClearedEvent[] = [];
    monitor.on('alert', (a) => alerts.push(a));
    monitor.on('alertCleared', (c) => cleared.push(c));
    monitor.start();
    // +5 MB per 10 s = 30 MB/min; first above at t=10 s.
    for (let t = 10; t <= 60; t += 10) {
      mem.rss += 5 * MB;
      await tick();
      assert.equal(alerts.length, 0, `no alert at t=${t}s`);
    }
    mem.rss += 5 * MB;
    await tick(); // t=70 s
    assert.deepEqual(alerts, [
      { at: 70_000, timestamp: Date.UTC(2026, 0, 1) + 70_000, rssMbPerMin: 30, thresholdMbPerMin: 20, aboveForMs: 60_000, rss: 135 * MB },
    ]);
    assert.equal(monitor.alerting, true);
    assert.equal(formatAlertLine(alerts[0]!), 'memory alert: RSS 30.0 MB/min above 20.0 MB/min for 60s (RSS 135.0 MB)');
    mem.rss += 5 * MB;
    await tick(); // t=80 s, still above: no second alert
    assert.equal(alerts.length, 1);
    // Growth stops; the window (60 s) still sees 25 MB/min at 90 s, exactly 20 at 100 s.
    await tick();
    assert.equal(cleared.length, 0);
    await tick();
    assert.deepEqual(cleared, [
      { at: 100_000, timestamp: Date.UTC(2026, 0, 1) + 100_000, rssMbPerMin: 20, thresholdMbPerMin: 20, alertedForMs: 30_000, rss: 140 * MB },
    ]);
    assert.equal(monitor.alerting, false);
    monitor.stop();
  });

  it('restarts the forMs count when the rate dips below the threshold', async () => {
    const { mem, monitor, tick } = setup({ windowMs: 10_000, alert: { rssMbPerMin: 20, forMs: 30_000 } });
    const alerts: MemoryAlertEvent[] = [];
    monitor.on('alert', (a) => alerts.push(a));
    monitor.start();
    for (const step of [5, 5, 5, 0, 5, 5, 5]) {
      mem.rss += step * MB;
      await tick();
    }
    assert.equal(alerts.length, 0, 'streak at 50..70 s is only 20 s long');
    mem.rss += 5 * MB;
    await tick();
    assert.deepEqual(alerts.map((a) => [a.at, a.aboveForMs]), [[80_000, 30_000]]);
    monitor.stop();
  });
});

describe('MemoryMonitor: summary and lifecycle', () => {
  it('emits summary every summaryEvery samples and on stop()', async () => {
    const { mem, monitor, summaries, tick } = setup({ summaryEvery: 3 });
    monitor.start(); // sample 1
    await tick(); // 2
    assert.equal(summaries.length, 0);
    monitor.track('static_media', () => {
      mem.rss += 3 * MB;
    });
    await tick(); // 3
    assert.equal(summaries.length, 1);
    assert.equal(summaries[0]!.samples, 3);
    assert.equal(summaries[0]!.at, 20_000);
    assert.equal(summaries[0]!.latest!.rss, 103 * MB);
    assert.deepEqual(summaries[0]!.categories.map((c) => [c.category, c.operations, c.rssGrowthBytes]), [
      ['static_media', 1, 3 * MB],
    ]);
    await tick();
    await tick();
    assert.equal(summaries.length, 1);
    await tick(); // 6
    assert.equal(summaries.length, 2);
    monitor.stop(); // clock has not moved since sample 6: no extra sample, one summary
    assert.equal(summaries.length, 3);
    assert.equal(summaries[2]!.samples, 6);
  });

  it('summaryEvery: 0 emits only on stop(), after a final sample', async () => {
    const { monitor, samples, summaries, tick, clock } = setup({ summaryEvery: 0 });
    monitor.start();
    for (let i = 0; i < 10; i++) await tick();
    assert.equal(summaries.length, 0);
    await clock.advance(4_000);
    monitor.stop();
    assert.equal(samples.length, 12);
    assert.equal(samples.at(-1)!.at, 104_000);
    assert.equal(summaries.length, 1);
  });

  it('stop() leaves nothing scheduled; start() and stop() are idempotent', async () => {
    const { monitor, timers, samples, summaries, tick } = setup();
    monitor.start();
    monitor.start();
    assert.equal(timers.active.size, 1);
    assert.equal(timers.active.values().next().value!.ms, 10_000);
    assert.equal(monitor.running, true);
    monitor.stop();
    monitor.stop();
    assert.equal(timers.active.size, 0);
    assert.equal(monitor.running, false);
    assert.equal(summaries.length, 1);
    const count = samples.length;
    await tick();
    assert.equal(samples.length, count, 'no sampling after stop()');
    monitor.start();
    assert.equal(timers.active.size, 1);
    const client = new FakeClient();
    monitor.attach(client);
    monitor.close();
    assert.equal(timers.active.size, 0);
    assert.equal(client.listenerCount, 0);
  });

  it('a throwing listener or memory source never breaks sampling', async () => {
    let fail = false;
    const { monitor, samples, tick } = setup({
      memory: () => {
        if (fail) throw new Error('EMFILE');
        return { rss: 1, heapUsed: 1, heapTotal: 1, external: 1, arrayBuffers: 1 };
      },
    });
    const listenerErrors: string[] = [];
    const sampleErrors: unknown[] = [];
    monitor.on('sample', () => {
      throw new Error('bad listener');
    });
    monitor.on('listenerError', (e) => listenerErrors.push(e.event));
    monitor.on('sampleError', (e) => sampleErrors.push(e.error));
    monitor.start();
    await tick();
    assert.equal(samples.length, 2, 'later listeners still ran');
    assert.deepEqual(listenerErrors, ['sample', 'sample']);
    fail = true;
    await tick();
    assert.equal(sampleErrors.length, 1);
    assert.equal(monitor.track('x', () => 7), 7, 'track() still runs its function');
    monitor.stop();
  });

  it('rejects invalid options with INVALID_OPTIONS and the field', () => {
    assert.throws(() => new MemoryMonitor({ intervalMs: -1 }), { code: 'INVALID_OPTIONS', field: 'intervalMs' });
    assert.throws(() => new MemoryMonitor({ alert: { rssMbPerMin: 0, forMs: 1 } }), {
      code: 'INVALID_OPTIONS',
      field: 'alert.rssMbPerMin',
    });
    assert.throws(() => new MemoryMonitor({ interval: 5 } as MemoryMonitorOptions), {
      code: 'INVALID_OPTIONS',
      field: 'interval',
    });
    assert.throws(() => new MemoryMonitor({ memory: 5 as never }), { code: 'INVALID_OPTIONS', field: 'memory' });
  });
});

describe('MemoryMonitor: default scheduler', () => {
  it('does not add a ref\'d handle to the event loop', () => {
    const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timeouts();
    const monitor = new MemoryMonitor({ intervalMs: 60_000 });
    monitor.start();
    try {
      assert.equal(timeouts(), before);
      assert.equal(monitor.sampleNow().rss > 0, true, 'reads process.memoryUsage() by default');
    } finally {
      monitor.stop(); // even on failure, so a ref'd timer cannot hang the test run
    }
  });

  it('a process that starts a monitor and never stops it exits by itself', () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const script = `
      import { MemoryMonitor } from './src/diagnostics/index.js';
      const monitor = new MemoryMonitor({ intervalMs: 20 });
      let samples = 0;
      monitor.on('sample', () => { samples += 1; });
      monitor.start();
      setTimeout(() => console.log('samples=' + samples), 200);
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(child.signal, null, 'exited by itself, not killed by the timeout');
    assert.equal(child.status, 0, child.stderr);
    const samples = Number(/samples=(\d+)/.exec(child.stdout)?.[1]);
    assert.ok(samples >= 2, `the interval ran while something else held the loop (${child.stdout})`);
  });
});
