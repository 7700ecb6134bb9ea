/** Delete keys follow the node-key rules, and a delete never sends `{}` (which the real relay never answers). */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GunRelayClient } from '../src/index.js';
import { startFaultServer, type FaultServer } from '../src/testing/index.js';
import { isCode } from './helpers/errors.js';

describe('delete keys', () => {
  let server: FaultServer;
  let client: GunRelayClient;
  before(async () => {
    server = await startFaultServer();
    client = new GunRelayClient({ baseUrl: server.url });
  });
  after(async () => {
    client.close();
    await server.close();
  });
  beforeEach(() => server.reset());

  for (const key of ['__proto__', 'constructor', 'prototype', '#', '_', '', 'a\u0000b', 'tab\t', '\ud800']) {
    it(`refuses ${JSON.stringify(key)} with nothing sent`, async () => {
      await assert.rejects(client.delete('d:1', { keys: ['ok', key] }), isCode('INVALID_INPUT', 'keys'));
      assert.equal(server.requestCount, 0);
    });
  }

  it('refuses non-arrays and non-string entries, including a throwing getter', async () => {
    const hostile = ['a'];
    Object.defineProperty(hostile, 0, { get: () => { throw new Error('boom'); } });
    for (const keys of [hostile, 'abc', [Symbol('x')], [null], {}]) {
      await assert.rejects(client.delete('d:1', { keys: keys as never }), isCode('INVALID_INPUT', 'keys'));
    }
    assert.equal(server.requestCount, 0);
  });

  it('a node read back with only keys a node cannot carry is "absent": no {} is written', async () => {
    server.setDefault({ status: 200, body: '{"success":true,"data":{"_":{"#":"d:2"},"#":"x","__proto__":{"a":1}}}' });
    const result = await client.delete('d:2');
    assert.equal(result.outcome, 'absent');
    assert.equal(server.requestCount, 1);
    assert.equal(server.log[0]?.path, '/get');
  });

  it('valid keys are tombstoned', async () => {
    const result = await client.delete('d:3', { keys: ['a', 'b', 'a'] });
    assert.deepEqual(result, { soul: 'd:3', outcome: 'deleted', keys: ['a', 'b'], links: [], requests: 1, relay: server.url });
    assert.deepEqual(server.log[0]?.body, { soul: 'd:3', data: { a: null, b: null } });
  });
});
