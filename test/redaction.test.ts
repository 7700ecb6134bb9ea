/** Credentials are redacted from the parsed URL: whatever characters they hold, none reaches errors, events, stats, health or logs. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GunRelayClient } from '../src/index.js';
import { redactUrl } from '../src/errors.js';
import { relayReason } from '../src/protocol/relayReason.js';
import { startFaultServer, type FaultServer } from '../src/testing/index.js';

describe('URL credential redaction', () => {
  let server: FaultServer;
  before(async () => {
    server = await startFaultServer({ status: 503, body: { error: 'down' } });
  });
  after(async () => {
    await server.close();
  });

  it('redactUrl removes user and password whatever they hold', () => {
    assert.equal(redactUrl('http://u:p@ss@host:8765'), 'http://host:8765');
    assert.equal(redactUrl('http://a@b:c@d@relay/x?y=1'), 'http://relay/x?y=1');
    assert.equal(redactUrl('https://user:pw@relay/'), 'https://relay/');
    assert.equal(redactUrl('http://relay:8765'), 'http://relay:8765');
  });

  it('a relay reason quoting such a URL loses the credentials too', () => {
    const reason = relayReason('{"error":"cannot reach http://u:p@ss@upstream:8765/x"}') ?? '';
    assert.match(reason, /cannot reach http:\/\/upstream:8765\/x/);
    assert.ok(!reason.includes('ss@') && !reason.includes('u:p'));
  });

  it('a reason cut inside a URL keeps no part of its user or password', () => {
    // The head read for a large body ends inside the URL: its "@" is past the cut.
    const page = `E${' '.repeat(1_007)}http://user:password@host/ ${'z'.repeat(20_000)}`;
    assert.equal(relayReason(page), '"E http://…"');
    // The 300 characters read of a long GUN message end inside the URL.
    const message = `{"error":"E${' '.repeat(280)}http://user:password@host/ more","pad":"${'z'.repeat(5_000)}"}`;
    assert.equal(relayReason(message), '"E http://…"');
    // The head of a larger body (the transport's 4 KiB) ends inside the URL.
    assert.equal(relayReason(`{"error":"E${' '.repeat(200)}http://user:pass`, false), '"E http://…"');
    // Not cut: a URL that ends the reason stays.
    assert.equal(relayReason('{"error":"cannot reach http://upstream:8765"}'), '"cannot reach http://upstream:8765"');
  });

  it('a reason whose escapes do not parse is decoded leniently, so its URL credentials are found', () => {
    const small = String.raw`{"error":"bad \q http:\/\/user:password\u0040host/ x"}`;
    const reason = relayReason(small) ?? '';
    assert.equal(reason, '"bad q http://host/ x"');
    const large = String.raw`{"error":"bad \q http:\/\/user:password\u0040host/ x","pad":"` + 'z'.repeat(5_000) + '"}';
    assert.equal(relayReason(large), '"bad q http://host/ x"');
  });

  it('a password with a raw "@" leaks nowhere: errors, events, stats keys, health, logs', async () => {
    const logs: unknown[] = [];
    const log = (o: unknown, m?: string): void => void logs.push([o, m]);
    const url = `http://us3r:p4@ss@127.0.0.1:${server.port}`;
    const client = new GunRelayClient({ baseUrl: url, logger: { debug: log, info: log, warn: log, error: log }, retry: { retries: 1, baseDelayMs: 0 }, breaker: { threshold: 1, halfOpenAfterMs: 60_000 } });
    const seen: unknown[] = [];
    for (const name of ['failure', 'retry', 'breaker', 'settle'] as const) client.on(name, (e: unknown) => seen.push(e));
    const error = await client.get('x:1').catch((e: unknown) => e);
    const error2 = await client.get('x:2').catch((e: unknown) => e);
    const health = await client.health();
    const all = JSON.stringify([error, error2, String(error), (error as Error).stack, seen, logs, client.stats(), health]);
    client.close();
    assert.ok(seen.length > 0 && health.length === 1);
    for (const secret of ['us3r', 'p4', 'ss@', '@127']) assert.ok(!all.includes(secret), `${secret} leaked: ${all.slice(0, 300)}`);
    assert.equal(health[0]?.relay, `http://127.0.0.1:${server.port}`);
    assert.ok(server.log.length > 0, 'the requests were sent (with the credentials as basic auth)');
  });
});
