/**
 * Whatever `run` throws, a SyncLoop reports it: `trigger()` never rejects, `start()` leaves no
 * unhandled rejection, the report always has an `error`, and messages stay short. A loop that never
 * succeeded says so in `health()`, and a broken `random()` cannot make cycles spin.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GunRelayClient, ManualClock, SyncLoop, type Cycle, type SyncLoopOptions } from '../src/index.js';

function loopOf<R>(clock: ManualClock, run: (c: Cycle) => R | Promise<R>, extra: Partial<SyncLoopOptions<R>> = {}): SyncLoop<R> {
  const client = new GunRelayClient({ baseUrl: 'http://127.0.0.1:9', retry: false });
  return new SyncLoop<R>({ name: 'throws', client, intervalMs: 1_000, cycleTimeoutMs: 500, clock, unref: true, run, ...extra });
}

function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

function errorWithThrowingMessage(): Error {
  const error = new Error('x');
  Object.defineProperty(error, 'message', {
    get() {
      throw new Error('no message for you');
    },
  });
  return error;
}

const hostile: Array<[string, () => unknown]> = [
  ['Object.create(null)', () => Object.create(null)],
  ['a revoked Proxy', revokedProxy],
  ['an Error whose message getter throws', errorWithThrowingMessage],
  ['undefined', () => undefined],
  ['null', () => null],
  ['an object whose code getter throws', () => ({ get code(): never { throw new Error('no code'); } })],
];

describe('SyncLoop: whatever run throws', () => {
  for (const [what, make] of hostile) {
    for (const sync of [true, false]) {
      it(`${what} thrown ${sync ? 'synchronously' : 'asynchronously'}: trigger() resolves a failed report with an error`, async () => {
        const clock = new ManualClock();
        const loop = loopOf(clock, sync ? () => { throw make(); } : async () => { throw make(); });
        const report = await loop.trigger();
        assert.equal(report.outcome, 'failed');
        assert.equal(typeof report.error?.message, 'string');
        assert.ok(report.error!.message.length > 0 && report.error!.message.length <= 1_024);
        const health = loop.health();
        assert.equal(health.lastError?.outcome, 'failed');
        JSON.stringify(report);
      });
    }
  }

  it('start() with a run that throws a revoked Proxy leaves no unhandled rejection', async () => {
    const clock = new ManualClock();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const loop = loopOf(clock, () => { throw revokedProxy(); });
      const reports: string[] = [];
      loop.on('cycle', (r) => reports.push(r.outcome));
      loop.start();
      await clock.advance(0);
      await clock.advance(1_000);
      await new Promise((r) => setImmediate(r));
      await loop.stop();
      assert.deepEqual(reports, ['failed', 'failed']);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    assert.deepEqual(unhandled, []);
  });

  it('a 5 MiB error message is cut to 1 KiB in the report and in health().reasons', async () => {
    const clock = new ManualClock();
    const huge = 'x'.repeat(5 * 1024 * 1024);
    const loop = loopOf(clock, () => { throw Object.assign(new Error(huge), { code: 'C'.repeat(10_000) }); });
    const report = await loop.trigger();
    assert.ok(report.error!.message.length <= 1_024, `message of ${report.error!.message.length} characters`);
    assert.ok(report.error!.message.startsWith('xxxx'));
    assert.ok((report.error!.code ?? '').length <= 64);
    const health = loop.health();
    assert.ok(health.lastError!.message.length <= 1_024);
    assert.ok(health.reasons.every((r) => r.length <= 2_048), 'every reason is short');
  });

  it('control characters in what run threw (terminal escapes, line breaks) are spaces in the report and health()', async () => {
    const loop = loopOf(new ManualClock(), () => { throw Object.assign(new Error('peer said\u0000 \u001b[2J\u001b[31mred\r\nnext\u009b\u2028end'), { code: 'E\u001bX' }); });
    const report = await loop.trigger();
    const printable = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/;
    assert.match(report.error!.message, printable);
    assert.ok(report.error!.message.startsWith('peer said') && report.error!.message.endsWith('end'), report.error!.message);
    assert.match(report.error!.code ?? '', printable);
    const health = loop.health();
    assert.match(health.lastError!.message, printable);
    for (const reason of health.reasons) assert.match(reason, printable);
  });
});

describe('SyncLoop health and jitter', () => {
  it('a loop whose cycles all failed is failing (not healthy), not degraded; after one success a failure is degraded', async () => {
    const clock = new ManualClock();
    let fail = true;
    const loop = loopOf(clock, () => {
      if (fail) throw new Error('relay refused');
      return 'done';
    }, { staleAfterMs: 60_000 });
    loop.start();
    await clock.advance(0);
    let h = loop.health();
    assert.equal(h.status, 'failing');
    assert.equal(h.healthy, false);
    assert.match(h.reasons[0]!, /no cycle has succeeded yet; the last one ended failed/);
    fail = false;
    await clock.advance(1_000);
    assert.equal(loop.health().status, 'ok');
    fail = true;
    await clock.advance(1_000);
    h = loop.health();
    assert.equal(h.status, 'degraded');
    assert.equal(h.healthy, true);
    await loop.stop();
  });

  for (const [what, random] of [
    ['NaN', () => Number.NaN],
    ['-5', () => -5],
    ['Infinity', () => Number.POSITIVE_INFINITY],
    ['a throwing function', () => { throw new Error('no randomness'); }],
  ] as const) {
    it(`random() returning ${what} keeps the interval: cycles do not spin`, async () => {
      const clock = new ManualClock();
      let runs = 0;
      const loop = loopOf(clock, () => ++runs, { jitter: 0.5, random: random as () => number });
      loop.start();
      for (let i = 0; i < 20; i++) await clock.advance(100); // 2 s of loop time
      await loop.stop();
      // Cycles at 0 and 1,000 (jitter 0), or at 0 and 1,500 (jitter clamped to 1): never more than 3.
      assert.ok(runs >= 2 && runs <= 3, `${runs} cycles in 2 s of a 1 s interval`);
    });
  }
});
