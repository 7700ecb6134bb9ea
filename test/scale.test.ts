/**
 * Index reads at production size with default options: a 1,000,000-entry registry index
 * (~86 MB) and deletion index served as a stream by a loopback test server, read through
 * IndexSnapshot, DeletionRegistry and the legacy GunHelper; the typed get over its default
 * limit names the option and the value that fits. Figures are in the `scale` bench job.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GunRelayClient, isGunRelayError } from '../src/index.js';
import { GunHelper } from '../src/legacy/index.js';
import { DELETED_INDEX_SOUL, DeletionRegistry, IndexSnapshot, registryIndexSoul } from '../src/oip/index.js';
import { largeIndexBodyLength, largeIndexKey, startLargeIndexServer, type LargeIndexServer } from '../src/testing/index.js';

const MILLION = 1_000_000;
const POSTS = registryIndexSoul('post');
const MID = registryIndexSoul('image');
const MID_SIZE = 200_000;

describe('indexes of a million entries, default options', () => {
  let server: LargeIndexServer;
  let client: GunRelayClient;
  before(async () => {
    server = await startLargeIndexServer({
      indexes: { [POSTS]: { entries: MILLION }, [MID]: { entries: MID_SIZE }, [DELETED_INDEX_SOUL]: { entries: MILLION, kind: 'flag' } },
    });
    client = new GunRelayClient({ baseUrl: server.url });
  });
  after(async () => {
    client.close();
    GunHelper.closeAll();
    await server.close();
  });

  it('IndexSnapshot loads 1,000,000 entries, keeping at most 64 bytes each', { timeout: 120_000 }, async () => {
    const snap = await IndexSnapshot.load(client, POSTS);
    assert.equal(snap.size, MILLION);
    assert.equal(snap.exists, true);
    for (const i of [0, 1, 4_999, 500_000, MILLION - 1]) {
      assert.equal(snap.has(largeIndexKey(i)), true, `entry ${i}`);
      assert.deepEqual(snap.entry(largeIndexKey(i)), { '#': `${POSTS}/${largeIndexKey(i)}` });
    }
    assert.equal(snap.has(largeIndexKey(MILLION)), false);
    const perEntry = snap.retainedBytes / snap.size;
    assert.ok(perEntry <= 64, `${perEntry.toFixed(1)} bytes per entry`);
    let n = 0;
    for (const key of snap.liveKeys()) if (key.length === 27) n++;
    assert.equal(n, MILLION);
  });

  it('DeletionRegistry reads a 1,000,000-entry deletion index', { timeout: 120_000 }, async () => {
    const registry = await new DeletionRegistry(client).refresh();
    assert.equal(registry.isDeleted(`did:gun:${largeIndexKey(123_456)}`), true);
    assert.equal(registry.isDeleted(largeIndexKey(MILLION - 1)), true, 'a soul works too');
    assert.equal(registry.isDeleted(largeIndexKey(MILLION + 1)), false);
  });

  it('the typed get over its default limit names maxContentLength and the value that fits; with it, all keys come back', { timeout: 120_000 }, async () => {
    const bytes = largeIndexBodyLength(MID, { entries: MID_SIZE });
    assert.ok(bytes > 8 * 1024 * 1024);
    const error = await client.get(MID).then(
      () => assert.fail('expected RESPONSE_TOO_LARGE'),
      (e: unknown) => e,
    );
    assert.ok(isGunRelayError(error) && error.code === 'RESPONSE_TOO_LARGE');
    assert.match(error.message, new RegExp(`raise maxContentLength to at least ${bytes} \\(client option, or per call\\)`));
    const node = await client.get(MID, { maxContentLength: bytes });
    assert.equal(Object.keys(node ?? {}).length, MID_SIZE, 'keys bounded by bytes, not by maxListEntries');
  });

  it('GunHelper.getRecord returns a 1,000,000-entry index over its own body limit, never null', { timeout: 180_000 }, async () => {
    const saved = process.env['GUN_PEERS'];
    process.env['GUN_PEERS'] = server.url;
    try {
      const helper = new GunHelper({ logger: null });
      const index = await helper.getRecord(POSTS);
      assert.ok(index, 'the index, not null');
      const keys = Object.keys(index);
      assert.equal(keys.length, MILLION);
      assert.deepEqual(index[largeIndexKey(42)], { '#': `${POSTS}/${largeIndexKey(42)}` }, 'links as the relay sent them');
    } finally {
      if (saved === undefined) delete process.env['GUN_PEERS'];
      else process.env['GUN_PEERS'] = saved;
    }
  });
});
