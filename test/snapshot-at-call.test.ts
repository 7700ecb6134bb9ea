/**
 * What is sent is what was validated: put() and delete() validate and serialise synchronously,
 * reading each property once, so neither a caller reusing its object nor a getter/Proxy that
 * changes its answer can alter (or smuggle `{}` / `_` into) the bytes sent.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GunRelayClient } from '../src/index.js';
import { prepareWrite } from '../src/protocol/preparedWrite.js';
import { startFaultServer, type FaultServer } from '../src/testing/index.js';
import { isCode } from './helpers/errors.js';

const OK = { status: 200, body: { success: true } } as const;

describe('snapshot at call time', () => {
  let server: FaultServer;
  let client: GunRelayClient;
  let release: () => void = () => undefined;
  before(async () => {
    server = await startFaultServer();
    client = new GunRelayClient({ baseUrl: server.url, maxInFlight: 1, retry: false });
  });
  after(async () => {
    client.close();
    await server.close();
  });
  beforeEach(() => {
    server.reset();
    // The first request is held until release(), so the next call waits in the queue.
    const gate = new Promise<void>((r) => (release = r));
    server.setDefault(async (req) => {
      if (req.n === 1) await gate;
      return OK;
    });
  });

  it('a node mutated or reused while its put is queued goes out as it was at the call', async () => {
    const first = client.put('hold:1', { x: 1 });
    const node: Record<string, unknown> = { a: 1, nested: { b: 'two' } };
    const queued = client.put('snap:1', node as never);
    assert.equal(client.stats().queueDepth, 1, 'the second put is waiting in the queue');
    node['a'] = [1, 2];
    (node['nested'] as Record<string, unknown>)['b'] = {};
    node['_'] = { '#': 'evil' };
    node['added'] = 'later';
    release();
    assert.deepEqual(await Promise.all([first, queued]), [
      { soul: 'hold:1', outcome: 'written', relay: server.url },
      { soul: 'snap:1', outcome: 'written', relay: server.url },
    ]);
    // One request, as the node was at the call: the nested object names its own soul, the caller's later `_` is not in it.
    assert.equal(server.requestCount, 2);
    assert.deepEqual(server.log[1]?.body, { soul: 'snap:1', data: { a: 1, nested: { _: { '#': 'snap:1/nested' }, b: 'two' } } });
  });

  it('delete keys reused after the call do not change the tombstones sent', async () => {
    const first = client.put('hold:2', { x: 1 });
    const keys = ['a', 'b'];
    const queued = client.delete('del:1', { keys });
    keys.push('_', '__proto__');
    keys[0] = '';
    release();
    await first;
    assert.equal((await queued).outcome, 'deleted');
    assert.deepEqual(server.log[1]?.body, { soul: 'del:1', data: { a: null, b: null } });
  });

  it('a getter is read exactly once: a later answer of {} or "_" cannot be smuggled', async () => {
    release();
    let reads = 0;
    const node = {
      get a(): unknown {
        reads++;
        return reads === 1 ? 1 : {};
      },
    };
    await client.put('getter:1', node as never);
    assert.equal(reads, 1);
    assert.deepEqual(server.log[0]?.body, { soul: 'getter:1', data: { a: 1 } });
  });

  it('a Proxy whose keys change between reads is enumerated once', async () => {
    release();
    let ownKeysCalls = 0;
    const proxy = new Proxy({ a: 1 } as Record<string, unknown>, {
      ownKeys(target) {
        ownKeysCalls++;
        return ownKeysCalls === 1 ? Reflect.ownKeys(target) : ['a', '_'];
      },
      getOwnPropertyDescriptor(target, key) {
        return key === '_' ? { value: {}, enumerable: true, configurable: true, writable: true } : Reflect.getOwnPropertyDescriptor(target, key);
      },
      get(target, key, receiver) {
        return key === '_' ? {} : Reflect.get(target, key, receiver);
      },
    });
    await client.put('proxy:1', proxy as never);
    assert.equal(ownKeysCalls, 1);
    assert.deepEqual(server.log[0]?.body, { soul: 'proxy:1', data: { a: 1 } });
  });

  it('a throwing getter or Proxy trap is INVALID_INPUT, nothing sent', async () => {
    release();
    const throwing = {
      get a(): unknown {
        throw new Error('boom');
      },
    };
    await assert.rejects(client.put('t:1', throwing as never), isCode('INVALID_INPUT', 'node.a'));
    const trap = new Proxy({}, { ownKeys: () => { throw new Error('trap'); } });
    await assert.rejects(client.put('t:2', trap as never), isCode('INVALID_INPUT', 'node'));
    assert.equal(server.requestCount, 0);
  });

  it('prepareWrite exposes the exact body and its byte size', () => {
    const prepared = prepareWrite('p:1', { t: 'é✓' }, 'put', 1024);
    assert.equal(prepared.body, '{"soul":"p:1","data":{"t":"é✓"}}');
    assert.equal(prepared.bytes, Buffer.byteLength(prepared.body));
    assert.throws(() => prepareWrite('p:1', { a: 'x'.repeat(30), b: 'x'.repeat(30) }, 'put', 64), isCode('INVALID_INPUT', 'node'));
  });
});
