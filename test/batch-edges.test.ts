/**
 * Batch edges: an input that throws keeps the outcomes already started (each is yielded, then the
 * error), a value that is not iterable is a typed INVALID_INPUT, and `close()` during a batch
 * ends every item it cut short `CLIENT_CLOSED`, as documented.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GunRelayClient, isGunRelayError, type BatchOutcome, type PutResult } from '../src/index.js';
import { startFaultServer } from '../src/testing/index.js';

describe('batch edges', () => {
  it('an input that throws after 5 items: the 5 puts are written, 5 outcomes yielded, then INVALID_INPUT', async () => {
    const server = await startFaultServer({ delayMs: 20, then: { status: 200, body: { success: true } } });
    const client = new GunRelayClient({ baseUrl: server.url, retry: false });
    function* entries(): Generator<{ soul: string; node: { i: number } }> {
      for (let i = 0; i < 5; i++) yield { soul: `edge:${i}`, node: { i } };
      throw new Error('queue went away');
    }
    const outcomes: Array<BatchOutcome<PutResult>> = [];
    let thrown: unknown;
    try {
      for await (const o of client.putMany(entries(), { concurrency: 8 })) outcomes.push(o);
    } catch (error) {
      thrown = error;
    }
    client.close();
    await server.close();
    assert.equal(server.log.filter((r) => r.path === '/put').length, 5);
    assert.deepEqual(outcomes.map((o) => o.ok).sort(), [true, true, true, true, true]);
    assert.deepEqual(outcomes.map((o) => o.index).sort(), [0, 1, 2, 3, 4]);
    assert.ok(isGunRelayError(thrown) && thrown.code === 'INVALID_INPUT' && /queue went away/.test(thrown.message));
  });

  for (const [what, input] of [
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['a plain object', { soul: 'x:1' }],
    ['a soul string (iterating it would read one soul per character)', 'edge:1'],
  ] as const) {
    it(`getMany(${what}) rejects INVALID_INPUT naming the input, before any request`, async () => {
      const client = new GunRelayClient({ baseUrl: 'http://127.0.0.1:9', retry: false });
      const iteration = (async () => {
        for await (const _ of client.getMany(input as never)) void _;
      })();
      await assert.rejects(iteration, (e: unknown) => isGunRelayError(e) && e.code === 'INVALID_INPUT' && e.field === 'input' && /must be an array, an iterable or an async iterable/.test(e.message));
      assert.equal(client.stats().requests, 0);
      client.close();
    });
  }

  const unprintable: Array<[string, () => unknown]> = [
    ['Object.create(null)', () => Object.create(null)],
    ['an Error whose message getter throws', () => Object.defineProperty(new Error('x'), 'message', { get: () => { throw new Error('no'); } })],
    ['a 5 MiB message', () => new Error('m'.repeat(5 * 1024 * 1024))],
  ];
  for (const [what, make] of unprintable) {
    it(`an input or an entry throwing ${what}: typed INVALID_INPUT with a short message, every outcome yielded, no unhandled rejection`, async () => {
      const unhandled: unknown[] = [];
      const onUnhandled = (e: unknown): void => void unhandled.push(e);
      process.on('unhandledRejection', onUnhandled);
      const server = await startFaultServer({ status: 200, body: { success: true } });
      const client = new GunRelayClient({ baseUrl: server.url, retry: false });
      try {
        // An entry whose soul getter throws: that item's outcome is INVALID_INPUT; the batch goes on.
        const entry = { get soul(): string { throw make(); }, node: { a: 1 } };
        const outcomes: Array<BatchOutcome<PutResult>> = [];
        for await (const o of client.putMany([entry, { soul: 'edge:ok', node: { a: 1 } }])) outcomes.push(o);
        assert.deepEqual(outcomes.map((o) => (o.ok ? 'ok' : o.error.code)).sort(), ['INVALID_INPUT', 'ok']);
        const failed = outcomes.find((o) => !o.ok);
        assert.ok(failed && !failed.ok && failed.error.message.length <= 400, 'a short message');
        // An input that throws after one item: the item's outcome, then a typed error.
        function* entries(): Generator<{ soul: string; node: { a: number } }> {
          yield { soul: 'edge:first', node: { a: 1 } };
          throw make();
        }
        const seen: string[] = [];
        let thrown: unknown;
        try {
          for await (const o of client.putMany(entries())) seen.push(o.ok ? 'ok' : o.error.code);
        } catch (error) {
          thrown = error;
        }
        assert.ok(isGunRelayError(thrown) && thrown.code === 'INVALID_INPUT', `a typed error, got ${String((thrown as Error)?.name)}`);
        assert.ok((thrown as Error).message.length <= 400, 'a short message');
        assert.deepEqual(seen, ['ok'], 'the settled outcome is yielded first');
        await new Promise((r) => setImmediate(r));
        assert.deepEqual(unhandled, []);
      } finally {
        process.off('unhandledRejection', onUnhandled);
        client.close();
        await server.close();
      }
    });
  }

  it('close() during a batch: every item in flight ends CLIENT_CLOSED (none ABORTED), nothing more is pulled', async () => {
    const server = await startFaultServer({ hang: true });
    const client = new GunRelayClient({ baseUrl: server.url, retry: false });
    let pulled = 0;
    function* entries(): Generator<{ soul: string; node: { i: number } }> {
      for (let i = 0; i < 100; i++) {
        pulled++;
        yield { soul: `edge:${i}`, node: { i } };
      }
    }
    const codes: string[] = [];
    const batch = client.putMany(entries(), { concurrency: 4 });
    const waiting = (async () => {
      for await (const o of batch) codes.push(o.ok ? 'ok' : o.error.code);
    })();
    const deadline = Date.now() + 5_000;
    while (server.inFlight < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    client.close();
    await waiting;
    await server.close();
    assert.deepEqual(codes, ['CLIENT_CLOSED', 'CLIENT_CLOSED', 'CLIENT_CLOSED', 'CLIENT_CLOSED']);
    assert.ok(pulled <= 5, `pulled ${pulled}`);
  });
});
