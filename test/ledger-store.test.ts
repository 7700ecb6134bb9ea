import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GunRelayClient, ManualClock, MemoryLedgerStore, type QuarantineEvent, type RecoverEvent } from '../src/index.js';
import { startFaultServer, type FaultServer } from '../src/testing/index.js';

/** Lets microtask deliveries run. */
const settle = () => new Promise((r) => setImmediate(r));

describe('ledger store seam (MemoryLedgerStore: clients of one store act as a fleet)', () => {
  let server: FaultServer;
  before(async () => {
    // The relay refuses every soul starting `bad:`; everything else is written.
    server = await startFaultServer((req) =>
      typeof req.body === 'object' && req.body !== null && String((req.body as { soul?: string }).soul).startsWith('bad:')
        ? { status: 500, body: { error: 'Invalid data: Array at bad' } }
        : { status: 200, body: { success: true } },
    );
  });
  after(async () => {
    await server.close();
  });

  // attributionWindowMs: 0: every refusal counts, as these tests are about summing counts (the
  // attribution rule, which also asks for a recent success of another soul, is in relay-profiles).
  function fleet(n: number, store: MemoryLedgerStore, clock = new ManualClock(1_000)) {
    return Array.from({ length: n }, () => new GunRelayClient({ baseUrl: server.url, clock, failureTtlMs: 60_000, retry: false, breaker: false, ledgerStore: store, attributionWindowMs: 0 }));
  }

  it('without a store nothing changes: stats has no ledgerStore and each client counts alone', async () => {
    const a = new GunRelayClient({ baseUrl: server.url, retry: false, attributionWindowMs: 0 });
    await a.put('bad:0', { x: 1 }).catch(() => undefined);
    assert.equal(a.stats().ledgerStore, undefined);
    assert.equal(a.stats().trackedSouls, 1);
    a.close();
  });

  it('failures are summed across clients: 3 failing requests fleet-wide, then every client skips', async () => {
    const clock = new ManualClock(1_000);
    const store = new MemoryLedgerStore({ clock });
    const [a, b, c] = fleet(3, store, clock);
    const fleetEvents: QuarantineEvent[] = [];
    c!.on('quarantine', (e) => fleetEvents.push(e));
    server.reset();
    await a!.put('bad:1', { x: 1 }).catch(() => undefined);
    await b!.put('bad:1', { x: 1 }).catch(() => undefined);
    await a!.put('bad:1', { x: 1 }).catch(() => undefined);
    await settle();
    assert.equal(server.requestCount, 3);
    for (const client of [a, b, c]) assert.equal((await client!.put('bad:1', { x: 1 })).outcome, 'skipped');
    assert.equal(server.requestCount, 3, 'no client sent a fourth failing request');
    assert.equal(fleetEvents.length, 1);
    assert.equal(fleetEvents[0]!.fleet, true);
    assert.equal(fleetEvents[0]!.failures, 3);
    assert.equal(c!.quarantined()[0]!.remainingMs, 60_000);
    assert.ok((c!.stats().ledgerStore?.applied ?? 0) >= 1);
    // The fleet entry expires on the same TTL.
    await clock.advance(60_001);
    assert.equal(c!.isQuarantined('put', 'bad:1'), false);
    for (const client of [a, b, c]) client!.close();
  });

  it('a success or forgive on one client clears the entry on the others (recover with fleet: true)', async () => {
    const store = new MemoryLedgerStore();
    const [a, b] = fleet(2, store);
    const recovered: RecoverEvent[] = [];
    b!.on('recover', (e) => recovered.push(e));
    for (let i = 0; i < 3; i++) a!.recordFailure('es', 'pub:1', { code: 'ES_MAPPING' });
    await settle();
    assert.equal(b!.isQuarantined('es', 'pub:1'), true);
    a!.recordSuccess('es', 'pub:1');
    await settle();
    assert.equal(b!.isQuarantined('es', 'pub:1'), false);
    for (let i = 0; i < 3; i++) a!.recordFailure('index', 'pub:2', { code: 'X' });
    await settle();
    assert.equal(b!.isQuarantined('index', 'pub:2'), true);
    b!.forgive('pub:2');
    await settle();
    assert.equal(a!.isQuarantined('index', 'pub:2'), false);
    assert.deepEqual(
      recovered.map((e) => [e.op, e.reason, e.fleet]),
      [
        ['es', 'success', true],
        ['index', 'forgive', undefined],
      ],
      'b hears a success from a (fleet) and reports its own forgive',
    );
    a!.close();
    b!.close();
  });

  it('quarantineAfterWorkers: one client alone cannot quarantine fleet-wide, but still skips locally', async () => {
    const store = new MemoryLedgerStore({ quarantineAfterWorkers: 2 });
    const [a, b] = fleet(2, store);
    server.reset();
    for (let i = 0; i < 4; i++) await a!.put('bad:2', { x: 1 }).catch(() => undefined);
    await settle();
    assert.equal(server.requestCount, 3, 'a skips after its own threshold');
    assert.equal(b!.isQuarantined('put', 'bad:2'), false, 'one worker is not a quorum');
    await b!.put('bad:2', { x: 1 }).catch(() => undefined);
    await settle();
    assert.equal(b!.isQuarantined('put', 'bad:2'), true, 'a second worker makes the quorum');
    assert.equal(server.requestCount, 4);
    a!.close();
    b!.close();
  });

  it('a client that connects later loads the current quarantine', async () => {
    const store = new MemoryLedgerStore();
    const [a] = fleet(1, store);
    for (let i = 0; i < 3; i++) a!.recordFailure('es', 'pub:3', { code: 'X' });
    const [late] = fleet(1, store);
    assert.equal(late!.isQuarantined('es', 'pub:3'), true);
    a!.close();
    late!.close();
  });
});
