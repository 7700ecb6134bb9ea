/**
 * A 20,000-entry registry index on the local relay (real gun), written as the indexer writes it
 * (2,000 nested `{soul, nodeId, timestamp}` entries per put), read with default options through
 * each path: the typed get, IndexSnapshot, the oip-proxy profile and the legacy GunHelper. The
 * production relay answers such a node whole only to its first reader (later reads 404 for
 * seconds); the local relay answers every reader whole (it reads gun's in-memory node), so the
 * four paths read one written relay in turn, each with a client of its own (no shared cache).
 * A relay restarted on the written data answers its first read with part of the node (gun
 * loads it from disk in pieces): not used here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GunRelayClient, type GunNode } from '../src/index.js';
import { GunHelper } from '../src/legacy/index.js';
import { IndexSnapshot, registryIndexSoul } from '../src/oip/index.js';
import { startLocalRelay, startOipProxy, type LocalRelay } from '../src/testing/index.js';

const ENTRIES = 20_000;
const BATCH = 2_000;
const SOUL = registryIndexSoul('post');
const keyOf = (i: number): string => `5ca1e0000001:h:${i.toString(16).padStart(12, '0')}`;

describe('a 20,000-entry index on the local relay, default options, each read path', { timeout: 600_000 }, () => {
  /** A relay holding the index, written as registerOIPRecord writes it: its first reader gets it whole. */
  const freshRelay = async (): Promise<LocalRelay> => {
    // Ten puts of 2,000 nested entries, one request each (a nested object names its own node in
    // its parent's request); a 10 ms disk batch window keeps gun's write bounded.
    const relay = await startLocalRelay({ putDelayMs: 0, writeBatchMs: 10 });
    const client = new GunRelayClient({ baseUrl: relay.url, timeouts: { put: 120_000 } });
    try {
      for (let start = 0; start < ENTRIES; start += BATCH) {
        const node: GunNode = {};
        for (let i = start; i < start + BATCH; i++) node[keyOf(i)] = { soul: keyOf(i), nodeId: 'node-a', timestamp: 1_700_000_000_000 + i };
        assert.equal((await client.put(SOUL, node)).outcome, 'written');
      }
    } finally {
      client.close();
    }
    return relay;
  };

  let relay: LocalRelay;
  before(async () => {
    relay = await freshRelay();
  });
  after(async () => {
    GunHelper.closeAll();
    await relay.close();
  });

  const written = new Set(Array.from({ length: ENTRIES }, (_, i) => keyOf(i)));
  /**
   * Every written key and nothing else. After the first read, gun's disk store can add truncated
   * copies of written keys, each linked to another entry's child (cross-linked keys): every read
   * path drops them and counts them in `crossLinkedKeys` (see docs/deployments.md).
   */
  const assertWhole = (keys: string[]): void => {
    const present = new Set(keys);
    const missing = [...written].filter((k) => !present.has(k)).slice(0, 5);
    assert.deepEqual(missing, [], 'every written key');
    const extra = keys.filter((k) => !written.has(k));
    assert.deepEqual(extra.slice(0, 5), [], 'no key that was never written');
    assert.equal(keys.length, ENTRIES);
  };

  it('typed get', async (t) => {
    const client = new GunRelayClient({ baseUrl: relay.url });
    try {
      const node = await client.get(SOUL);
      t.diagnostic(`cross-linked keys dropped: ${client.stats().crossLinkedKeys}`);
      assertWhole(Object.keys(node ?? {}));
      assert.deepEqual(node?.[keyOf(7)], { '#': `${SOUL}/${keyOf(7)}` });
    } finally {
      client.close();
    }
  });

  it('IndexSnapshot', async (t) => {
    const client = new GunRelayClient({ baseUrl: relay.url });
    try {
      const snapshot = await IndexSnapshot.load(client, SOUL);
      t.diagnostic(`cross-linked keys dropped: ${client.stats().crossLinkedKeys}`);
      assertWhole(snapshot.keys());
      assert.ok(snapshot.retainedBytes / snapshot.size <= 64);
    } finally {
      client.close();
    }
  });

  it('IndexSnapshot through the oip-proxy profile (the sync worker\'s peer)', async () => {
    const proxy = await startOipProxy({ target: relay.url });
    const peer = new GunRelayClient({ baseUrl: [{ url: proxy.url, kind: 'oip-proxy' }] });
    try {
      const snapshot = await IndexSnapshot.load(peer, SOUL);
      assertWhole(snapshot.keys());
    } finally {
      peer.close();
      await proxy.close();
    }
  });

  it('GunHelper.getRecord', async () => {
    const saved = process.env['GUN_PEERS'];
    process.env['GUN_PEERS'] = relay.url;
    try {
      const index = await new GunHelper({ logger: null }).getRecord(SOUL);
      assert.ok(index, 'the index, not null');
      assertWhole(Object.keys(index));
    } finally {
      if (saved === undefined) delete process.env['GUN_PEERS'];
      else process.env['GUN_PEERS'] = saved;
      GunHelper.closeAll();
    }
  });
});
