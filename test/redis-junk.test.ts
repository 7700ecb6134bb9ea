/**
 * Hostile Redis content against RedisLedgerStore, on a real redis-server: junk messages on the
 * change channel, junk keys where entries and the index live, huge values, control characters.
 * Nothing may crash the worker, stall its loading, or reach its ledger uncleaned; junk is
 * reported on the client's `ledgerStoreJunk` event and counted in `stats().ledgerStore.junk`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { GunRelayClient, type LedgerStoreJunkEvent } from '../src/index.js';
import { RedisLedgerStore } from '../src/stores/redis/index.js';
import { startRedisServer, type RedisServer } from '../src/testing/index.js';

async function until(check: () => boolean | Promise<boolean>, ms = 5_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error(`${what} not reached within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('RedisLedgerStore: junk in Redis never crashes, stalls or leaks into the ledger', () => {
  let server: RedisServer;
  const connections: Redis[] = [];
  const closers: Array<() => void> = [];

  before(async () => {
    server = await startRedisServer();
  });
  after(async () => {
    for (const c of closers) c();
    for (const r of connections) r.disconnect();
    await server.close();
  });

  function connection(): Redis {
    const r = new Redis({ host: server.host, port: server.port, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    r.on('error', () => undefined);
    connections.push(r);
    return r;
  }

  function worker(prefix: string): { client: GunRelayClient; junk: LedgerStoreJunkEvent[]; warnings: unknown[][] } {
    const store = new RedisLedgerStore({ redis: connection(), prefix });
    const warnings: unknown[][] = [];
    const client = new GunRelayClient({ baseUrl: 'http://127.0.0.1:9', ledgerStore: store, failureTtlMs: 60_000, logger: { warn: (...a: unknown[]) => warnings.push(a) } });
    const junk: LedgerStoreJunkEvent[] = [];
    client.on('ledgerStoreJunk', (e) => junk.push(e));
    closers.push(() => {
      client.close();
      store.close();
    });
    return { client, junk, warnings };
  }

  it('junk messages on the change channel (null, arrays, numbers, wrong types, 1 MB) are reported and ignored; a good one after them still applies', async () => {
    const w = worker('m1');
    await until(() => (w.client.stats().ledgerStore?.loads ?? 0) >= 1, 5_000, 'first load');
    const pub = connection();
    const channel = '{m1:ledger}:changes';
    const junk = [
      'null',
      '[]',
      '42',
      '"text"',
      'not json',
      '{"t":"q"}',
      '{"t":"q","op":"put","soul":"a","f":"3","ttl":1000}',
      '{"t":"q","op":"put","soul":"a","f":3,"ttl":-5}',
      '{"t":"q","op":{"x":1},"soul":"a","f":3,"ttl":1000}',
      '{"t":"q","op":"put","soul":"bad\\u0007soul","f":3,"ttl":1000}',
      '{"t":"c","op":"put","soul":null}',
      '{"t":"x","op":"put","soul":"a"}',
      JSON.stringify({ t: 'q', op: 'put', soul: 'a', f: 3, ttl: 1000, r: 'x'.repeat(1_000_000) }),
    ];
    for (const m of junk) await pub.publish(channel, m);
    // A good quarantine after the junk, whose reason carries control characters and whose TTL is longer than the client's.
    await pub.publish(channel, JSON.stringify({ t: 'q', op: 'delete', soul: 'good', f: 3, nw: 1, ttl: 10 ** 12, c: 'SOUL_REJECTED', s: '500', r: 'line\nbreak\u001b[31m red', src: 'someone' }));
    await until(() => w.client.isQuarantined('delete', 'good'), 5_000, 'the good change applied');
    assert.equal(w.client.stats().ledgerStore!.junk, junk.length, 'every junk message counted');
    assert.ok(w.junk.length >= 1 && w.junk.every((e) => e.source === 'message'));
    assert.ok(w.junk.every((e) => e.detail.length < 400 && !/[\u0000-\u001f]/.test(e.detail)), 'reports are short and printable');
    assert.ok(w.warnings.some((a) => String(a[1]).includes('junk')), 'the logger hears of it');
    const q = w.client.quarantined().find((e) => e.soul === 'good')!;
    assert.equal(q.lastReason, 'line break [31m red', 'control characters replaced');
    assert.ok(q.retryAt - Date.now() <= 60_000 + 1_000, "a fleet TTL never exceeds the client's own failureTtlMs");
    assert.equal(w.client.quarantined().filter((e) => e.soul !== 'good').length, 0, 'no junk reached the ledger');
  });

  it('junk keys: an index member whose entry is a string, a list, a hash without TTL, a hash with a 2 MB field, a member of 20 KB; the load completes with the good entries', async () => {
    const r = connection();
    const tag = '{j1:ledger}';
    const far = Date.now() + 3_600_000;
    const good = `${tag}:e:6:delete:good`;
    await r.hset(good, { q: '1', op: 'delete', soul: 'good', f: '3', nw: '1', c: 'SOUL_REJECTED', s: '500', r: 'tab\there', fa: '1', la: '2' });
    await r.pexpire(good, 60_000);
    await r.set(`${tag}:e:str`, 'x');
    await r.rpush(`${tag}:e:list`, 'x');
    await r.hset(`${tag}:e:nottl`, { q: '1', op: 'delete', soul: 'nottl', f: '3' });
    await r.hset(`${tag}:e:huge`, { q: '1', op: 'delete', soul: 'huge', f: '3', r: 'y'.repeat(2_000_000) });
    await r.pexpire(`${tag}:e:huge`, 60_000);
    await r.hset(`${tag}:e:badsoul`, { q: '1', op: 'delete', soul: 'a\u0000b', f: '3' });
    await r.pexpire(`${tag}:e:badsoul`, 60_000);
    await r.zadd(`${tag}:index`, far, '6:delete:good', far, 'str', far, 'list', far, 'nottl', far, 'huge', far, 'badsoul', far, 'm'.repeat(20_000));
    const w = worker('j1');
    await until(() => (w.client.stats().ledgerStore?.loads ?? 0) >= 1, 5_000, 'the load completes despite the junk');
    assert.equal(w.client.isQuarantined('delete', 'good'), true);
    assert.equal(w.client.quarantined().length, 1, 'only the good entry loaded');
    assert.equal(w.client.quarantined()[0]!.lastReason, 'tab here');
    assert.equal(w.client.stats().ledgerStore!.junk, 6, 'string, list, no TTL, huge field, bad soul, long member');
    assert.ok(w.junk.every((e) => e.detail.length < 400));
    // Writes go on: a failure for a soul whose key holds junk replaces the junk instead of failing forever.
    await r.set(`${tag}:e:2:es:other`, 'junk');
    w.client.recordFailure('es', 'other', { code: 'SOUL_REJECTED' });
    await until(async () => (await r.type(`${tag}:e:2:es:other`)) === 'hash', 5_000, 'the write lands');
    assert.equal(await r.hget(`${tag}:e:2:es:other`, 'f'), '1');
    assert.equal(w.client.stats().ledgerStore!.writeErrors, 0);
  });

  it('an index that is not a sorted set: replaced and reported, loading completes and writes work', async () => {
    const r = connection();
    await r.set('{j2:ledger}:index', 'junk');
    const w = worker('j2');
    await until(() => (w.client.stats().ledgerStore?.loads ?? 0) >= 1, 5_000, 'the load completes');
    assert.ok(w.junk.some((e) => e.source === 'index'));
    w.client.recordFailure('es', 's1', { code: 'SOUL_REJECTED' });
    await until(async () => (await r.type('{j2:ledger}:index')) === 'zset', 5_000, 'the write lands');
    assert.equal(w.client.stats().ledgerStore!.writeErrors, 0);
  });
});
