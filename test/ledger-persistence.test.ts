import assert from 'node:assert/strict';
import { writeKey } from '../src/ledger/writeKey.js';
import { after, before, describe, it } from 'node:test';
import { GunRelayClient, isGunRelayError, type LedgerSnapshot } from '../src/index.js';
import { startFaultServer, type FaultServer } from '../src/testing/index.js';

describe('ledger persistence (exportLedger / importLedger)', () => {
  let server: FaultServer;
  before(async () => {
    server = await startFaultServer({ status: 500, body: { error: 'Invalid data: Array at poisoned:1.tags' } });
  });
  after(async () => {
    await server.close();
  });

  async function poisoned(): Promise<LedgerSnapshot> {
    const a = new GunRelayClient({ baseUrl: server.url, attributionWindowMs: 0 });
    for (let i = 0; i < 3; i++) await a.delete('poisoned:1', { keys: ['tags'] }).catch(() => undefined);
    await a.put('poisoned:2', { x: 1 }).catch(() => undefined);
    const snapshot = a.exportLedger();
    a.close();
    return JSON.parse(JSON.stringify(snapshot)) as LedgerSnapshot;
  }

  it('a restarted worker imports the snapshot and skips its poisoned souls without a request', async () => {
    const snapshot = await poisoned();
    assert.equal(snapshot.format, 'gun-relay-client/ledger');
    assert.equal(snapshot.version, 1);
    assert.deepEqual(snapshot.entries.map((e) => [e.op, e.soul, e.failures, e.lastCode]), [
      ['delete', 'poisoned:1', 3, 'SOUL_REJECTED'],
      // A put's entry is keyed by its write: soul, U+0001, a digest of the body sent.
      ['put', writeKey('poisoned:2', JSON.stringify({ soul: 'poisoned:2', data: { x: 1 } })), 1, 'SOUL_REJECTED'],
    ]);
    const b = new GunRelayClient({ baseUrl: server.url, attributionWindowMs: 0 });
    assert.deepEqual(b.importLedger(snapshot), { imported: 2, dropped: 0 });
    server.reset();
    assert.deepEqual(await b.delete('poisoned:1', { keys: ['tags'] }), { soul: 'poisoned:1', outcome: 'skipped', failures: 3, relay: server.url });
    assert.equal(server.requestCount, 0, 'no 3 more failing requests after a restart');
    assert.equal(b.stats().quarantinedSouls, 1);
    b.close();
  });

  it('entries whose TTL ran out while the worker was down are dropped', async () => {
    const snapshot = await poisoned();
    const old = { ...snapshot, entries: snapshot.entries.map((e, i) => (i === 0 ? { ...e, lastFailureAt: Date.now() - 2 * 3_600_000 } : e)) };
    const b = new GunRelayClient({ baseUrl: server.url, attributionWindowMs: 0 });
    assert.deepEqual(b.importLedger(old), { imported: 1, dropped: 1 });
    assert.equal(b.quarantined().length, 0);
    b.close();
  });

  it('a malformed snapshot is INVALID_INPUT naming the field, and the ledger is untouched', async () => {
    const b = new GunRelayClient({ baseUrl: server.url, attributionWindowMs: 0 });
    for (const bad of [null, {}, { format: 'gun-relay-client/ledger', version: 2, exportedAt: 1, entries: [] }, { format: 'gun-relay-client/ledger', version: 1, exportedAt: 1, entries: [{ op: 'get', soul: 'x' }] }]) {
      assert.throws(() => b.importLedger(bad), (e: unknown) => isGunRelayError(e) && e.code === 'INVALID_INPUT' && (e.field ?? '').startsWith('snapshot'));
    }
    // A put's write key is the soul, U+0001 and 16 hex digits; any other control character is refused.
    const entry = { op: 'put', failures: 3, firstFailureAt: Date.now(), lastFailureAt: Date.now(), lastCode: 'SOUL_REJECTED' };
    for (const soul of ['a:1\u0001not-hex', 'a:1\u0000x', '\u00010123456789abcdef']) {
      const snapshot = { format: 'gun-relay-client/ledger', version: 1, exportedAt: Date.now(), entries: [{ ...entry, soul }] };
      assert.throws(() => b.importLedger(snapshot), (e: unknown) => isGunRelayError(e) && e.code === 'INVALID_INPUT' && e.field === 'snapshot.entries.0.soul');
    }
    assert.equal(b.stats().trackedSouls, 0);
    const ok = { format: 'gun-relay-client/ledger', version: 1, exportedAt: Date.now(), entries: [{ ...entry, soul: 'a:1\u00010123456789abcdef' }] };
    assert.deepEqual(b.importLedger(ok), { imported: 1, dropped: 0 });
    b.close();
  });
});
