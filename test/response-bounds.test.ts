/**
 * Bounded cost per response: a body under maxContentLength but hostile in shape (millions of tiny
 * entries, deep nesting, huge objects) is BAD_RESPONSE after a linear scan, before JSON.parse
 * builds anything; list entries are checked one at a time and the first bad one ends the check.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GunRelayClient, isGunRelayError } from '../src/index.js';
import { jsonBoundsProblem } from '../src/protocol/jsonBounds.js';
import { parseJsonSafe } from '../src/protocol/safeJson.js';
import { startFaultServer, type FaultServer } from '../src/testing/index.js';

const list = (entries: string[]): string => `{"success":true,"records":[${entries.join(',')}]}`;

describe('bounded cost per response', () => {
  let server: FaultServer;
  let client: GunRelayClient;
  before(async () => {
    server = await startFaultServer();
    client = new GunRelayClient({ baseUrl: server.url, retry: false, breaker: false });
  });
  after(async () => {
    client.close();
    await server.close();
  });
  beforeEach(() => server.reset());

  async function failure(call: Promise<unknown>): Promise<{ code: string; message: string }> {
    const e = await call.then(() => assert.fail('expected a failure'), (error: unknown) => error);
    assert.ok(isGunRelayError(e), `not a GunRelayError: ${String(e)}`);
    return e;
  }

  it('the hostile 8 MiB list of ~2.8 M {} entries is BAD_RESPONSE from the entry cap, not from validating each entry', async () => {
    const body = list(new Array(2_790_000).fill('{}'));
    assert.ok(body.length > 7.9 * 1024 * 1024 && body.length < 8 * 1024 * 1024);
    server.setDefault({ status: 200, body });
    const e = await failure(client.list('pub'));
    assert.equal(e.code, 'BAD_RESPONSE');
    assert.match(e.message, /more than 10000 entries/);
  });

  it('maxListEntries bounds a list answer (and is validated as an option)', async () => {
    const small = new GunRelayClient({ baseUrl: server.url, retry: false, maxListEntries: 3 });
    const entry = '{"soul":"p:1","data":{"a":"1"}}';
    server.setDefault({ status: 200, body: list([entry, entry, entry]) });
    assert.equal((await small.list('p')).length, 3);
    server.setDefault({ status: 200, body: list([entry, entry, entry, entry]) });
    const e = await failure(small.list('p'));
    assert.equal(e.code, 'BAD_RESPONSE');
    assert.match(e.message, /more than 3 entries/);
    small.close();
    assert.throws(() => new GunRelayClient({ baseUrl: server.url, maxListEntries: 0 }), { code: 'INVALID_OPTIONS' });
  });

  it('validation stops at the first bad entry and names it', async () => {
    const good = Array.from({ length: 5_000 }, (_, i) => `{"soul":"p:${i}","data":{"a":"x"}}`);
    good[3] = '{"soul":7}';
    good[4] = '{}';
    server.setDefault({ status: 200, body: list(good) });
    const e = await failure(client.list('p'));
    assert.equal(e.code, 'BAD_RESPONSE');
    assert.match(e.message, /entry 3: soul is not a string/);
  });

  it('nesting deeper than the depth limit is a typed BAD_RESPONSE, never a RangeError', async () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    server.setDefault({ status: 200, body: `{"success":true,"data":{"a":${deep}}}` });
    const e = await failure(client.get('d:1'));
    assert.equal(e.code, 'BAD_RESPONSE');
    assert.match(e.message, /nested deeper than 64 levels/);
  });

  it('a stored record whose data string nests deeper than the limit decodes without a RangeError', async () => {
    const deepString = JSON.stringify('{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000));
    server.setDefault({ status: 200, body: `{"success":true,"data":{"data":${deepString},"oip":"{}"}}` });
    const outcome = await client.getRecord('r:1', { resolveLinks: 0 }).then(
      (r) => ({ ok: true as const, data: r?.data }),
      (e: unknown) => ({ ok: false as const, e }),
    );
    if (outcome.ok) assert.equal(typeof outcome.data, 'string', 'the over-deep field is left undecoded');
    else assert.ok(isGunRelayError(outcome.e), `untyped: ${String(outcome.e)}`);
  });

  it('an object of a million keys is refused by the scan', () => {
    const keys = Array.from({ length: 20_001 }, (_, i) => `"k${i}":1`).join(',');
    assert.match(jsonBoundsProblem(`{${keys}}`, { maxEntries: 20_000 }) ?? '', /more than 20000 entries/);
    assert.equal(jsonBoundsProblem(`{${keys}}`, { maxEntries: 20_001 }), undefined);
  });

  it('the scan skips string contents, escaped quotes included', () => {
    assert.equal(jsonBoundsProblem('{"a":"[[[[,,,,\\"[[[[","b":[1,2]}', { maxDepth: 2, maxEntries: 2 }), undefined);
    assert.match(jsonBoundsProblem('[1,2,3]', { maxEntries: 2 }) ?? '', /more than 2/);
    assert.match(jsonBoundsProblem('[[[]]]', { maxDepth: 2 }) ?? '', /deeper than 2/);
    assert.match(jsonBoundsProblem('[[],[],[]]', { maxContainers: 3 }) ?? '', /more than 3 objects/);
  });

  it('forbidden keys are still dropped at every depth, also when spelled with escapes', () => {
    const parsed = parseJsonSafe('{"a":{"__proto__":{"x":1},"b":[{"constructor":1,"c":2}]},"\\u0070rototype":1}');
    assert.ok(parsed.ok);
    assert.deepEqual(JSON.parse(JSON.stringify(parsed.value)), { a: { b: [{ c: 2 }] } });
    assert.equal(Object.hasOwn((parsed.value as { a: object }).a, '__proto__'), false);
  });
});
