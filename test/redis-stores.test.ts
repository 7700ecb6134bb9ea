import assert from 'node:assert/strict';
import { writeKey } from '../src/ledger/writeKey.js';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { GunRelayClient, ManualClock, SyncLoop, type QuarantineEvent } from '../src/index.js';
import { RedisLeaseStore, RedisLedgerStore } from '../src/stores/redis/index.js';
import { startFaultServer, startRedisServer, type FaultServer, type RedisServer } from '../src/testing/index.js';

/** Polls `check` every 5 ms until it holds; fails after `ms` (real time, bounded). */
async function until(check: () => boolean | Promise<boolean>, ms = 5_000, what = 'condition'): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error(`${what} not reached within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return Date.now() - start;
}

describe('Redis stores against a real redis-server', () => {
  let redisServer: RedisServer;
  let relay: FaultServer;
  const connections: Redis[] = [];
  const stores: RedisLedgerStore[] = [];
  const clients: GunRelayClient[] = [];

  before(async () => {
    redisServer = await startRedisServer();
    relay = await startFaultServer((req) =>
      String((req.body as { soul?: string } | undefined)?.soul).startsWith('bad:')
        ? { status: 500, body: { error: 'Invalid data: Array at bad' } }
        : { status: 200, body: { success: true } },
    );
  });
  after(async () => {
    for (const c of clients) c.close();
    for (const s of stores) s.close();
    for (const r of connections) r.disconnect();
    await relay.close();
    await redisServer.close();
  });

  function connection(): Redis {
    const r = new Redis({ host: redisServer.host, port: redisServer.port, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    r.on('error', () => undefined);
    connections.push(r);
    return r;
  }

  /** A worker: its own Redis connection, store and client, as a separate process would have. */
  async function worker(prefix: string, over: Partial<ConstructorParameters<typeof RedisLedgerStore>[0]> = {}, clientOver: Record<string, unknown> = {}) {
    const store = new RedisLedgerStore({ redis: connection(), prefix, ...over });
    stores.push(store);
    // attributionWindowMs: 0: these tests are about sharing the ledger's counts, so every refusal counts.
    const client = new GunRelayClient({ baseUrl: relay.url, retry: false, breaker: false, failureTtlMs: 60_000, ledgerStore: store, attributionWindowMs: 0, ...clientOver });
    clients.push(client);
    await until(() => (client.stats().ledgerStore?.loads ?? 0) >= 1, 5_000, 'initial load');
    return { store, client };
  }

  it('a quarantine learned by one worker reaches the others through pub/sub; the data layout is as documented', async (t) => {
    const a = await worker('t1');
    const b = await worker('t1');
    const fleet: QuarantineEvent[] = [];
    b.client.on('quarantine', (e) => fleet.push(e));
    relay.reset();
    await a.client.put('bad:1', { x: 1 }).catch(() => undefined);
    await until(() => a.client.stats().ledgerStore!.written >= 1, 5_000, 'first write');
    await b.client.put('bad:1', { x: 1 }).catch(() => undefined);
    await until(() => b.client.stats().ledgerStore!.written >= 1, 5_000, 'second write');
    const sent = Date.now();
    await a.client.put('bad:1', { x: 1 }).catch(() => undefined);
    const propagationMs = await until(() => b.client.isQuarantined('put', 'bad:1'), 2_000, 'propagation');
    assert.ok(Date.now() - sent < 2_000);
    assert.equal(relay.requestCount, 3, 'three failing requests fleet-wide');
    assert.equal((await b.client.put('bad:1', { x: 1 })).outcome, 'skipped');
    assert.equal((await a.client.put('bad:1', { x: 1 })).outcome, 'skipped');
    assert.equal(relay.requestCount, 3);
    assert.equal(fleet.length, 1);
    assert.equal(fleet[0]!.fleet, true);
    assert.equal(fleet[0]!.failures, 3);

    const r = connection();
    // A put is keyed by its write: the soul plus a digest of the exact body sent.
    const key = `{t1:ledger}:e:3:put:${writeKey('bad:1', JSON.stringify({ soul: 'bad:1', data: { x: 1 } }))}`;
    const hash = await r.hgetall(key);
    assert.equal(hash['f'], '3');
    assert.equal(hash['nw'], '2', 'two distinct workers');
    assert.equal(hash['q'], '1');
    assert.equal(hash['c'], 'SOUL_REJECTED');
    const pttl = await r.pttl(key);
    assert.ok(pttl > 50_000 && pttl <= 60_000, `entry has its own TTL (${pttl})`);
    assert.ok((await r.zscore('{t1:ledger}:index', key.slice('{t1:ledger}:e:'.length))) !== null, 'listed in the sorted set');
    t.diagnostic(`propagation (loopback, one sample): ${propagationMs} ms`);
  });

  it('a worker that starts later loads the current quarantine; clears and forgives propagate', async () => {
    const a = await worker('t2');
    for (let i = 0; i < 3; i++) a.client.recordFailure('es', 'pub:1', { code: 'ES_MAPPING', reason: 'bad mapping' });
    for (let i = 0; i < 3; i++) a.client.recordFailure('index', 'pub:2', { code: 'X' });
    await until(() => a.client.stats().ledgerStore!.written >= 6, 5_000, 'writes');
    const late = await worker('t2');
    assert.equal(late.client.isQuarantined('es', 'pub:1'), true, 'loaded at start');
    assert.equal(late.client.quarantined().find((q) => q.op === 'es')?.lastReason, 'bad mapping');
    a.client.recordSuccess('es', 'pub:1');
    await until(() => !late.client.isQuarantined('es', 'pub:1'), 2_000, 'clear propagation');
    late.client.forgive('pub:2');
    await until(() => !a.client.isQuarantined('index', 'pub:2'), 2_000, 'forgive propagation');
    assert.equal(await connection().exists('{t2:ledger}:e:5:index:pub:2'), 0);
    // Each clear (a success on a, a forgive on late) is one write that Redis answered: none is an error.
    await until(() => a.client.stats().ledgerStore!.written + a.client.stats().ledgerStore!.writeErrors >= 7, 5_000, 'the clear written');
    await until(() => late.client.stats().ledgerStore!.written + late.client.stats().ledgerStore!.writeErrors >= 1, 5_000, 'the forgive written');
    assert.equal(a.client.stats().ledgerStore!.writeErrors, 0, 'a success-clear is not a write error');
    assert.equal(late.client.stats().ledgerStore!.writeErrors, 0, 'a forgive is not a write error');
  });

  it('hostile: garbage published on the changes channel never reaches the ledger as an unimportable entry', async () => {
    const { store, client } = await worker('hostile-pub');
    const pub = connection();
    const channel = '{hostile-pub:ledger}:changes';
    const junk = [
      'not json',
      JSON.stringify({ t: 'q', op: 'put', soul: 'h:code', f: 5, ttl: 30_000, c: { evil: true }, src: 'x' }),
      JSON.stringify({ t: 'q', op: 'put', soul: 'h:reason', f: 5, ttl: 30_000, c: 'SOUL_REJECTED', r: 'x'.repeat(1_000_000), src: 'x' }),
      JSON.stringify({ t: 'q', op: 'put', soul: 'h:nums', f: 5, ttl: 30_000, c: 'SOUL_REJECTED', s: 'abc', src: 'x' }),
      JSON.stringify({ t: 'q', op: 'x'.repeat(10_000), soul: 'h:op', f: 5, ttl: 30_000, src: 'x' }),
      JSON.stringify({ t: 'q', op: 'put', soul: 'bad soul\u0000', f: 5, ttl: 30_000, src: 'x' }),
      JSON.stringify({ t: 'q', op: 'put', soul: 'h:ok', f: 5, ttl: 30_000, c: 'SOUL_REJECTED', src: 'x' }),
    ];
    for (const m of junk) await pub.publish(channel, m);
    await until(() => client.quarantined().some((q) => q.soul === 'h:ok'), 5_000, 'the well-formed change applied');
    const snapshot = client.exportLedger();
    const fresh = new GunRelayClient({ baseUrl: relay.url });
    clients.push(fresh);
    const imported = fresh.importLedger(JSON.parse(JSON.stringify(snapshot)));
    assert.equal(imported.dropped, 0);
    assert.equal(imported.imported, snapshot.entries.length);
    const souls = snapshot.entries.map((e) => e.soul).sort();
    assert.deepEqual(souls, ['h:code', 'h:nums', 'h:ok'], 'bad keys, operation names and oversized messages are not kept');
    for (const e of snapshot.entries) {
      assert.equal(typeof e.lastCode, 'string');
      assert.ok((e.lastReason ?? '').length <= 256, `reason of ${e.lastReason?.length} characters kept`);
    }
    void store;
  });

  it('quarantineAfterWorkers: 2 — one worker alone skips locally but does not quarantine the fleet', async () => {
    const a = await worker('t3', { quarantineAfterWorkers: 2 });
    const b = await worker('t3', { quarantineAfterWorkers: 2 });
    for (let i = 0; i < 4; i++) a.client.recordFailure('es', 'pub:q', { code: 'X' });
    await until(() => a.client.stats().ledgerStore!.written >= 4, 5_000, 'writes');
    assert.equal(a.client.isQuarantined('es', 'pub:q'), true);
    assert.equal(b.client.isQuarantined('es', 'pub:q'), false);
    b.client.recordFailure('es', 'pub:q', { code: 'X' });
    await until(() => b.client.isQuarantined('es', 'pub:q'), 2_000, 'quorum quarantine');
  });

  it('Redis slow (CLIENT PAUSE): calls settle without waiting for it; unanswered writes time out and count', async () => {
    const a = await worker('t5', { writeTimeoutMs: 100 });
    const admin = connection();
    await admin.call('CLIENT', 'PAUSE', '3000', 'ALL');
    const writtenBefore = a.client.stats().ledgerStore!.written;
    for (let i = 0; i < 3; i++) await assert.rejects(a.client.put('bad:slow', { x: 1 }));
    assert.equal((await a.client.put('bad:slow', { x: 1 })).outcome, 'skipped');
    assert.equal((await a.client.put('ok:slow', { x: 1 })).outcome, 'written');
    assert.equal(a.client.stats().ledgerStore!.written, writtenBefore, 'every call above settled while Redis answered nothing');
    await until(() => a.client.stats().ledgerStore!.writeErrors >= 1, 5_000, 'a write timed out');
    await admin.call('CLIENT', 'UNPAUSE');
    await until(() => a.client.stats().ledgerStore!.queued === 0, 5_000, 'queue drained after the pause');
  });

  it('Redis down: calls and skips go on, writes queue up to the cap and drop oldest; after a restart the fleet reseeds and converges', async () => {
    const a = await worker('t4', { maxQueuedWrites: 5, writeTimeoutMs: 200 });
    for (let i = 0; i < 3; i++) await a.client.put('bad:down', { x: 1 }).catch(() => undefined);
    await until(() => a.client.stats().ledgerStore!.written >= 3, 5_000, 'writes');
    await redisServer.kill();
    await until(() => !a.client.stats().ledgerStore!.connected, 5_000, 'disconnect seen');
    relay.reset();
    // Calls keep working: a healthy put is written, the quarantined soul is skipped, others fail and count locally.
    assert.equal((await a.client.put('ok:1', { x: 1 })).outcome, 'written');
    assert.equal((await a.client.put('bad:down', { x: 1 })).outcome, 'skipped');
    for (let i = 0; i < 10; i++) a.client.recordFailure('es', `pub:${i}`, { code: 'X' });
    const s = a.client.stats().ledgerStore!;
    assert.equal(s.queued, 5, 'the queue is capped');
    assert.equal(s.dropped, 5, 'the oldest writes were dropped and counted');
    assert.equal(relay.requestCount, 1);

    await redisServer.restart();
    await until(() => (a.client.stats().ledgerStore?.loads ?? 0) >= 2, 10_000, 'reload after reconnect');
    // Redis came back empty; the worker reseeded its quarantine, so a new worker learns it.
    const b = await worker('t4');
    assert.equal(b.client.isQuarantined('put', 'bad:down'), true, 'reseeded after the restart');
    for (let i = 0; i < 3; i++) await b.client.put('bad:new', { x: 1 }).catch(() => undefined);
    await until(() => a.client.isQuarantined('put', 'bad:new'), 2_000, 'convergence after the restart');
  });
});

describe('RedisLeaseStore against a real redis-server', () => {
  let redisServer: RedisServer;
  let redis: Redis;
  before(async () => {
    redisServer = await startRedisServer();
    redis = new Redis({ host: redisServer.host, port: redisServer.port, maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
  });
  after(async () => {
    redis.disconnect();
    await redisServer.close();
  });

  const granted = async (p: Promise<unknown>): Promise<boolean> => ((await p) as { granted: boolean }).granted;

  /** Acquires on a store that has never granted `name`: the first answer is the fence; skips its wait. */
  async function unfence(leases: RedisLeaseStore, name: string): Promise<void> {
    const first = await leases.acquire(name, 'nobody', 60_000);
    assert.deepEqual(first, { granted: false, reason: 'fenced', holder: undefined, retryInMs: 60_000 });
    await redis.del(leases.keys.leaseRest(name));
  }

  it('acquire is exclusive with a growing fencing token; the holder re-acquires and extends; release is compare-and-delete, then rests', async () => {
    const leases = new RedisLeaseStore({ redis, prefix: 'l1' });
    await unfence(leases, 'sync');
    const first = await leases.acquire('sync', 'w1', 60_000);
    assert.equal(first.granted, true);
    const refused = await leases.acquire('sync', 'w2', 60_000);
    assert.equal(refused.granted, false);
    assert.equal(!refused.granted && refused.reason, 'held');
    assert.equal(!refused.granted && refused.holder, 'w1');
    const again = await leases.acquire('sync', 'w1', 60_000);
    assert.ok(again.granted && first.granted && again.token > first.token, 'the holder may take it again, with a new token');
    assert.equal(await leases.extend('sync', 'w2', 60_000), false, 'a non-holder cannot extend');
    await redis.pexpire('l1:lease:sync', 1_000);
    assert.equal(await leases.extend('sync', 'w1', 60_000), true);
    assert.ok((await redis.pttl('l1:lease:sync')) > 50_000, 'extend renewed the TTL');
    assert.equal(await leases.release('sync', 'w2'), false, 'a stale holder never releases another holder’s lease');
    assert.equal(await redis.get('l1:lease:sync'), 'w1');
    assert.equal(await leases.release('sync', 'w1', 30_000), true);
    const resting = await leases.acquire('sync', 'w2', 60_000);
    assert.equal(!resting.granted && resting.reason, 'resting', 'the fleet rests after a cycle');
    assert.equal(await granted(leases.acquire('sync', 'w1', 60_000)), false, 'the releaser too');
    await redis.del(leases.keys.leaseRest('sync'));
    assert.equal(await granted(leases.acquire('sync', 'w2', 60_000)), true);
  });

  it('junk in the lease keys (wrong types, no TTL) is replaced, never blocks the lease forever', async () => {
    const leases = new RedisLeaseStore({ redis, prefix: 'l3' });
    await redis.rpush(leases.keys.leaseFence('sync'), 'x');
    await unfence(leases, 'sync');
    await redis.set(leases.keys.lease('sync'), 'squatter'); // no TTL
    await redis.set(leases.keys.leaseRest('sync'), 'resting-forever');
    assert.equal(await granted(leases.acquire('sync', 'w1', 60_000)), true);
  });

  it('a fencing counter INCR cannot raise, or JavaScript cannot hold exactly, is junk: fenced once, then growing safe-integer tokens', async () => {
    // 20 digits (INCR: out of range), int64 max (INCR: overflow), above 2^53 (tokens lose their order), leading zeros, 0.
    for (const [i, junk] of ['99999999999999999999', '9223372036854775807', '9007199254740993', '00000000000000000001', '0'].entries()) {
      const leases = new RedisLeaseStore({ redis, prefix: `l6-${i}` });
      await redis.set(leases.keys.leaseFence('sync'), junk);
      await unfence(leases, 'sync');
      const first = await leases.acquire('sync', 'w1', 60_000);
      await redis.del(leases.keys.lease('sync'));
      const second = await leases.acquire('sync', 'w2', 60_000);
      assert.ok(first.granted && second.granted, `fence ${junk}: granted after one fence`);
      assert.ok(Number.isSafeInteger(first.token) && second.token > first.token, `fence ${junk}: tokens ${first.token} then ${second.token}`);
    }
  });

  it('Redis restarted empty: the store fences one TTL and then grants tokens above every earlier one', async () => {
    const leases = new RedisLeaseStore({ redis, prefix: 'l4', timeoutMs: 300 });
    await unfence(leases, 'sync');
    const before = await leases.acquire('sync', 'old', 200);
    assert.ok(before.granted);
    await redisServer.kill();
    await redisServer.restart();
    await until(async () => (await redis.ping().catch(() => '')) === 'PONG', 5_000, 'reconnect');
    const fenced = await leases.acquire('sync', 'new', 200);
    assert.equal(!fenced.granted && fenced.reason, 'fenced', 'nobody is granted the lease while an earlier holder may still run');
    assert.equal(await granted(leases.acquire('sync', 'old', 200)), false, 'not even the old holder');
    let after: Awaited<ReturnType<RedisLeaseStore['acquire']>> | undefined;
    await until(async () => (after = await leases.acquire('sync', 'new', 60_000)).granted, 5_000, 'a grant after the fence');
    assert.ok(after!.granted && after!.token > before.token, `token ${after!.granted && after!.token} after the restart > ${before.token} before`);
  });

  it('a crashed holder’s lease expires and another takes over; Redis down: acquire rejects (unreachable), extend answers false', async () => {
    const leases = new RedisLeaseStore({ redis, prefix: 'l2', timeoutMs: 300 });
    await unfence(leases, 'sync');
    assert.equal(await granted(leases.acquire('sync', 'dead', 100)), true);
    await until(async () => granted(leases.acquire('sync', 'alive', 60_000)), 5_000, 'takeover after expiry');
    assert.equal(await leases.extend('sync', 'dead', 60_000), false, 'the old holder learns it lost the lease');
    await redisServer.kill();
    assert.equal(await leases.extend('sync', 'alive', 60_000), false);
    await assert.rejects(leases.acquire('sync', 'alive', 60_000), /lease store unreachable/);
    assert.ok(leases.stats().errors >= 2);
    await redisServer.restart();
  });

  it('a SyncLoop whose RedisLeaseStore cannot reach Redis says the store is unreachable, never that another holder has the lease', async () => {
    const leases = new RedisLeaseStore({ redis, prefix: 'l5', timeoutMs: 300 });
    const clock = new ManualClock();
    const loop = new SyncLoop({ name: 'sync', client: new GunRelayClient({ baseUrl: 'http://127.0.0.1:9' }), intervalMs: 1_000, cycleTimeoutMs: 2_000, clock, lease: leases, run: () => 'ran' });
    await redisServer.kill();
    const report = await loop.trigger();
    await redisServer.restart();
    assert.equal(report.outcome, 'leaseUnavailable');
    assert.equal(report.lease?.refused, 'unreachable');
    assert.equal(report.error?.code, 'LEASE_STORE_UNREACHABLE');
    const health = loop.health();
    assert.notEqual(health.status, 'standby');
    assert.ok(health.reasons.some((r) => r.includes('lease store is unreachable')), health.reasons.join(' | '));
    assert.ok(!health.reasons.some((r) => r.includes('another holder')));
  });
});

describe('startRedisServer', () => {
  it('says how to install Redis when the binary is missing', async () => {
    await assert.rejects(startRedisServer({ binary: 'no-such-redis-server' }), /not found on the PATH: install Redis \(Debian: apt-get install -y redis-server\)/);
  });

  it('binds 127.0.0.1 on an ephemeral port (never 6379); kill and restart keep the port and lose the data', async () => {
    const s = await startRedisServer();
    assert.notEqual(s.port, 6379);
    assert.equal(s.url, `redis://127.0.0.1:${s.port}`);
    const r = new Redis({ host: s.host, port: s.port, maxRetriesPerRequest: 1, retryStrategy: () => 20 });
    r.on('error', () => undefined);
    await r.set('k', 'v');
    await s.kill();
    assert.equal(s.running, false);
    await s.restart();
    assert.equal(s.running, true);
    assert.equal(await r.get('k'), null, 'no persistence: a restart starts empty');
    r.disconnect();
    await s.close();
    assert.equal(s.running, false);
  });
});
