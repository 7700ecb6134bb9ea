/**
 * Error messages carry what the user needs: the relay's reason (short, sanitised) for every
 * relay-answered error, and for bad options the option as written, the value (credentials
 * removed) and the fix. Each message is pinned here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GunRelayClient, isGunRelayError, SyncLoop, type GunRelayError } from '../src/index.js';
import { MemoryMonitor } from '../src/diagnostics/index.js';
import { GunHelper } from '../src/legacy/index.js';
import { startFaultServer, type FaultBehaviour, type FaultServer } from '../src/testing/index.js';

function thrown(fn: () => unknown): GunRelayError {
  try {
    fn();
  } catch (error) {
    assert.ok(isGunRelayError(error), String(error));
    return error;
  }
  assert.fail('did not throw');
}

async function rejected(promise: Promise<unknown>): Promise<GunRelayError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isGunRelayError(error), String(error));
    return error;
  }
  assert.fail('did not reject');
}

/** zod's own wording, which must never reach a message. */
const ZOD_WORDING = /Invalid input|Too small|Too big|Unrecognized key|expected \w+, received|expected \w+ to be/;

describe('messages: what the relay said', () => {
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

  const answer = async (behaviour: FaultBehaviour, call: () => Promise<unknown>): Promise<GunRelayError> => {
    server.reset();
    server.setDefault(behaviour);
    return rejected(call());
  };

  it("SOUL_REJECTED quotes GUN's message", async () => {
    const e = await answer({ status: 500, body: { error: 'Data at root of graph must be a node (an object).' } }, () => client.put('m:1', { a: 1 }));
    assert.equal(e.code, 'SOUL_REJECTED');
    assert.equal(e.message, 'put: relay answered 500: "Data at root of graph must be a node (an object)."');
  });

  it('a 400 quotes its error too', async () => {
    const e = await answer({ status: 400, body: { error: 'Invalid JSON' } }, () => client.delete('m:2', { keys: ['a'] }));
    assert.equal(e.message, 'delete: relay answered 400: "Invalid JSON"');
  });

  it("a relay's internal error object is summarised (code and syscall)", async () => {
    const e = await answer({ status: 500, body: { error: { errno: -2, code: 'ENOENT', syscall: 'rename', path: '/data/radata/!' } } }, () => client.put('m:3', { a: 1 }));
    assert.equal(e.code, 'RELAY_ERROR');
    assert.equal(e.message, 'put: relay answered 500: "ENOENT rename"');
  });

  it("a proxy's HTML page gives its visible text", async () => {
    const html = '<html><head><title>502 Bad Gateway</title><style>h1{color:red}</style></head><body><h1>502 Bad Gateway</h1></body></html>';
    const e = await answer({ status: 502, body: html }, () => client.get('m:4'));
    assert.equal(e.message, 'get: relay answered 502: "502 Bad Gateway 502 Bad Gateway"');
  });

  it('without a reason, the status alone', async () => {
    const e = await answer({ status: 503 }, () => client.get('m:5'));
    assert.equal(e.message, 'get: relay answered 503');
  });

  it('the reason is one line, without credentials, at most 120 characters', async () => {
    const reason = `bad\nthing\u0000 at http://admin:hunter2@relay.internal/put ${'x'.repeat(500)}`;
    const e = await answer({ status: 500, body: { error: reason } }, () => client.put('m:6', { a: 1 }));
    const quoted = e.message.slice(e.message.indexOf(': "') + 2);
    const text = JSON.parse(quoted) as string;
    assert.ok(text.startsWith('bad thing at http://relay.internal/put xxx'), text);
    assert.equal(text.length, 120);
    assert.ok(text.endsWith('…'));
    assert.doesNotMatch(e.message, /hunter2|\n|\u0000/);
    assert.ok(e.bodyExcerpt?.includes('hunter2'), 'bodyExcerpt keeps the raw body');
  });

  it('"no such endpoint" says what baseUrl must be, and nothing about trailing slashes', async () => {
    const e = await answer({ status: 404, body: { error: 'Endpoint not found' } }, () => client.put('m:7', { a: 1 }));
    assert.equal(e.code, 'BAD_RESPONSE');
    assert.equal(e.message, 'put: the relay has no such endpoint (answered 404: "Endpoint not found"); baseUrl must be the relay\'s root URL, e.g. http://gun-relay:8765');
    assert.doesNotMatch(e.message, /trailing/);
    assert.equal(e.relay, server.url, 'the error names the relay, like every relay-answered error');
  });

  it('a timeout names its deadline in whole milliseconds', async () => {
    const quick = new GunRelayClient({ baseUrl: server.url, retry: false, breaker: false, timeouts: { get: 50 } });
    try {
      server.reset();
      server.setDefault({ hang: true });
      const e = await rejected(quick.get('m:9'));
      assert.equal(e.code, 'TIMEOUT');
      assert.match(e.message, /^get: no (complete )?answer within \d+ ms$/);
    } finally {
      quick.close();
    }
  });

  it('a refused connection says where nothing listens and what to check', async () => {
    const closed = await startFaultServer();
    const url = closed.url;
    await closed.close();
    const lost = new GunRelayClient({ baseUrl: url, retry: false, breaker: false });
    try {
      const e = await rejected(lost.put('m:10', { a: 1 }));
      assert.equal(e.code, 'CONNECTION_REFUSED');
      assert.equal(e.message, `put: connect ECONNREFUSED ${new URL(url).host} (nothing listens at ${url}: is the relay running, and is baseUrl's port right?)`);
    } finally {
      lost.close();
    }
  });

  it('success: false quotes the error it came with', async () => {
    const e = await answer({ status: 200, body: { success: false, error: 'GUN relay proxy disabled for maintenance' } }, () => client.put('m:8', { a: 1 }));
    assert.equal(e.code, 'BAD_RESPONSE');
    assert.match(e.message, /^put: unexpected relay response \(.+\): "GUN relay proxy disabled for maintenance"$/);
  });
});

describe('messages: options', () => {
  const message = (options: unknown): string => thrown(() => new GunRelayClient(options as never)).message;
  const field = (options: unknown): string | undefined => thrown(() => new GunRelayClient(options as never)).field;

  it('a URL without http:// names baseUrl (no .0), echoes it and suggests the fix', () => {
    assert.equal(message({ baseUrl: '127.0.0.1:18765' }), 'Invalid option "baseUrl": "127.0.0.1:18765" is not an http(s) URL; did you mean http://127.0.0.1:18765?');
    assert.equal(field({ baseUrl: '127.0.0.1:18765' }), 'baseUrl');
  });

  it('a mistyped scheme gets its "://", not a second http:// (credentials still removed)', () => {
    assert.equal(message({ baseUrl: 'http//127.0.0.1:8765' }), 'Invalid option "baseUrl": "http//127.0.0.1:8765" is not an http(s) URL; did you mean http://127.0.0.1:8765?');
    assert.equal(message({ baseUrl: 'https:/relay.example' }), 'Invalid option "baseUrl": "https:/relay.example" is not an http(s) URL; did you mean https://relay.example?');
    assert.equal(message({ baseUrl: 'http//relay:hunter2@gun-relay:8765' }), 'Invalid option "baseUrl": "http//gun-relay:8765" is not an http(s) URL; did you mean http://gun-relay:8765?');
  });

  it('a GUN websocket peer suggests its http URL', () => {
    assert.equal(message({ baseUrl: 'ws://peer.example:8765/gun' }), 'Invalid option "baseUrl": "ws://peer.example:8765/gun" is not an http(s) URL; did you mean http://peer.example:8765?');
  });

  it('an entry of a list is named with its index; of a comma-separated string, shown within it', () => {
    assert.equal(message({ baseUrl: ['http://a:1', 'ftp://b'] }), 'Invalid option "baseUrl[1]": "ftp://b" is not an http(s) URL (e.g. http://gun-relay:8765)');
    assert.equal(field({ baseUrl: ['http://a:1', 'ftp://b'] }), 'baseUrl[1]');
    assert.equal(message({ baseUrl: 'http://a:1, b:2' }), 'Invalid option "baseUrl": "b:2" (in "http://a:1, b:2") is not an http(s) URL; did you mean http://b:2?');
  });

  it('credentials are never echoed, in the value or in the suggestion', () => {
    const m = message({ baseUrl: 'relay:hunter2@gun-relay:8765' });
    assert.equal(m, 'Invalid option "baseUrl": "gun-relay:8765" is not an http(s) URL; did you mean http://gun-relay:8765?');
    assert.doesNotMatch(message({ baseUrl: 'wss://relay:hunter2@peer.example/gun' }), /hunter2/);
    assert.doesNotMatch(message({ baseUrl: 'http://a', headers: { Authorization: 7 } }), /7/);
  });

  it('missing, empty or mistyped baseUrl', () => {
    assert.equal(message({}), 'Invalid option "baseUrl": required, the relay\'s URL (e.g. http://gun-relay:8765)');
    assert.equal(message({ baseURL: 'http://a' }), 'Unknown option "baseURL"; did you mean "baseUrl"?');
    assert.equal(field({ baseURL: 'http://a' }), 'baseURL');
    assert.equal(message({ baseUrl: ' ' }), 'Invalid option "baseUrl": is empty; give the relay\'s URL (e.g. http://gun-relay:8765)');
    assert.equal(message({ baseUrl: 42 }), 'Invalid option "baseUrl": must be a URL string or an array of URL strings, got 42');
    assert.equal(message(5), 'Invalid options: expected an object such as { baseUrl: "http://gun-relay:8765" }, got 5');
  });

  it('numbers: the value, the bound, and the fix for a numeric string', () => {
    assert.equal(message({ baseUrl: 'http://a', timeoutMs: '5000' }), 'Invalid option "timeoutMs": must be a number, got "5000"; did you mean 5000 (a number)?');
    assert.equal(message({ baseUrl: 'http://a', timeoutMs: 0 }), 'Invalid option "timeoutMs": must be greater than 0, got 0');
    assert.equal(message({ baseUrl: 'http://a', maxInFlight: 1.5 }), 'Invalid option "maxInFlight": must be a whole number, got 1.5');
    assert.equal(message({ baseUrl: 'http://a', retry: { retries: 20 } }), 'Invalid option "retry.retries": must be at most 10, got 20');
    assert.equal(message({ baseUrl: 'http://a', retry: true }), 'Invalid option "retry": must be false or an object, got true');
  });

  it('unknown options suggest the closest known one, nested too', () => {
    assert.equal(message({ baseUrl: 'http://a', timeout: 5 }), 'Unknown option "timeout"; did you mean "timeoutMs"?');
    assert.equal(message({ baseUrl: 'http://a', timeouts: { gett: 1 } }), 'Unknown option "timeouts.gett"; did you mean "timeouts.get"?');
    assert.equal(message({ baseUrl: 'http://a', zzzzzz: 1 }), 'Unknown option "zzzzzz"');
  });

  it("no zod wording leaks, whatever the mistake", () => {
    const bad: unknown[] = [
      {}, null, 5, { baseUrl: 42 }, { baseUrl: 'x' }, { baseUrl: 'http://a', timeoutMs: 'x' }, { baseUrl: 'http://a', timeoutMs: -1 },
      { baseUrl: 'http://a', retry: { retries: 99 } }, { baseUrl: 'http://a', retry: 'no' }, { baseUrl: 'http://a', breaker: 1 },
      { baseUrl: 'http://a', headers: { a: 1 } }, { baseUrl: 'http://a', nope: 1 }, { baseUrl: 'http://a', maxQueue: 1.5 },
      { baseUrl: 'http://a', retry: { budget: { ratio: 2 } } }, { baseUrl: [] },
    ];
    for (const options of bad) assert.doesNotMatch(message(options), ZOD_WORDING, JSON.stringify(options));
  });

  it('GUN_PEERS is named when the legacy facade read the URL from the environment', () => {
    const saved = process.env.GUN_PEERS;
    process.env.GUN_PEERS = '127.0.0.1:18765';
    try {
      const e = thrown(() => new GunHelper({ logger: null }));
      assert.equal(e.code, 'INVALID_OPTIONS');
      assert.equal(e.field, 'GUN_PEERS');
      assert.equal(e.message, 'Invalid GUN_PEERS: "127.0.0.1:18765" is not an http(s) URL; did you mean http://127.0.0.1:18765?');
    } finally {
      if (saved === undefined) delete process.env.GUN_PEERS;
      else process.env.GUN_PEERS = saved;
      GunHelper.closeAll();
    }
  });
});

describe('messages: other options and snapshots speak the same way', () => {
  it('MemoryMonitor and SyncLoop options: named, with the value and the closest known option', () => {
    assert.equal(thrown(() => new MemoryMonitor({ intervalMs: -1 })).message, 'Invalid MemoryMonitor option "intervalMs": must be greater than 0, got -1');
    assert.equal(thrown(() => new MemoryMonitor({ interval: 5 } as never)).message, 'Unknown MemoryMonitor option "interval"; did you mean "intervalMs"?');
    const client = new GunRelayClient({ baseUrl: 'http://127.0.0.1:9' });
    try {
      assert.equal(thrown(() => new SyncLoop({ name: 'n', client, run() {}, intervalMs: 0 } as never)).message, 'Invalid SyncLoop option "intervalMs": must be greater than 0, got 0');
      assert.equal(thrown(() => new SyncLoop({ name: 'n', run() {} } as never)).message, 'Invalid SyncLoop option "client": is required');
      assert.equal(thrown(() => client.importLedger({ format: 'x' })).message, 'importLedger: not a ledger snapshot: "format" must be "gun-relay-client/ledger", got "x"');
    } finally {
      client.close();
    }
  });
});

describe('messages: input', () => {
  const client = new GunRelayClient({ baseUrl: 'http://127.0.0.1:9' });
  after(() => client.close());

  it('node keys are quoted ("at" reads as a key, not as a word)', async () => {
    const e = await rejected(client.put('a:b', { at: [1] } as never));
    assert.equal(e.message, 'put: invalid node, key "at": an array is not allowed (GUN takes strings, finite numbers, booleans, null, links and plain objects)');
    const nested = await rejected(client.put('a:b', { meta: { tags: [] } } as never));
    assert.equal(nested.message, 'put: invalid node, key "meta.tags": an array is not allowed (GUN takes strings, finite numbers, booleans, null, links and plain objects)');
    const missing = await rejected(client.put('a:b', { a: undefined } as never));
    assert.equal(missing.message, 'put: invalid node, key "a": undefined is not allowed (GUN takes strings, finite numbers, booleans, null, links and plain objects)');
  });
});
