/**
 * Nothing the SDK emits carries credentials: a client whose relay URL holds `user:password@` and
 * whose headers hold an `Authorization` token is driven through successes, relay errors, retries,
 * aborts, timeouts and a bad relay pin, and every event, tracing payload, log line and error is
 * scanned for the secrets (also the hidden properties util.inspect shows). Trace payloads stay
 * `JSON.stringify`-able.
 */
import assert from 'node:assert/strict';
import diagnostics_channel from 'node:diagnostics_channel';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { GunRelayClient, TRACING_CHANNELS } from '../src/index.js';
import { startFaultServer, type FaultServer } from '../src/testing/index.js';

const SECRETS = ['s3cretpw', 'us3rname', 'T0KEN-abc123'];

describe('credentials never leave the client', () => {
  let server: FaultServer;
  before(async () => {
    server = await startFaultServer((req) => {
      const soul = req.query['soul'] ?? '';
      if (soul.startsWith('hang')) return { hang: true };
      if (soul.startsWith('down')) return { status: 503, body: { error: 'down' } };
      if (req.path === '/put') return { status: 200, body: { success: true } };
      return { status: 200, body: { a: 1 } };
    });
  });
  after(async () => {
    await server.close();
  });

  it('events, every tracing channel, the logger and errors: no password, user name or Authorization token', async () => {
    const seen: unknown[] = [];
    const payloads: object[] = [];
    const subscribers = Object.values(TRACING_CHANNELS).map((name) => {
      const record = (ctx: object): void => {
        payloads.push(ctx);
        seen.push(inspect(ctx, { depth: 10, showHidden: true }));
      };
      const handlers = { start: record, end: record, asyncStart: record, asyncEnd: record, error: record };
      diagnostics_channel.tracingChannel(name).subscribe(handlers);
      return () => diagnostics_channel.tracingChannel(name).unsubscribe(handlers);
    });
    const log = (o: unknown, m?: unknown): void => void seen.push(inspect([o, m], { depth: 10, showHidden: true }));
    const client = new GunRelayClient({
      baseUrl: `http://us3rname:s3cretpw@127.0.0.1:${server.port}`,
      headers: { Authorization: 'Bearer T0KEN-abc123' },
      logger: { debug: log, info: log, warn: log, error: log },
      retry: { retries: 1, baseDelayMs: 0 },
      timeouts: { get: 2_000 },
    });
    for (const name of ['failure', 'retry', 'breaker', 'settle', 'quarantine', 'recover', 'listenerError'] as const) {
      client.on(name, (e: unknown) => void seen.push(inspect(e, { depth: 10, showHidden: true })));
    }
    const errors: unknown[] = [];
    const settle = async (p: Promise<unknown>): Promise<void> => {
      await p.then(
        (v) => void seen.push(inspect(v, { depth: 10 })),
        (e: unknown) => void errors.push(e),
      );
    };
    try {
      await settle(client.put('ok:1', { x: 1 }));
      await settle(client.get('ok:1'));
      await settle(client.get('down:1'));
      const controller = new AbortController();
      const aborted = client.get('hang:1', { signal: controller.signal });
      await new Promise((r) => setTimeout(r, 50));
      controller.abort();
      await settle(aborted);
      await settle(client.get('hang:2', { timeoutMs: 100 }));
      await settle(client.get('ok:2', { relay: 'http://other:pw-s3cretpw@relay.example:8765' }));
      await settle(client.get('ok:3', { relay: 'us3rname:s3cretpw@relay.example' }));
    } finally {
      for (const off of subscribers) off();
      client.close();
    }
    assert.ok(errors.length >= 4, `${errors.length} calls failed`);
    assert.ok(payloads.some((p) => 'attempt' in p && 'error' in p), 'an attempt trace carried an error');
    for (const e of errors) seen.push(inspect(e, { depth: 10, showHidden: true }), String(e), (e as Error).stack, JSON.stringify(e));
    for (const p of payloads) seen.push(JSON.stringify(p)); // throws if a payload cannot be serialised
    seen.push(inspect(client.stats(), { depth: 10 }));
    const all = seen.join('\n');
    for (const secret of SECRETS) {
      const at = all.indexOf(secret);
      assert.equal(at, -1, `${secret} leaked: …${all.slice(Math.max(0, at - 200), at + 50)}`);
    }
    assert.ok(server.log.some((r) => r.headers.authorization !== undefined), 'credentials were sent to the relay');
  });
});
