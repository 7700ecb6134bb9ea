/**
 * Property tests (fast-check, fixed seed; `npm run fuzz` for a longer run):
 * (a) a careless caller: arbitrary values as soul, node, delete keys and options either reject
 *     INVALID_INPUT / INVALID_OPTIONS with nothing sent, or send exactly the validated snapshot,
 *     and the local relay over the real gun answers;
 * (b) a hostile relay: arbitrary statuses and bodies (deep nesting, huge lists, garbage, resets,
 *     hangs) make every call settle exactly once, with a value or a GunRelayError, within its
 *     deadline, with bounded heap.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { AxiosTransport, GunRelayClient, isGunRelayError, prepareWrite } from '../src/index.js';
import { startFaultServer, startLocalRelay, type FaultServer, type LocalRelay } from '../src/testing/index.js';
import { behaviourArb, fuzzSettings, keysArb, nodeArb, optionsArb, soulArb } from './fuzz/arbitraries.js';
import { heapAfterGc } from './helpers/gc.js';
import { recording } from './helpers/recording.js';
import { planWrite } from '../src/protocol/nestedWrite.js';

const MiB = 1024 * 1024;

function settlesOnce<T>(p: Promise<T>, limitMs: number): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`did not settle within ${limitMs} ms`)), limitMs)));
  return Promise.race([p.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error })), hang]).finally(() => clearTimeout(timer));
}

describe('fuzz (a): careless caller against the real gun', () => {
  let relay: LocalRelay;
  let transport: ReturnType<typeof recording>;
  let client: GunRelayClient;
  const maxBodyLength = 64 * 1024;
  before(async () => {
    relay = await startLocalRelay({ putDelayMs: 0, writeBatchMs: 1, missWaitMs: 50 });
    transport = recording(new AxiosTransport({ maxSockets: 4, maxContentLength: 8 * MiB, maxBodyLength }));
    client = new GunRelayClient({ baseUrl: relay.url, transport, maxBodyLength, failureThreshold: 1_000_000, retry: false, breaker: false, timeoutMs: 5_000 });
  });
  after(async () => {
    client.close();
    await relay.close();
  });

  it('put: INVALID_INPUT with nothing sent, or exactly the validated bytes sent and answered', async () => {
    let sentCount = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(soulArb, nodeArb, async (soul, node) => {
        transport.sent.length = 0;
        relay.resetCounters();
        let expected: string[] | undefined;
        try {
          // Validated once, then planned: one request, every nested object naming its own soul.
          const snapshot = prepareWrite(soul, node, 'put', maxBodyLength);
          expected = [planWrite(snapshot.soul, snapshot.node!, 'put', maxBodyLength).body];
        } catch (error) {
          assert.ok(isGunRelayError(error) && error.code === 'INVALID_INPUT', `prepareWrite threw ${String(error)}`);
        }
        const result = await settlesOnce(client.put(soul as string, node as never), 10_000);
        if (expected === undefined) {
          refused++;
          assert.equal(result.ok, false);
          assert.ok(!result.ok && isGunRelayError(result.error) && result.error.code === 'INVALID_INPUT', `expected INVALID_INPUT, got ${JSON.stringify(result)}`);
          assert.equal(transport.sent.length, 0, 'nothing was sent');
          assert.equal(relay.log.length, 0, 'the relay saw nothing');
        } else {
          sentCount++;
          // One request (no retries here), exactly the validated, planned bytes, whether the relay took it or refused it.
          assert.deepEqual(transport.sent.map((r) => r.body), expected, 'the bytes sent are the validated, planned snapshot');
          assert.ok(result.ok || isGunRelayError(result.error), `untyped failure ${String(!result.ok && result.error)}`);
          assert.ok(relay.log.length === 1 && relay.log.every((r) => r.status !== null), 'the real relay answered the write');
        }
      }),
      fuzzSettings(120),
    );
    assert.ok(sentCount > 10 && refused > 10, `both branches ran (sent ${sentCount}, refused ${refused})`);
  });

  it('delete keys and get souls: INVALID_INPUT with nothing sent, or a well-formed request answered', async () => {
    await fc.assert(
      fc.asyncProperty(soulArb, keysArb, async (soul, keys) => {
        transport.sent.length = 0;
        const del = await settlesOnce(client.delete(soul as string, { keys: keys as string[] }), 10_000);
        if (!del.ok && isGunRelayError(del.error) && del.error.code === 'INVALID_INPUT') {
          assert.equal(transport.sent.length, 0);
        } else {
          // The relay may refuse (gun refuses a soul holding "#" unless it is its content hash): typed, answered.
          assert.ok(del.ok || isGunRelayError(del.error), `untyped delete failure: ${String(!del.ok && del.error)}`);
          const writes = transport.sent.filter((r) => r.method === 'POST');
          if (del.ok) assert.equal(writes.length, del.value.outcome === 'deleted' ? 1 : 0);
          for (const w of writes) {
            const body = JSON.parse(w.body!) as { data: Record<string, unknown> };
            assert.ok(Object.keys(body.data).length > 0 && Object.values(body.data).every((v) => v === null), 'tombstones only, never {}');
          }
        }
        transport.sent.length = 0;
        const got = await settlesOnce(client.get(soul as string), 10_000);
        assert.ok(got.ok || isGunRelayError(got.error), `untyped get failure ${String(!got.ok && got.error)}`);
        if (!got.ok && (got.error as { code: string }).code === 'INVALID_INPUT') assert.equal(transport.sent.length, 0);
      }),
      fuzzSettings(60),
    );
  });

  it('options: INVALID_OPTIONS (a GunRelayError naming a field) or a working client', () => {
    fc.assert(
      fc.property(optionsArb, (options) => {
        let made: GunRelayClient | undefined;
        try {
          made = new GunRelayClient({ ...(typeof options === 'object' && options !== null ? options : { junk: options }), baseUrl: relay.url } as never);
        } catch (error) {
          assert.ok(isGunRelayError(error) && error.code === 'INVALID_OPTIONS' && typeof error.field === 'string', `untyped: ${String(error)}`);
        }
        made?.close();
      }),
      fuzzSettings(200),
    );
  });
});

describe('fuzz (b): hostile relay', () => {
  let server: FaultServer;
  let client: GunRelayClient;
  const deadlineMs = 300;
  before(async () => {
    server = await startFaultServer();
    client = new GunRelayClient({ baseUrl: server.url, timeoutMs: deadlineMs, retry: { retries: 2, baseDelayMs: 5, maxDelayMs: 20 }, breaker: false, failureThreshold: 1_000_000 });
  });
  after(async () => {
    client.close();
    await server.close();
  });

  it('every call settles exactly once, with a value or a GunRelayError, within its deadline; heap stays bounded', async () => {
    const heapBefore = await heapAfterGc();
    const ops = ['get', 'list', 'put', 'delete', 'getRecord'] as const;
    await fc.assert(
      fc.asyncProperty(fc.array(behaviourArb, { minLength: 1, maxLength: 3 }), fc.constantFrom(...ops), async (behaviours, op) => {
        server.reset();
        server.setDefault(behaviours[behaviours.length - 1]!);
        server.enqueue(...behaviours);
        let settles = 0;
        const off = client.on('settle', () => void settles++);
        const call: Promise<unknown> =
          op === 'get' ? client.get('h:1', { resolveLinks: 2 })
          : op === 'list' ? client.list('h')
          : op === 'put' ? client.put('h:1', { a: 1 })
          : op === 'delete' ? client.delete('h:1')
          : client.getRecord('h:1');
        // A delete is two calls' worth of deadline (read, then write); the rest one. Generous slack: this catches hangs.
        const result = await settlesOnce(call, (op === 'delete' ? 2 : 1) * deadlineMs + 3_000);
        off();
        assert.ok(result.ok || isGunRelayError(result.error), `untyped: ${String(!result.ok && result.error)}`);
        assert.equal(settles, 1, 'settled exactly once');
      }),
      fuzzSettings(80),
    );
    const grown = (await heapAfterGc()) - heapBefore;
    assert.ok(grown < 32 * MiB, `heap grew ${(grown / MiB).toFixed(1)} MiB`);
  });
});
