import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GunRelayClient, type BatchOutcome, type BatchProgress, type GetResult } from '../src/index.js';
import { startFaultServer, startLocalRelay, type FaultServer, type LocalRelay } from '../src/testing/index.js';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('batch operations against the local relay (real gun)', () => {
  let relay: LocalRelay;
  let client: GunRelayClient;
  before(async () => {
    // A wide miss window: reads right after writes must not turn into false misses on a loaded machine.
    relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 1_000 });
    client = new GunRelayClient({ baseUrl: relay.url });
  });
  after(async () => {
    client.close();
    await relay.close();
  });

  it('putMany, getMany, deleteMany: one outcome per item, index = input position, failures as outcomes', async () => {
    const entries = Array.from({ length: 20 }, (_, i) => ({ soul: `batch:${i}`, node: { i } }));
    entries.push({ soul: 'batch:bad', node: { list: [1] } as never });
    const puts = await collect(client.putMany(entries, { concurrency: 4 }));
    assert.equal(puts.length, 21);
    assert.deepEqual(puts.map((o) => o.index).sort((a, b) => a - b), [...Array(21).keys()]);
    const bad = puts.find((o) => o.soul === 'batch:bad')!;
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.equal(bad.error.code, 'INVALID_INPUT');
    assert.equal(puts.filter((o) => o.ok).length, 20);

    const souls = [...entries.slice(0, 20).map((e) => e.soul), 'batch:never'];
    const gets = await collect(client.getMany(souls, { concurrency: 4 }));
    for (const o of gets) {
      assert.ok(o.ok);
      if (!o.ok) continue;
      assert.equal(o.soul, souls[o.index]);
      assert.deepEqual(o.value.node, o.soul === 'batch:never' ? null : { i: o.index });
      assert.equal(o.value.relay, relay.url);
    }
    const dels = await collect(client.deleteMany(souls.slice(0, 5)));
    assert.deepEqual(dels.map((o) => o.ok && o.value.outcome), Array(5).fill('deleted'));
  });

  it('an async iterable input is pulled lazily: never more than concurrency items ahead of the consumer', async () => {
    let pulled = 0;
    async function* souls() {
      for (let i = 0; i < 1_000; i++) {
        pulled++;
        yield `lazy:${i}`;
      }
    }
    const it = client.getMany(souls(), { concurrency: 3 })[Symbol.asyncIterator]();
    const first = await it.next();
    assert.equal(first.done, false);
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(pulled <= 4, `pulled ${pulled} of 1,000 while the consumer took 1`);
    await it.return?.();
    assert.ok(pulled <= 4, 'ending early stops pulling');
  });

  it('progress events, and one AbortSignal stops the batch', async () => {
    const progress: BatchProgress[] = [];
    const controller = new AbortController();
    const outcomes: Array<BatchOutcome<GetResult>> = [];
    const souls = Array.from({ length: 50 }, (_, i) => `abort:${i}`);
    for await (const o of client.getMany(souls, { concurrency: 2, signal: controller.signal, onProgress: (p) => progress.push(p) })) {
      outcomes.push(o);
      if (outcomes.length === 3) controller.abort();
    }
    assert.ok(outcomes.length < 50, `${outcomes.length} outcomes after the abort`);
    assert.ok(outcomes.length >= 3);
    assert.deepEqual(progress.map((p) => p.settled), progress.map((_, i) => i + 1));
    const last = progress.at(-1)!;
    assert.equal(last.inFlight, 0);
    assert.equal(last.succeeded + last.failed, last.settled);
    assert.ok(outcomes.slice(3).every((o) => !o.ok && o.error.code === 'ABORTED'));
  });

  it('concurrency is bounded on the wire', async () => {
    const server: FaultServer = await startFaultServer({ delayMs: 30, then: { status: 200, body: { success: true, data: { a: 1 } } } });
    const c = new GunRelayClient({ baseUrl: server.url });
    try {
      const outcomes = await collect(c.getMany(Array.from({ length: 40 }, (_, i) => `w:${i}`), { concurrency: 5 }));
      assert.equal(outcomes.length, 40);
      assert.ok(server.maxConcurrent <= 5, `peak ${server.maxConcurrent}`);
      assert.ok(server.maxConcurrent >= 2);
    } finally {
      c.close();
      await server.close();
    }
  });

  it('no process warning with many calls listening on the batch signal', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      await collect(client.getMany(Array.from({ length: 40 }, (_, i) => `batch:${i % 20}`), { concurrency: 32 }));
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(warnings, []);
  });

  it('a bad concurrency is INVALID_INPUT', async () => {
    await assert.rejects(collect(client.getMany(['a'], { concurrency: 0 })), { code: 'INVALID_INPUT' });
  });
});

describe('hostile: a slow or stalled lazy input', () => {
  it('an outcome is yielded as it settles, not when the input gives its next item; abort ends a batch waiting on its input', async () => {
    const server: FaultServer = await startFaultServer({ status: 200, body: { success: true, data: { a: 1 } } });
    const c = new GunRelayClient({ baseUrl: server.url });
    let release!: () => void;
    const stalled = new Promise<void>((r) => (release = r));
    let returned = false;
    const input: AsyncIterable<string> = {
      [Symbol.asyncIterator]() {
        let n = 0;
        return {
          async next() {
            if (n++ === 0) return { done: false, value: 'slow:1' };
            await stalled; // a work queue with nothing more to give yet
            return { done: true, value: undefined };
          },
          async return() {
            returned = true;
            return { done: true, value: undefined };
          },
        };
      },
    };
    const controller = new AbortController();
    try {
      const it = c.getMany(input, { signal: controller.signal })[Symbol.asyncIterator]();
      const first = await it.next();
      assert.equal(first.done, false);
      assert.equal(first.value?.ok, true);
      assert.equal(first.value?.soul, 'slow:1');
      const second = it.next();
      controller.abort();
      assert.deepEqual(await second, { done: true, value: undefined }, 'the aborted batch ends though its input is stalled');
      assert.equal(returned, true, "the input's return() was called");
    } finally {
      release();
      c.close();
      await server.close();
    }
  });

  it('a closed client ends a batch over an endless input after at most concurrency outcomes, all CLIENT_CLOSED', async () => {
    const closed = new GunRelayClient({ baseUrl: 'http://127.0.0.1:9' });
    closed.close();
    let pulled = 0;
    async function* endless(): AsyncGenerator<string> {
      for (;;) yield `batch:endless:${pulled++}`;
    }
    const outcomes = await collect(closed.getMany(endless(), { concurrency: 4 }));
    assert.ok(outcomes.length >= 1 && outcomes.length <= 4, `${outcomes.length} outcomes`);
    assert.ok(outcomes.every((o) => !o.ok && o.error.code === 'CLIENT_CLOSED'));
    assert.ok(pulled <= 5, `the input was pulled ${pulled} times`);
  });

  it('an input that throws ends the batch with a typed INVALID_INPUT naming it', async () => {
    function* throwing(): Generator<string> {
      yield 'batch:0';
      throw new Error('queue went away');
    }
    const server: FaultServer = await startFaultServer({ status: 200, body: { success: true, data: { a: 1 } } });
    const c = new GunRelayClient({ baseUrl: server.url });
    await assert.rejects(collect(c.getMany(throwing(), { concurrency: 1 })), (e: unknown) => {
      const err = e as { code?: string; message?: string; field?: string };
      assert.equal(err.code, 'INVALID_INPUT');
      assert.equal(err.field, 'input');
      assert.match(err.message ?? '', /the input threw: queue went away/);
      return true;
    });
    c.close();
    await server.close();
  });
});
