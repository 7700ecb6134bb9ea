import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AxiosTransport, GunRelayClient, isGunRelayError } from '../src/index.js';
import { startFaultServer, type FaultServer } from '../src/testing/index.js';
import { fullGc, heapAfterGc } from './helpers/gc.js';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('immediate release of error response buffers', () => {
  let server: FaultServer;

  before(async () => {
    // Every request: 500 with a GUN-style string message padded to the requested size.
    server = await startFaultServer((req) => ({ status: 500, bodyBytes: req.path === '/put' && req.query['size'] === undefined ? 256 * KiB : MiB }));
  });
  after(async () => {
    await server.close();
  });

  it('a 1 MiB error body is never buffered whole: its 16 KiB head is collected once the call settles; the error keeps a 512-char excerpt', async () => {
    const registry = new FinalizationRegistry<string>((tag) => collected.add(tag));
    const collected = new Set<string>();
    let seen = 0;
    let largest = 0;
    const transport = new AxiosTransport({
      maxSockets: 4,
      maxContentLength: 8 * MiB,
      maxBodyLength: 8 * MiB,
      inspectBody: (body) => {
        if (!Buffer.isBuffer(body)) return;
        largest = Math.max(largest, body.length);
        registry.register(body, `body-${seen++}`);
      },
    });
    const client = new GunRelayClient({ baseUrl: server.url, transport, retry: false, breaker: false });
    let error: unknown;
    try {
      await client.get('poisoned:1');
    } catch (e) {
      error = e;
    }
    assert.ok(isGunRelayError(error));
    assert.equal(error.status, 500);
    assert.equal(error.code, 'SOUL_REJECTED');
    assert.equal(error.bodyExcerpt?.length, 512);
    assert.ok(seen >= 1, 'the transport saw the error body');
    assert.equal(largest, 16 * KiB, 'only the head of the 1 MiB body reached axios (the rest was read and dropped)');
    await fullGc();
    await fullGc();
    assert.equal(collected.size, seen, 'every error body was garbage-collected while the error is still held');
    assert.ok(JSON.stringify(error).length < 2_000);
    client.close();
  });

  it('2,000 failures with 256 KiB bodies: heap grows by the ledger entries only, and a held error costs < 4 KiB', async () => {
    const client = new GunRelayClient({ baseUrl: server.url, retry: false, breaker: false, maxTrackedSouls: 10_000, attributionWindowMs: 0 });
    const storm = async (prefix: string, keep: unknown[] | undefined) => {
      for (let i = 0; i < 2_000; i += 16) {
        await Promise.all(
          Array.from({ length: 16 }, (_, j) =>
            client.delete(`${prefix}:${i + j}`, { keys: ['a'] }).catch((e: unknown) => {
              keep?.push(e);
            }),
          ),
        );
      }
    };
    // Warm up axios, the agent and the JIT so the baseline is not taken cold.
    await storm('warm', undefined);
    const baseline = await heapAfterGc();
    await storm('dropped', undefined);
    const afterDropped = await heapAfterGc();
    const held: unknown[] = [];
    await storm('held', held);
    const afterHeld = await heapAfterGc();
    assert.equal(held.length, 2_000);
    assert.equal(client.stats().trackedSouls, 6_000);
    const perEntry = (afterDropped - baseline) / 2_000;
    const perHeldError = (afterHeld - afterDropped) / 2_000 - perEntry;
    console.log(`# per ledger entry: ${perEntry.toFixed(0)} B; per held GunRelayError: ${perHeldError.toFixed(0)} B; a body is 262,144 B`);
    // Bound for the ledger: an entry is a small object + its key (~200–400 B); 1 KiB leaves room
    // for noise. Keeping even 1 % of the 256 KiB bodies would add 5 MiB, i.e. 2.6 KiB per failure.
    assert.ok(perEntry < 1_024, `ledger entry costs ${perEntry} B`);
    // A held error: the object, its message, a 512-char excerpt and a captured stack; measured
    // 1.3–2.2 KiB depending on the stack V8 captured. An error that kept its body would cost at
    // least the 16 KiB head the transport reads, or the whole 256 KiB, so 4 KiB still catches it.
    assert.ok(perHeldError < 4_096, `held error costs ${perHeldError} B`);
    client.close();
  });
});
