/** Messages a newcomer meets first say what to do: an unset URL, misspelt and misplaced options, an open breaker, a missing key. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GunRelayClient, ManualClock, SyncLoop, isGunRelayError } from '../src/index.js';
import { startFaultServer } from '../src/testing/index.js';
import { GunHelper } from '../src/legacy/index.js';
import { OipSyncWorker } from '../src/oip/index.js';

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  assert.fail('did not throw');
}

describe('messages that say what to do', () => {
  it('baseUrl: undefined (an unset environment variable) says the value is missing and what a URL looks like', () => {
    const e = thrown(() => new GunRelayClient({ baseUrl: process.env['GRC_SURELY_UNSET_VARIABLE'] as never }));
    assert.equal(e.message, 'Invalid option "baseUrl": the value is undefined (an unset environment variable?); give the relay\'s URL, e.g. http://gun-relay:8765');
    assert.ok(isGunRelayError(e) && e.field === 'baseUrl');
  });

  it('retries: 3 at the top level points to retry.retries', () => {
    assert.equal(thrown(() => new GunRelayClient({ baseUrl: 'http://a:1', retries: 3 } as never)).message, 'Unknown option "retries"; did you mean "retry.retries"?');
  });

  it('an unknown key inside a nested option with nothing close lists the keys that option takes', () => {
    assert.equal(
      thrown(() => new GunRelayClient({ baseUrl: 'http://a:1', breaker: { failureThreshold: 1 } } as never)).message,
      'Unknown option "breaker.failureThreshold"; breaker takes threshold, halfOpenAfterMs',
    );
  });

  it('SyncLoop: a misspelt option gets the same "did you mean" as the client, before "required"', () => {
    const client = new GunRelayClient({ baseUrl: 'http://a:1' });
    const base = { name: 'n', client, run() {}, clock: new ManualClock() };
    assert.equal(thrown(() => new SyncLoop({ ...base, intervalMS: 5, cycleTimeoutMs: 5 } as never)).message, 'Unknown SyncLoop option "intervalMS"; did you mean "intervalMs"?');
    assert.equal(thrown(() => new SyncLoop({ ...base, intervalMs: 5, cycleTimeout: 5 } as never)).message, 'Unknown SyncLoop option "cycleTimeout"; did you mean "cycleTimeoutMs"?');
    client.close();
  });

  it('RELAY_UNAVAILABLE says when the breaker lets a request through again', async () => {
    const server = await startFaultServer({ status: 503, body: { error: 'down' } });
    const clock = new ManualClock();
    const client = new GunRelayClient({ baseUrl: server.url, retry: false, clock, breaker: { threshold: 1, halfOpenAfterMs: 30_000 } });
    try {
      await client.get('b:1').catch(() => undefined);
      await clock.advance(10_000);
      const e = await client.get('b:2').then(() => assert.fail('resolved'), (x: unknown) => x as Error);
      assert.ok(isGunRelayError(e) && e.code === 'RELAY_UNAVAILABLE');
      assert.match(e.message, /open; nothing was sent; it lets a request through again in 20000 ms$/);
    } finally {
      client.close();
      await server.close();
    }
  });

  it('MISSING_KEY names the option to set', async () => {
    const client = new GunRelayClient({ baseUrl: 'http://127.0.0.1:9', retry: false });
    const e = await client.putRecord({ data: { name: 'x' }, oip: {} } as never, 'k:1', { encrypt: {} as never }).then(() => assert.fail('resolved'), (x: unknown) => x as Error);
    client.close();
    assert.ok(isGunRelayError(e) && e.code === 'MISSING_KEY', String(e));
    assert.match(e.message, /set encrypt\.key/);
  });
});

describe('durations that look like a unit mistake warn through the logger', () => {
  it('timeouts.get: 1000 and SyncLoop intervalMs: 2 each log one warning; sound values log none', () => {
    const warnings: string[] = [];
    const logger = { warn: (_o: unknown, m?: string) => void warnings.push(m ?? '') };
    const client = new GunRelayClient({ baseUrl: 'http://a:1', logger, timeouts: { get: 1_000 } });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /timeouts\.get: 1000 ms is shorter than the 3000 ms the relay takes to answer a never-written soul/);
    new SyncLoop({ name: 'n', client, intervalMs: 2, cycleTimeoutMs: 60_000, run() {}, clock: new ManualClock() });
    assert.equal(warnings.length, 2);
    assert.match(warnings[1]!, /SyncLoop intervalMs: 2 is in milliseconds; did you mean 2 s \(2000\)\?/);
    new SyncLoop({ name: 'n', client, intervalMs: 60_000, cycleTimeoutMs: 30_000, run() {}, clock: new ManualClock() });
    new GunRelayClient({ baseUrl: 'http://a:1', logger }).close();
    assert.equal(warnings.length, 2);
    client.close();
  });

  it('a logger that throws (or whose warn is a throwing getter) never makes a constructor throw: client, SyncLoop, OipSyncWorker', async () => {
    const calls: string[] = [];
    const throwing = {
      warn: (_o: unknown, m?: string) => {
        calls.push(m ?? '');
        throw new Error('logger exploded');
      },
    };
    const getter = Object.defineProperty({}, 'warn', {
      get() {
        throw new Error('getter exploded');
      },
    });
    for (const logger of [throwing, getter]) {
      const client = new GunRelayClient({ baseUrl: 'http://a:1', logger, timeouts: { get: 1_000 }, timeoutMs: 5 });
      new SyncLoop({ name: 'n', client, intervalMs: 2, cycleTimeoutMs: 60_000, run() {}, clock: new ManualClock() });
      client.close();
      const worker = new OipSyncWorker({ peers: ['http://a:1'], local: 'http://b:1', intervalMs: 50, clientOptions: { logger, timeoutMs: 5 } });
      assert.equal(worker.relays().length, 2, 'both clients were created');
      await worker.close();
    }
    assert.ok(calls.some((m) => /timeouts\.get: 1000 ms/.test(m)), 'the warning still reached the logger');
    assert.ok(calls.some((m) => /SyncLoop intervalMs: 2 is in milliseconds/.test(m)));
    assert.ok(calls.some((m) => /SyncLoop intervalMs: 50 is in milliseconds/.test(m)), "the worker's loop warned too");
  });
});

describe('GunHelper with a logger that throws', () => {
  it('a failure the legacy contract swallows (getRecord answers null) still answers null, not the logger\'s error', async () => {
    const server = await startFaultServer(() => ({ status: 503, body: { error: 'down' } }));
    const before = process.env['GUN_PEERS'];
    process.env['GUN_PEERS'] = server.url;
    const lines: string[] = [];
    try {
      const helper = new GunHelper({
        logger: {
          warn: (m: unknown) => {
            lines.push(String(m));
            throw new Error('logger exploded');
          },
        },
      });
      assert.equal(await helper.getRecord('hint:soul'), null);
      assert.ok(lines.some((l) => /getRecord\(hint:soul\) failed/.test(l)), lines.join('\n'));
    } finally {
      if (before === undefined) delete process.env['GUN_PEERS'];
      else process.env['GUN_PEERS'] = before;
      GunHelper.closeAll();
      await server.close();
    }
  });
});
