import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../src/clock.js';
import { isGunRelayError } from '../src/errors.js';
import { parseRetryAfter, retryDelayMs } from '../src/resilience/backoff.js';
import { Limiter } from '../src/resilience/Limiter.js';
import { RelayBreaker } from '../src/resilience/RelayBreaker.js';
import { RetryBudget } from '../src/resilience/RetryBudget.js';

const policy = { baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 3_000 };

describe('backoff', () => {
  it('full jitter: uniform in [0, min(max, base·2^(n-1))]', () => {
    assert.equal(retryDelayMs(1, undefined, policy, () => 0), 0);
    assert.equal(retryDelayMs(1, undefined, policy, () => 0.999), 99);
    assert.equal(retryDelayMs(3, undefined, policy, () => 0.5), 200);
    assert.equal(retryDelayMs(10, undefined, policy, () => 0.5), 500, 'capped at maxDelayMs');
  });

  it('Retry-After wins but is capped', () => {
    assert.equal(retryDelayMs(1, 2_000, policy, () => 0), 2_000);
    assert.equal(retryDelayMs(1, 60_000, policy, () => 0), 3_000);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    assert.equal(parseRetryAfter('2'), 2_000);
    assert.equal(parseRetryAfter('0.5'), 500);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6_000);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });
});

describe('RetryBudget', () => {
  it('allows minPerWindow retries plus ratio × requests in the window, and forgets old windows', async () => {
    const clock = new ManualClock(0);
    const b = new RetryBudget({ ratio: 0.1, windowMs: 1_000, minPerWindow: 2, clock });
    for (let i = 0; i < 50; i++) b.recordRequest();
    let granted = 0;
    while (b.tryAcquire()) granted++;
    assert.equal(granted, 7); // 2 + 0.1 × 50
    assert.equal(b.denied, 1);
    assert.ok(Math.abs(b.used() - 7 / 50) < 1e-9);
    await clock.advance(1_000);
    assert.equal(b.used(), 0);
    assert.equal(b.tryAcquire(), true);
  });
});

describe('RelayBreaker', () => {
  it('opens after threshold relay failures, lets one probe through after halfOpenAfterMs, closes on success', async () => {
    const clock = new ManualClock(0);
    const changes: string[] = [];
    const b = new RelayBreaker({ threshold: 3, halfOpenAfterMs: 5_000, clock, onChange: (f, t) => changes.push(`${f}->${t}`) });
    b.recordFailure();
    b.recordFailure();
    assert.equal(b.tryPass(), true);
    b.recordFailure();
    assert.equal(b.state, 'open');
    assert.equal(b.tryPass(), false);
    await clock.advance(4_999);
    assert.equal(b.tryPass(), false);
    await clock.advance(1);
    assert.equal(b.tryPass(), true, 'the probe');
    assert.equal(b.tryPass(), false, 'only one probe at a time');
    b.recordFailure();
    assert.equal(b.state, 'open', 'a failed probe reopens');
    await clock.advance(5_000);
    assert.equal(b.tryPass(), true);
    b.recordSuccess();
    assert.equal(b.state, 'closed');
    assert.deepEqual(changes, ['closed->open', 'open->half-open', 'half-open->open', 'open->half-open', 'half-open->closed']);
  });
});

describe('Limiter', () => {
  it('runs maxInFlight at once, queues up to maxQueue FIFO, rejects beyond with QUEUE_FULL', async () => {
    const l = new Limiter(2, 2, new ManualClock());
    assert.equal(l.acquire('put', 'a', undefined, 1_000), undefined);
    assert.equal(l.acquire('put', 'b', undefined, 1_000), undefined);
    const order: string[] = [];
    const c = l.acquire('put', 'c', undefined, 1_000)!.then(() => order.push('c'));
    const d = l.acquire('put', 'd', undefined, 1_000)!.then(() => order.push('d'));
    assert.throws(() => l.acquire('put', 'e', undefined, 1_000), (e: unknown) => isGunRelayError(e) && e.code === 'QUEUE_FULL');
    assert.equal(l.queueDepth, 2);
    l.release();
    l.release();
    await Promise.all([c, d]);
    assert.deepEqual(order, ['c', 'd']);
    assert.equal(l.inFlight, 2);
    l.release();
    l.release();
    assert.equal(l.inFlight, 0);
  });

  it('an aborted waiter leaves the queue and rejects with the signal reason', async () => {
    const l = new Limiter(1, 5, new ManualClock());
    l.acquire('get', 'a', undefined, 1_000);
    const ac = new AbortController();
    const waiting = l.acquire('get', 'b', ac.signal, 1_000)!;
    ac.abort(new Error('stop'));
    await assert.rejects(waiting, /stop/);
    assert.equal(l.queueDepth, 0);
    l.release();
    assert.equal(l.inFlight, 0);
  });

  it('a waiter whose time runs out (on the injected clock) leaves with TIMEOUT and never gets a slot', async () => {
    const clock = new ManualClock();
    const l = new Limiter(1, 5, clock);
    l.acquire('get', 'a', undefined, 1_000);
    const waiting = l.acquire('get', 'b', undefined, 300)!.catch((e: unknown) => e);
    const later = l.acquire('get', 'c', undefined, 10_000)!;
    await clock.advance(299);
    assert.equal(l.queueDepth, 2);
    await clock.advance(1);
    const e = await waiting;
    assert.ok(isGunRelayError(e) && e.code === 'TIMEOUT' && /nothing was sent/.test(e.message));
    assert.equal(l.queueDepth, 1);
    l.release();
    await later;
    assert.equal(l.inFlight, 1, 'the slot went to the next waiter');
    assert.equal(clock.pendingSleeps, 0, 'the granted waiter cancelled its deadline sleep');
  });
});
