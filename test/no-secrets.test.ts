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
import { GunRelayClient, SyncLoop, TRACING_CHANNELS } from '../src/index.js';
import { GunHelper } from '../src/legacy/index.js';
import { OipSyncWorker } from '../src/oip/index.js';
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

describe('logging the objects themselves shows no credentials', () => {
  const url = 'http://us3rname:s3cretpw@127.0.0.1:9';
  const headers = { Authorization: 'Bearer T0KEN-abc123' };
  const shown = (value: object): string => [JSON.stringify(value), inspect(value), inspect(value, { depth: 20, showHidden: true }), inspect({ nested: value }, { depth: 20 })].join('\n');
  const assertClean = (text: string, what: string): void => {
    for (const secret of SECRETS) {
      const at = text.indexOf(secret);
      assert.equal(at, -1, `${what}: ${secret} leaked: …${text.slice(Math.max(0, at - 200), at + 50)}`);
    }
  };

  it('GunRelayClient, its RelayPool and AxiosTransport, a SyncLoop cycle view: JSON.stringify and util.inspect give a redacted summary', async () => {
    const client = new GunRelayClient({ baseUrl: [url, { url: 'https://us3rname:s3cretpw@relay.example/gun-relay', kind: 'oip-proxy' }], headers });
    try {
      assert.deepEqual(JSON.parse(JSON.stringify(client)), { client: 'GunRelayClient', relays: ['http://127.0.0.1:9', 'https://relay.example/gun-relay'], closed: false });
      assert.match(inspect(client, { breakLength: Infinity }), /^GunRelayClient \{ relays: \[ 'http:\/\/127\.0\.0\.1:9', 'https:\/\/relay\.example\/gun-relay' \], closed: false \}$/);
      assertClean(shown(client), 'client');
      const internals = client as unknown as { pool: object; transport: object };
      assertClean(shown(internals.pool), 'pool');
      assert.deepEqual(JSON.parse(JSON.stringify(internals.pool)), { pool: 'RelayPool', relays: ['http://127.0.0.1:9', 'https://relay.example/gun-relay'] });
      assertClean(shown(internals.transport), 'transport');
      assert.deepEqual(JSON.parse(JSON.stringify(internals.transport)), { transport: 'AxiosTransport', headers: ['Authorization'], closed: false });
      const loop = new SyncLoop({ name: 'secrets', client, intervalMs: 60_000, cycleTimeoutMs: 30_000, run: async (cycle) => shown(cycle.client) });
      const report = await loop.trigger();
      assert.equal(report.outcome, 'ok');
      assert.match(report.result!, /GunRelayClient/);
      assertClean(report.result!, 'cycle view');
      assertClean(shown(loop), 'loop');
    } finally {
      client.close();
    }
    assert.equal(JSON.parse(JSON.stringify(client)).closed, true);
  });

  it('OipSyncWorker and GunHelper: JSON.stringify and util.inspect give a redacted summary', async () => {
    const worker = new OipSyncWorker({ peers: ['https://us3rname:s3cretpw@peer.example/gun-relay'], local: url, clientOptions: { headers } });
    try {
      assertClean(shown(worker), 'worker');
      assert.deepEqual(JSON.parse(JSON.stringify(worker)), { worker: 'OipSyncWorker', name: 'oip-sync', local: 'http://127.0.0.1:9', peers: ['https://peer.example/gun-relay'], running: false, closed: false });
    } finally {
      await worker.close();
    }
    const before = process.env['GUN_PEERS'];
    process.env['GUN_PEERS'] = url;
    try {
      const helper = new GunHelper();
      assert.equal(helper.apiUrl, url, 'apiUrl keeps what GUN_PEERS says, as helpers/gun.js did');
      assertClean(shown(helper), 'helper');
      assert.deepEqual(JSON.parse(JSON.stringify(helper)), { helper: 'GunHelper', apiUrl: 'http://127.0.0.1:9', rememberedMisses: 0 });
    } finally {
      if (before === undefined) delete process.env['GUN_PEERS'];
      else process.env['GUN_PEERS'] = before;
      GunHelper.closeAll();
    }
  });
});
