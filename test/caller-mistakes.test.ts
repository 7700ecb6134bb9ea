/**
 * Issue 10 item 9: careless arguments are typed caller errors, never TypeErrors or relay-scope
 * failures; a relay that speaks broken HTTP is BAD_RESPONSE, not retried; counters and the
 * ledger import tell the truth; a stored record that cannot be decoded is not "nothing was sent".
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GunRelayClient } from '../src/index.js';
import { startFaultServer, type FaultServer } from '../src/testing/index.js';
import { isCode } from './helpers/errors.js';

describe('careless callers', () => {
  let server: FaultServer;
  let client: GunRelayClient;
  before(async () => {
    server = await startFaultServer({ status: 200, body: { success: true, data: { a: 1 } } });
    client = new GunRelayClient({ baseUrl: server.url, breaker: { threshold: 1, halfOpenAfterMs: 60_000 } });
  });
  after(async () => {
    client.close();
    await server.close();
  });
  beforeEach(() => server.reset());

  it('null options mean none; other non-objects, a bad signal or a throwing getter are INVALID_INPUT, nothing sent', async () => {
    assert.equal((await client.put('o:1', { a: 1 }, null as never)).outcome, 'written');
    assert.deepEqual(await client.get('o:1', null as never), { a: 1 });
    server.reset();
    const throwing = Object.defineProperty({}, 'signal', { enumerable: true, get: () => { throw new Error('boom'); } });
    await assert.rejects(client.get('o:1', 5 as never), isCode('INVALID_INPUT', 'options'));
    await assert.rejects(client.put('o:1', { a: 1 }, { signal: 'soon' as never }), isCode('INVALID_INPUT', 'signal'));
    await assert.rejects(client.delete('o:1', throwing as never), isCode('INVALID_INPUT', 'options'));
    await assert.rejects(client.list('o', 'x' as never), isCode('INVALID_INPUT', 'options'));
    assert.equal(server.requestCount, 0);
    assert.deepEqual(Object.values(client.stats().breakers), ['closed'], 'nothing reached the breaker');
  });

  it('Symbol keys are not node keys: ignored beside real keys, and a node of only Symbols is empty', async () => {
    await client.put('sym:1', { a: 1, [Symbol('x')]: 2 } as never);
    assert.deepEqual(server.log[0]?.body, { soul: 'sym:1', data: { a: 1 } });
    await assert.rejects(client.put('sym:2', { [Symbol('x')]: 2 } as never), isCode('INVALID_INPUT', 'node'));
  });

  it('off(event, fn) removes a listener added with once(event, fn)', async () => {
    let calls = 0;
    const fn = (): void => void calls++;
    client.once('settle', fn);
    client.off('settle', fn);
    await client.get('o:1');
    assert.equal(calls, 0);
  });

  it('stats().attempts does not count QUEUE_FULL calls, which sent nothing', async () => {
    const tight = new GunRelayClient({ baseUrl: server.url, maxInFlight: 1, maxQueue: 0 });
    server.setDefault({ delayMs: 50, then: { status: 200, body: { success: true, data: { a: 1 } } } });
    const results = await Promise.allSettled([tight.get('q:1'), tight.get('q:2'), tight.get('q:3')]);
    assert.equal(results.filter((r) => r.status === 'rejected').length, 2);
    const get = tight.stats().byOperation.get;
    assert.equal(get.calls, 3);
    assert.equal(get.attempts, 1, 'one call was attempted');
    assert.equal(server.requestCount, 1);
    tight.close();
  });

  it('importLedger reports what the bounded ledger kept, and refuses souls the client would refuse', () => {
    const small = new GunRelayClient({ baseUrl: server.url, maxTrackedSouls: 1_000 });
    const now = Date.now();
    const entry = (soul: string) => ({ op: 'put', soul, failures: 3, firstFailureAt: now - 10, lastFailureAt: now - 5, lastCode: 'SOUL_REJECTED', lastStatus: 500 });
    const snapshot = { format: 'gun-relay-client/ledger', version: 1, exportedAt: now, entries: Array.from({ length: 5_000 }, (_, i) => entry(`s:${i}`)) };
    assert.deepEqual(small.importLedger(snapshot), { imported: 1_000, dropped: 4_000 });
    assert.equal(small.stats().trackedSouls, 1_000);
    assert.throws(() => small.importLedger({ ...snapshot, entries: [entry('half\ud800')] }), isCode('INVALID_INPUT', 'snapshot.entries.0.soul'));
    assert.throws(() => small.importLedger({ ...snapshot, entries: [entry('ctl\u0001')] }), isCode('INVALID_INPUT'));
    small.close();
  });

  it('a stored record with bad meta types is BAD_RESPONSE (a request was sent), not INVALID_INPUT', async () => {
    server.setDefault({ status: 200, body: { success: true, data: { data: '{}', oip: '{}', meta: '{"created":"yesterday"}' } } });
    const e = await client.getRecord('bad:meta').catch((error: unknown) => error);
    assert.ok(isCode('BAD_RESPONSE')(e));
    assert.match((e as Error).message, /stored record/);
    assert.equal(server.requestCount, 1);
  });
});

describe('broken HTTP from the relay', () => {
  let raw: net.Server;
  let url: string;
  let connections = 0;
  let answer = '';
  before(async () => {
    raw = net.createServer((socket) => {
      connections++;
      socket.on('error', () => undefined); // the client drops the connection on a parse error
      socket.once('data', () => socket.end(answer));
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(raw.address() as net.AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((r) => raw.close(r));
  });

  for (const [name, text] of [
    ['a garbage status line', 'HTTP/1.1 abc\r\n\r\n'],
    ['a header overflow', `HTTP/1.1 200 OK\r\nX-Big: ${'x'.repeat(100_000)}\r\n\r\n`],
  ] as const) {
    it(`${name} is BAD_RESPONSE, not retried, and does not count against the soul`, async () => {
      answer = text;
      connections = 0;
      const c = new GunRelayClient({ baseUrl: url, retry: { retries: 2, baseDelayMs: 1 }, failureThreshold: 1 });
      const e = await c.put('h:1', { a: 1 }).catch((error: unknown) => error);
      assert.ok(isCode('BAD_RESPONSE')(e));
      assert.match((e as { systemCode?: string }).systemCode ?? '', /^HPE_/);
      assert.equal(connections, 1, 'not retried');
      assert.equal(c.stats().trackedSouls, 0);
      c.close();
    });
  }

  it('a 101 Switching Protocols (an upgrade never asked for) settles at once as BAD_RESPONSE, not retried, for a read and a write', { timeout: 10_000 }, async () => {
    // Node closes such a request without an answer or an error: before the wire failed it, the call waited forever, past its deadline.
    answer = 'HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n';
    const c = new GunRelayClient({ baseUrl: url, retry: { retries: 2, baseDelayMs: 1 }, failureThreshold: 1, readGuard: false, timeoutMs: 60_000 });
    for (const call of [() => c.get('u:1'), () => c.put('u:1', { a: 1 })]) {
      connections = 0;
      const e = await call().catch((error: unknown) => error);
      assert.ok(isCode('BAD_RESPONSE')(e), String(e));
      assert.equal((e as { status?: number }).status, 101);
      assert.match((e as Error).message, /101 Switching Protocols/);
      assert.equal(connections, 1, 'not retried');
    }
    assert.equal(c.stats().trackedSouls, 0);
    c.close();
  });

  it('a status of 000 is not an answer: a put it "accepts" is BAD_RESPONSE, not written', async () => {
    answer = 'HTTP/1.1 000 Zero\r\nConnection: close\r\nContent-Length: 16\r\n\r\n{"success":true}';
    const c = new GunRelayClient({ baseUrl: url, retry: false, breaker: false });
    const e = await c.put('z:1', { a: 1 }).then((r) => r, (error: unknown) => error);
    assert.ok(isCode('BAD_RESPONSE')(e), `a put answered with status 0 must not be ${JSON.stringify(e)}`);
    c.close();
  });
});
