import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GunRelayClient, ManualClock, isGunRelayError } from '../src/index.js';
import { DeletionRegistry, IndexSnapshot, OIP_RECORD_TYPES, OipSyncWorker, registryIndexSoul, toDid, type OipCopiedEvent, type OipSyncCycleReport, type OipDeletedEvent, type OipHookFailedEvent } from '../src/oip/index.js';
import { startLocalRelays, startOipProxy, type LocalRelay, type LocalRelayGroup, type OipProxy } from '../src/testing/index.js';
import { PUBLISHER, deleteOnPeer, publish, type PeerState } from '../examples/lib/oipFixture.js';

const TYPES = OIP_RECORD_TYPES.slice(0, 8);
const WRITTEN = TYPES.slice(0, 4);
const soulOf = (n: number): string => `${PUBLISHER}:${WRITTEN[n % 4]}_${n}`;
const titleOf = async (client: GunRelayClient, soul: string): Promise<unknown> => ((await client.getRecord(soul))?.data as { basic?: { name?: string } } | null)?.basic?.name;

describe('OipSyncWorker options', () => {
  const bad: Array<[string, unknown, RegExp]> = [
    ['no peers', { peers: [], local: 'http://127.0.0.1:1' }, /peers/],
    ['a peer that is not a URL', { peers: ['http://127.0.0.1:1', 'nope nope'], local: 'http://127.0.0.1:1' }, /peers\[1\]/],
    ['a repeated record type', { peers: ['http://127.0.0.1:1'], local: 'http://127.0.0.1:1', recordTypes: ['post', 'post'] }, /recordTypes/],
    ['a negative interval', { peers: ['http://127.0.0.1:1'], local: 'http://127.0.0.1:1', intervalMs: -5 }, /intervalMs/],
    ['a jitter above 1', { peers: ['http://127.0.0.1:1'], local: 'http://127.0.0.1:1', snapshots: { jitter: 2 } }, /snapshots\.jitter/],
    ['clientOptions with baseUrl', { peers: ['http://127.0.0.1:1'], local: 'http://127.0.0.1:1', clientOptions: { baseUrl: 'x' } }, /clientOptions/],
    ['a hook that is not a function', { peers: ['http://127.0.0.1:1'], local: 'http://127.0.0.1:1', onCopied: 'index' }, /onCopied/],
    ['an unknown option', { peers: ['http://127.0.0.1:1'], local: 'http://127.0.0.1:1', peer: 'x' }, /peer/],
  ];
  for (const [what, options, field] of bad) {
    it(`${what}: INVALID_OPTIONS naming the field, nothing created`, () => {
      assert.throws(
        () => new OipSyncWorker(options as never),
        (e: unknown) => isGunRelayError(e) && e.code === 'INVALID_OPTIONS' && field.test(e.message) && /OipSyncWorker option/.test(e.message),
      );
    });
  }

  it('defaults: the indexer 37 record types, 15 min interval, a /gun-relay URL is an oip-proxy peer', async () => {
    const worker = new OipSyncWorker({ peers: ['http://127.0.0.1:9/gun-relay'], local: 'http://127.0.0.1:9' });
    assert.equal(worker.options.recordTypes.length, 37);
    assert.deepEqual(worker.options.recordTypes, [...OIP_RECORD_TYPES]);
    assert.equal(worker.options.intervalMs, 900_000);
    assert.match(worker.options.nodeId, /^[0-9a-f]{16}$/);
    assert.deepEqual(worker.relays().map((r) => [r.role, r.relay, r.breaker]), [['local', 'http://127.0.0.1:9', 'closed'], ['peer', 'http://127.0.0.1:9/gun-relay', 'closed']]);
    assert.equal(worker.health().status, 'stopped');
    await worker.close();
  });
});

describe('OipSyncWorker against the real gun: a peer behind the OIP proxy, deletions, refused souls, a failing hook', () => {
  let group: LocalRelayGroup;
  let local: LocalRelay;
  let peerRelay: LocalRelay;
  let proxy: OipProxy;
  let seeder: GunRelayClient;
  let check: GunRelayClient;
  const clock = new ManualClock();
  const copied: OipCopiedEvent[] = [];
  const deleted: OipDeletedEvent[] = [];
  const hookFailures: OipHookFailedEvent[] = [];
  let worker: OipSyncWorker;
  const state: PeerState = { records: new Map(), deleted: new Set() };

  before(async () => {
    group = await startLocalRelays(2, { putDelayMs: 0, missWaitMs: 200, writeBatchMs: 20 });
    [local, peerRelay] = group.relays as [LocalRelay, LocalRelay];
    proxy = await startOipProxy({ target: peerRelay.url });
    seeder = new GunRelayClient({ baseUrl: peerRelay.url });
    check = new GunRelayClient({ baseUrl: local.url });
    await publish(seeder, state, 16, WRITTEN.length);
    await deleteOnPeer(seeder, state, [soulOf(3)]);
    local.fault(soulOf(5), { status: 500, body: { error: 'Data at root of graph must be a node (an object).' }, path: '/put' });
    worker = new OipSyncWorker({
      peers: [proxy.url],
      local: local.url,
      nodeId: 'local-node-01',
      recordTypes: TYPES,
      clock,
      random: () => 0.5,
      localClientOptions: { failureThreshold: 1 },
      clientOptions: { retry: false },
      onCopied: (event) => {
        copied.push(event);
        if (event.soul === soulOf(6)) throw Object.assign(new Error('mapper_parsing_exception: failed to parse [data.basic]'), { code: 'ES_MAPPING' });
      },
      onDeleted: (event) => void deleted.push(event),
    });
    worker.on('hookFailed', (e) => hookFailures.push(e));
  });
  after(async () => {
    await worker.close();
    seeder.close();
    check.close();
    await proxy.close();
    await group.close();
  });

  it('cycle 1: per type what was read, copied and skipped, and why; the local relay holds exactly the copies', async () => {
    const report = await worker.runOnce();
    assert.equal(report.outcome, 'ok');
    const types = report.peers[0]!.types;
    assert.deepEqual(
      WRITTEN.map((t) => [t, types[t]!.index, types[t]!.entries, types[t]!.copied, types[t]!.skipped]),
      [
        ['basic', 'found', 4, 4, {}],
        ['creatorRegistration', 'found', 4, 3, { refused: 1 }],
        ['associatedURLOnWeb', 'found', 4, 3, { hookFailed: 1 }],
        ['text', 'found', 4, 3, { deleted: 1 }],
      ],
    );
    for (const t of TYPES.slice(4)) assert.equal(types[t]!.index, 'missing', t);
    assert.deepEqual(report.totals, { entries: 16, copied: 13, present: 0, deleted: 0, skipped: 3 });
    assert.deepEqual(report.problems.map((p) => [p.soul, p.reason, p.code]).sort(), [
      [soulOf(6), 'hookFailed', 'ES_MAPPING'],
      [soulOf(5), 'refused', 'SOUL_REJECTED'],
    ]);
    assert.equal(report.peers[0]!.deletionsListed, 1);
    assert.equal(report.deletions.mirrored, 1, 'the deletion of a record never held is mirrored');
    assert.deepEqual(JSON.parse(JSON.stringify(report)), report, 'plain data');
    assert.equal(copied.length, 14);
    assert.equal(copied.find((e) => e.soul === soulOf(0))!.recordType, 'basic');
    assert.deepEqual(hookFailures.map((e) => [e.hook, e.soul, e.code, e.quarantined]), [['onCopied', soulOf(6), 'ES_MAPPING', true]]);

    assert.equal(await titleOf(check, soulOf(8)), 'basic #8');
    assert.equal(await check.getRecord(soulOf(5)), null, 'refused');
    assert.equal(await check.getRecord(soulOf(3)), null, 'deleted on the peer');
    const index = await IndexSnapshot.load(check, registryIndexSoul('associatedURLOnWeb'));
    assert.deepEqual(index.keys().sort(), [soulOf(10), soulOf(14), soulOf(2)].sort(), 'the record whose hook failed is not registered');
  });

  it('cycle 2: deletions applied and handed to onDeleted; refused and hook-failed souls skipped without a request', async () => {
    await publish(seeder, state, 1, 1); // basic_16
    await deleteOnPeer(seeder, state, [soulOf(0), soulOf(4)]);
    await clock.advance(300_000);
    const before = local.requestCount;
    const report = await worker.runOnce();
    assert.equal(report.outcome, 'ok');
    const types = report.peers[0]!.types;
    assert.deepEqual([types['basic']!.copied, types['basic']!.deleted, types['basic']!.skipped], [1, 2, { deleted: 2 }]);
    assert.deepEqual(types['creatorRegistration']!.skipped, { quarantined: 1 });
    assert.deepEqual(types['associatedURLOnWeb']!.skipped, { hookQuarantined: 1 });
    assert.deepEqual(report.deletions, { pending: 2, applied: 2, mirrored: 2, skipped: {} });
    assert.deepEqual(deleted.map((e) => [e.soul, e.recordTypes]).sort(), [[soulOf(0), ['basic']], [soulOf(4), ['basic']], [soulOf(3), []]].sort());
    assert.equal(await check.getRecord(soulOf(0)), null);
    assert.equal(await titleOf(check, `${PUBLISHER}:basic_16`), 'basic #16');
    const mirrored = await new DeletionRegistry(check).refresh();
    assert.ok(mirrored.isDeleted(toDid(soulOf(0))) && mirrored.isDeleted(toDid(soulOf(3))));
    assert.ok(!local.log.slice(-(local.requestCount - before)).some((r) => r.soul === soulOf(5)), 'no request for the refused soul');
  });

  it('cycle 3 at steady state: nothing copied, no more requests than one per type; status surface', async () => {
    await clock.advance(300_000);
    const report = await worker.runOnce();
    assert.equal(report.totals.copied, 0);
    assert.ok(report.requests <= TYPES.length, `${report.requests} requests: ${JSON.stringify(report)}`);
    assert.equal(worker.recentCycles().length, 3);
    assert.equal(worker.lastCycle()!.number, 3);
    const health = worker.health();
    assert.equal(health.peers[0]!.ok, true);
    assert.equal(health.cycles, 3);
    const quarantined = worker.quarantined().map((q) => [q.side, q.op, q.soul, q.lastCode]);
    assert.deepEqual(quarantined.sort(), [
      ['local', 'onCopied', soulOf(6), 'ES_MAPPING'],
      ['local', 'put', soulOf(5), 'SOUL_REJECTED'],
    ]);
    assert.match(worker.quarantined().find((q) => q.op === 'onCopied')!.lastReason ?? '', /mapper_parsing_exception/);
  });
});

describe('OipSyncWorker with two peers, one of them through a proxy that goes into maintenance', () => {
  let group: LocalRelayGroup;
  let local: LocalRelay;
  let peerRelay: LocalRelay;
  let proxy: OipProxy;
  let seeder: GunRelayClient;
  const clock = new ManualClock();
  const state: PeerState = { records: new Map(), deleted: new Set() };
  let worker: OipSyncWorker;

  before(async () => {
    group = await startLocalRelays(2, { putDelayMs: 0, missWaitMs: 200, writeBatchMs: 20 });
    [local, peerRelay] = group.relays as [LocalRelay, LocalRelay];
    proxy = await startOipProxy({ target: peerRelay.url });
    seeder = new GunRelayClient({ baseUrl: peerRelay.url });
    await publish(seeder, state, 8, 2);
    worker = new OipSyncWorker({ peers: [proxy.url, peerRelay.url], local: local.url, recordTypes: TYPES.slice(0, 4), clock, intervalMs: 60_000, clientOptions: { retry: false } });
  });
  after(async () => {
    await worker.close();
    seeder.close();
    await proxy.close();
    await group.close();
  });

  it('a record two peers list is copied once; a peer in maintenance fails alone, the other still copies; health says which', async () => {
    const first = await worker.runOnce();
    assert.deepEqual(first.peers.map((p) => [p.types['basic']!.copied, p.types['basic']!.present]), [[4, 0], [0, 4]]);
    assert.equal(first.totals.copied, 8);
    assert.equal(worker.health().status, 'stopped', 'runOnce alone does not start the loop');

    proxy.setDisabled(true);
    await publish(seeder, state, 2, 2);
    await clock.advance(60_000);
    const second = await worker.runOnce();
    assert.equal(second.outcome, 'ok');
    assert.match(second.peers[0]!.error?.message ?? '', /503|maintenance/i, JSON.stringify(second.peers[0]));
    assert.equal(second.peers[1]!.error, undefined);
    assert.equal(second.peers[1]!.types['basic']!.copied + second.peers[1]!.types['creatorRegistration']!.copied, 2);
    const health = worker.health();
    assert.deepEqual(health.peers.map((p) => p.ok), [false, true]);
    assert.match(health.reasons[0]!, new RegExp(`peer ${proxy.url.replace(/[/.]/g, '\\$&')} failed in cycle 2`));

    proxy.setDisabled(false);
    await clock.advance(60_000);
    const third = await worker.runOnce();
    assert.equal(third.peers[0]!.error, undefined);
    assert.equal(third.totals.copied, 0);
    assert.deepEqual(worker.health().peers.map((p) => p.ok), [true, true]);
  });
});

describe('OipSyncWorker whose every peer fails', () => {
  let group: LocalRelayGroup;
  let local: LocalRelay;
  let peerRelay: LocalRelay;
  let proxy: OipProxy;

  before(async () => {
    group = await startLocalRelays(2, { putDelayMs: 0, missWaitMs: 200, writeBatchMs: 20 });
    [local, peerRelay] = group.relays as [LocalRelay, LocalRelay];
    proxy = await startOipProxy({ target: peerRelay.url });
    proxy.setDisabled(true);
  });
  after(async () => {
    await proxy.close();
    await group.close();
  });

  it('the cycle fails (not ok), /healthz answers 503, and the reason names each peer by its redacted URL, not baseUrl', async () => {
    // A port nothing listens on, with credentials in the URL; and a proxy in maintenance.
    const refused = 'http://sync:hunter2secret@127.0.0.1:1';
    const worker = new OipSyncWorker({ peers: [refused, proxy.url], local: local.url, recordTypes: TYPES.slice(0, 2), intervalMs: 600_000, clientOptions: { retry: false } });
    const server = await worker.serve({ port: 0 });
    try {
      const cycle = new Promise<OipSyncCycleReport>((resolve) => worker.once('cycle', resolve));
      worker.start();
      const report = await cycle;
      assert.equal(report.outcome, 'failed', JSON.stringify(report));
      assert.equal(report.error?.code, 'PEERS_UNREADABLE');
      assert.match(report.error!.message, /no peer could be read/);
      assert.ok(report.error!.message.includes('peer http://127.0.0.1:1 '), report.error!.message);
      assert.ok(report.error!.message.includes(`peer ${proxy.url} `), report.error!.message);
      assert.deepEqual(report.peers.map((p) => p.error?.code), ['CONNECTION_REFUSED', 'RELAY_ERROR']);

      const res = await fetch(`${server.url}/healthz`);
      const body = await res.text();
      assert.equal(res.status, 503, body);
      const health = JSON.parse(body) as { status: string; healthy: boolean; reasons: string[] };
      assert.equal(health.status, 'failing');
      assert.equal(health.healthy, false);
      const reasons = health.reasons.join('\n');
      assert.ok(reasons.includes('peer http://127.0.0.1:1 ') && reasons.includes(`peer ${proxy.url} `), reasons);
      assert.doesNotMatch(body, /baseUrl|hunter2secret|sync:/);
      assert.match(reasons, /peers\[0\]'s port/, 'the hint names the option the user wrote');
    } finally {
      await server.close();
      await worker.close();
    }
  });

  it('one peer of two failing still ends ok (the other was read); the only peer failing ends failed', async () => {
    const mixed = new OipSyncWorker({ peers: [proxy.url, peerRelay.url], local: local.url, recordTypes: TYPES.slice(0, 2), intervalMs: 600_000, clientOptions: { retry: false } });
    const single = new OipSyncWorker({ peers: [proxy.url], local: local.url, recordTypes: TYPES.slice(0, 2), intervalMs: 600_000, clientOptions: { retry: false } });
    try {
      const a = await mixed.runOnce();
      assert.equal(a.outcome, 'ok', JSON.stringify(a.error));
      assert.deepEqual(a.peers.map((p) => p.error?.code), ['RELAY_ERROR', undefined]);
      const b = await single.runOnce();
      assert.equal(b.outcome, 'failed');
      assert.match(b.error?.message ?? '', new RegExp(`the only peer answered\\): peer ${proxy.url.replace(/[/.]/g, '\\$&')} \\(RELAY_ERROR`));
    } finally {
      await mixed.close();
      await single.close();
    }
  });
});
