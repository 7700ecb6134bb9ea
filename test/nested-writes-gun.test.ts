/**
 * Proof on the real gun: nested objects written 32 at a time through every write path (typed
 * `put`, `putMany`, the facade's `putSimple`), one request each with every nested object naming its
 * own soul, land as their own nodes, each parent linking to its own child, with 0 cross-links. Souls are chosen to collide by prefix and suffix (`image_14`,
 * `image_154`), the shape of the cross-links seen when gun resolved nested objects itself.
 * Bounded: 1,000 writes per path (`NESTED_PROOF_WRITES` to change), one relay, one deadline.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GunRelayClient, type GunNode } from '../src/index.js';
import { GunHelper } from '../src/legacy/index.js';
import { startLocalRelay, type LocalRelay } from '../src/testing/index.js';

const WRITES = Number(process.env['NESTED_PROOF_WRITES'] ?? 1_000);
const IN_FLIGHT = 32;

async function eachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

const souls = (path: string): string[] => Array.from({ length: WRITES }, (_, n) => `proof-${path}:image_${n}`);
const nodeOf = (soul: string): GunNode => ({ title: soul, data: { name: soul, size: soul.length } });

describe(`nested writes on the real gun: ${WRITES} per path, ${IN_FLIGHT} in flight, 0 cross-links`, { timeout: 600_000 }, () => {
  let relay: LocalRelay;
  let client: GunRelayClient;
  let check: GunRelayClient;
  before(async () => {
    relay = await startLocalRelay({ putDelayMs: 0, writeBatchMs: 10, missWaitMs: 10_000 });
    client = new GunRelayClient({ baseUrl: relay.url, maxInFlight: IN_FLIGHT });
    check = new GunRelayClient({ baseUrl: relay.url, coalesceReads: false });
  });
  after(async () => {
    client.close();
    check.close();
    GunHelper.closeAll();
    await relay.close();
  });

  /** Every parent links to its own child, and the child holds the parent's data. */
  async function crossLinks(written: readonly string[]): Promise<string[]> {
    const problems: string[] = [];
    await eachLimit(written, IN_FLIGHT, async (soul) => {
      const node = await check.get(soul);
      const link = (node?.['data'] as { '#'?: string } | undefined)?.['#'];
      const child = link === undefined ? null : await check.get(link);
      if (node?.['title'] !== soul || link !== `${soul}/data` || child?.['name'] !== soul) problems.push(`${soul}: ${JSON.stringify(node)} -> ${JSON.stringify(child)}`);
    });
    return problems;
  }

  it('typed put', async () => {
    const all = souls('put');
    relay.resetCounters();
    await eachLimit(all, IN_FLIGHT, async (soul) => void (await client.put(soul, nodeOf(soul))));
    assert.equal(relay.requestsByPath['/put'], WRITES, 'one request per write: the nested object goes with its parent, naming its own soul');
    assert.deepEqual((await crossLinks(all)).slice(0, 5), []);
  });

  it('putMany', async () => {
    const all = souls('many');
    let written = 0;
    for await (const outcome of client.putMany(all.map((soul) => ({ soul, node: nodeOf(soul) })), { concurrency: IN_FLIGHT })) {
      assert.ok(outcome.ok, outcome.ok ? '' : String(outcome.error));
      written++;
    }
    assert.equal(written, WRITES);
    assert.deepEqual((await crossLinks(all)).slice(0, 5), []);
  });

  it("the facade's putSimple (how the indexer writes whole registry indexes)", async () => {
    process.env['GUN_PEERS'] = relay.url;
    const gun = new GunHelper({ logger: null });
    delete process.env['GUN_PEERS'];
    const all = souls('simple');
    await eachLimit(all, IN_FLIGHT, async (soul) => void (await gun.putSimple(nodeOf(soul), soul)));
    assert.deepEqual((await crossLinks(all)).slice(0, 5), []);
  });
});
