import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GunRelayClient, ManualClock, type QuarantineEvent, type RecoverEvent } from '../src/index.js';
import { startFaultServer, type FaultServer } from '../src/testing/index.js';
import { isCode } from './helpers/errors.js';

describe('app-defined failures in the ledger (recordFailure / isQuarantined)', () => {
  let server: FaultServer;
  before(async () => {
    server = await startFaultServer();
  });
  after(async () => {
    await server.close();
  });

  function client(over: Record<string, unknown> = {}) {
    const clock = new ManualClock(1_000);
    const c = new GunRelayClient({ baseUrl: server.url, clock, failureTtlMs: 60_000, ...over });
    return { c, clock };
  }

  it('quarantines an app operation at the threshold, per operation, with a quarantine event and no request', () => {
    const { c } = client();
    const events: QuarantineEvent[] = [];
    c.on('quarantine', (e) => events.push(e));
    server.reset();
    assert.deepEqual(c.recordFailure('es', 'pub:1', { code: 'ES_MAPPING', reason: 'field [x] of type text' }), {
      op: 'es',
      soul: 'pub:1',
      failures: 1,
      quarantined: false,
    });
    c.recordFailure('es', 'pub:1', { code: 'ES_MAPPING' });
    assert.equal(c.isQuarantined('es', 'pub:1'), false);
    const third = c.recordFailure('es', 'pub:1', { code: 'ES_MAPPING', reason: 'still bad' });
    assert.equal(third.quarantined, true);
    assert.equal(c.isQuarantined('es', 'pub:1'), true);
    assert.equal(c.isQuarantined('index', 'pub:1'), false, 'ops are counted separately');
    assert.equal(c.isQuarantined('put', 'pub:1'), false);
    assert.equal(events.length, 1);
    assert.deepEqual({ ...events[0], retryAt: undefined }, { op: 'es', soul: 'pub:1', failures: 3, code: 'ES_MAPPING', reason: 'still bad', retryAt: undefined });
    assert.equal(events[0]!.retryAt, Date.UTC(2026, 0, 1) + 60_000, 'epoch ms');
    assert.equal(c.stats().quarantinedSouls, 1);
    const [q] = c.quarantined();
    assert.equal(q!.op, 'es');
    assert.equal(q!.lastReason, 'still bad');
    assert.equal(server.requestCount, 0);
    c.close();
  });

  it('expires after failureTtlMs on the injected clock; recordSuccess and forgive clear app ops with recover events', async () => {
    const { c, clock } = client();
    const recovered: RecoverEvent[] = [];
    c.on('recover', (e) => recovered.push(e));
    for (let i = 0; i < 3; i++) c.recordFailure('index', 'a', { code: 'X' });
    await clock.advance(60_000);
    assert.equal(c.isQuarantined('index', 'a'), true);
    await clock.advance(1);
    assert.equal(c.isQuarantined('index', 'a'), false);

    for (let i = 0; i < 3; i++) c.recordFailure('index', 'b', { code: 'X' });
    assert.equal(c.recordSuccess('index', 'b'), true);
    assert.equal(c.recordSuccess('index', 'b'), false);
    assert.equal(c.isQuarantined('index', 'b'), false);

    for (let i = 0; i < 3; i++) c.recordFailure('index', 'c', { code: 'X' });
    c.recordFailure('es', 'c', { code: 'Y' });
    assert.equal(c.forgive('c'), true);
    assert.equal(c.isQuarantined('index', 'c'), false);
    assert.deepEqual(
      recovered.map((e) => [e.op, e.soul, e.previousFailures, e.reason]),
      [
        ['index', 'b', 3, 'success'],
        ['index', 'c', 3, 'forgive'],
        ['es', 'c', 1, 'forgive'],
      ],
    );
    c.close();
  });

  it('shares the ledger bound (maxTrackedSouls, LRU) with put and delete', () => {
    const { c } = client({ maxTrackedSouls: 3, failureThreshold: 1 });
    for (const s of ['a', 'b', 'c', 'd']) c.recordFailure('es', s, { code: 'X' });
    assert.equal(c.stats().trackedSouls, 3);
    assert.equal(c.isQuarantined('es', 'a'), false, 'the least recently used entry was evicted');
    assert.equal(c.isQuarantined('es', 'd'), true);
    c.close();
  });

  it('exports and imports app failures with their code and reason', () => {
    const a = client().c;
    for (let i = 0; i < 3; i++) a.recordFailure('es', 'pub:9', { code: 'ES_MAPPING', reason: 'r'.repeat(1000) });
    const snapshot = JSON.parse(JSON.stringify(a.exportLedger()));
    assert.equal(snapshot.entries[0].op, 'es');
    assert.equal(snapshot.entries[0].lastCode, 'ES_MAPPING');
    assert.equal(snapshot.entries[0].lastReason.length, 256, 'reasons are cut to 256 characters');
    const b = client().c;
    assert.deepEqual(b.importLedger(snapshot), { imported: 1, dropped: 0 });
    assert.equal(b.isQuarantined('es', 'pub:9'), true);
    a.close();
    b.close();
  });

  it('rejects bad arguments with INVALID_INPUT naming the field, and caps distinct operation names at 32', () => {
    const { c } = client();
    assert.throws(() => c.recordFailure('', 's', { code: 'X' }), isCode('INVALID_INPUT', 'op'));
    assert.throws(() => c.recordFailure('x'.repeat(65), 's', { code: 'X' }), isCode('INVALID_INPUT', 'op'));
    assert.throws(() => c.recordFailure('es', '', { code: 'X' }), isCode('INVALID_INPUT', 'soul'));
    assert.throws(() => c.recordFailure('es', 's', { code: '' }), isCode('INVALID_INPUT', 'failure.code'));
    assert.throws(() => c.recordFailure('es', 's', null as never), isCode('INVALID_INPUT', 'failure.code'));
    assert.throws(() => c.recordFailure('es', 's', { code: 'X', reason: 5 as never }), isCode('INVALID_INPUT', 'failure.reason'));
    assert.throws(() => c.recordSuccess('es', 'bad\u0000soul'), isCode('INVALID_INPUT', 'soul'));
    // put and delete are known; 30 more names fit.
    for (let i = 0; i < 30; i++) c.recordFailure(`op${i}`, 's', { code: 'X' });
    assert.throws(() => c.recordFailure('one-too-many', 's', { code: 'X' }), isCode('INVALID_INPUT', 'op'));
    c.recordFailure('op0', 's', { code: 'X' });
    assert.equal(c.stats().trackedSouls, 30);
    c.close();
  });
});

describe('countReadFailures (opt-in)', () => {
  let server: FaultServer;
  before(async () => {
    server = await startFaultServer();
  });
  after(async () => {
    await server.close();
  });

  it('off by default: a too-large read never counts and is always sent', async () => {
    server.reset();
    server.setDefault({ status: 200, bodyBytes: 4096 });
    const c = new GunRelayClient({ baseUrl: server.url, maxContentLength: 1024, retry: false });
    for (let i = 0; i < 4; i++) await assert.rejects(c.get('big'), isCode('RESPONSE_TOO_LARGE'));
    assert.equal(server.requestCount, 4);
    assert.equal(c.stats().trackedSouls, 0);
    c.close();
  });

  it('on: RESPONSE_TOO_LARGE gets count against the soul; past the threshold get throws SKIPPED without a request', async () => {
    server.reset();
    server.setDefault({ status: 200, bodyBytes: 4096 });
    const c = new GunRelayClient({ baseUrl: server.url, maxContentLength: 1024, retry: false, breaker: false, countReadFailures: true });
    for (let i = 0; i < 3; i++) {
      await assert.rejects(c.get('big'), isCode('RESPONSE_TOO_LARGE'));
      assert.equal(c.stats().pendingRefusals, 1, 'held until the relay answers another soul\'s read');
      server.setDefault({ status: 404, body: { error: 'Not found' } });
      assert.equal(await c.get(`other${i}`), null);
      server.setDefault({ status: 200, bodyBytes: 4096 });
    }
    assert.equal(c.isQuarantined('get', 'big'), true);
    await assert.rejects(c.get('big'), isCode('SKIPPED'));
    assert.equal(server.requestCount, 6, 'three reads of big, three of other souls, none for the skip');
    assert.equal(c.stats().byOperation.get.skipped, 1);
    c.forgive('big');
    server.setDefault({ status: 200, body: { success: true, data: { a: 1 } } });
    await c.get('big');
    assert.equal(server.requestCount, 7);
    c.close();
  });

  it('on: an undecodable record counts under getRecord (the read itself succeeded), a decodable one clears it', async () => {
    server.reset();
    server.setDefault({ status: 200, body: { success: true, data: { data: '{}', oip: '{}', meta: '{not json' } } });
    const c = new GunRelayClient({ baseUrl: server.url, retry: false, countReadFailures: true });
    for (let i = 0; i < 3; i++) await assert.rejects(c.getRecord('rec'), isCode('BAD_RESPONSE'));
    assert.equal(c.isQuarantined('getRecord', 'rec'), true);
    assert.equal(c.isQuarantined('get', 'rec'), false, 'the get itself succeeded');
    const before = server.requestCount;
    await assert.rejects(c.getRecord('rec'), isCode('SKIPPED'));
    assert.equal(server.requestCount, before, 'no request for a quarantined record');
    for (let i = 0; i < 2; i++) await assert.rejects(c.getRecord('rec2'), isCode('BAD_RESPONSE'));
    server.setDefault({ status: 200, body: { success: true, data: { data: '{}', oip: '{}', meta: '{"created":1}' } } });
    assert.notEqual(await c.getRecord('rec2'), null);
    assert.equal(c.quarantined().length, 1, 'only rec is left');
    assert.equal(c.stats().trackedSouls, 1, 'the decodable read cleared rec2');
    c.close();
  });
});
