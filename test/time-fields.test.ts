/**
 * Time fields have units a user can rely on: absolute times are epoch ms (so `new Date(t)` prints
 * the right date, whatever clock drives the client), durations are whole ms.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GunRelayClient, ManualClock, type QuarantineEvent, type SettleEvent } from '../src/index.js';
import { startFaultServer, type FaultServer } from '../src/testing/index.js';

const GUN = { status: 500, body: { error: 'Data at root of graph must be a node (an object).' } };
const EPOCH = Date.UTC(2026, 0, 1);

describe('time fields', () => {
  let server: FaultServer;
  before(async () => {
    server = await startFaultServer(GUN);
  });
  after(async () => {
    await server.close();
  });

  it('with an injected clock: quarantine.retryAt, quarantined() and the snapshot are epoch ms from clock.wallNow()', async () => {
    const clock = new ManualClock(123.456, EPOCH);
    const client = new GunRelayClient({ baseUrl: server.url, clock, retry: false, breaker: false, failureTtlMs: 60_000, attributionWindowMs: 0 });
    const quarantines: QuarantineEvent[] = [];
    client.on('quarantine', (q) => quarantines.push(q));
    for (let i = 0; i < 3; i++) await client.put('t:1', { a: 1 }).catch(() => undefined);
    await clock.advance(10_000.5);

    assert.equal(quarantines.length, 1);
    assert.equal(quarantines[0]!.retryAt, EPOCH + 60_000);
    assert.equal('until' in quarantines[0]!, false, 'no clock-time field left beside it');

    const [q] = client.quarantined();
    assert.equal(q!.lastFailureAt, EPOCH);
    assert.equal(q!.firstFailureAt, EPOCH);
    assert.equal(q!.retryAt, EPOCH + 60_000);
    assert.equal(q!.remainingMs, 50_000, 'whole ms (49,999.5 rounded up)');
    assert.equal(new Date(q!.retryAt).toISOString(), '2026-01-01T00:01:00.000Z');

    const snapshot = client.exportLedger();
    assert.equal(snapshot.exportedAt, EPOCH + 10_001);
    assert.equal(snapshot.entries[0]!.lastFailureAt, EPOCH);
    client.close();
  });

  it('with the system clock: every duration is a whole number, every absolute time a plausible date', async () => {
    const client = new GunRelayClient({ baseUrl: server.url, retry: false, breaker: false, attributionWindowMs: 0 });
    const settles: SettleEvent[] = [];
    const quarantines: QuarantineEvent[] = [];
    client.on('settle', (s) => settles.push(s));
    client.on('quarantine', (q) => quarantines.push(q));
    for (let i = 0; i < 4; i++) await client.put('t:2', { a: 1 }).catch(() => undefined);
    server.setDefault({ status: 200, body: { success: true, peers: [] } });
    const [health] = await client.health();

    assert.equal(settles.length, 4);
    for (const s of settles) assert.ok(Number.isInteger(s.durationMs), `durationMs ${s.durationMs}`);
    assert.ok(Number.isInteger(health!.latencyMs), `latencyMs ${health!.latencyMs}`);
    const [q] = client.quarantined();
    assert.ok(Number.isInteger(q!.remainingMs));
    for (const t of [quarantines[0]!.retryAt, q!.retryAt, q!.lastFailureAt, q!.firstFailureAt]) {
      assert.ok(Number.isInteger(t));
      assert.ok(new Date(t).getUTCFullYear() >= 2025, `${t} is an epoch time`);
    }
    client.close();
  });
});
