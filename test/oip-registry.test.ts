import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GunRelayClient, ManualClock, isGunRelayError, type GunNode, type RelayNode } from '../src/index.js';
import { DeletionRegistry, IndexSnapshot, indexAdd, indexRemove, registryIndexSoul, registryNodeSoul, deletedRecordSoul } from '../src/oip/index.js';
import { startLocalRelay, type LocalRelay } from '../src/testing/index.js';

const entry = (soul: string): GunNode => ({ soul, nodeId: 'node-a', timestamp: 1_700_000_000_000 });

/** The indexer's registration today: read the whole index, add one entry, put the whole index back. */
async function registerReadModifyWrite(client: GunRelayClient, indexSoul: string, key: string, between: () => Promise<void>): Promise<void> {
  const whole = ((await client.get(indexSoul)) ?? {}) as RelayNode;
  await between(); // another writer acts while this one holds its copy
  await client.put(indexSoul, { ...(whole as GunNode), [key]: entry(key) });
}

describe('registry index helpers against the local relay', () => {
  let relay: LocalRelay;
  let client: GunRelayClient;
  before(async () => {
    relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 200 });
    client = new GunRelayClient({ baseUrl: relay.url });
  });
  after(async () => {
    client.close();
    await relay.close();
  });

  it('single-field writes from two writers at once keep both; the read-modify-write version loses the removal', async () => {
    const a = 'aaaa00000001:rec';
    const x = 'aaaa00000001:x';
    const y = 'aaaa00000001:y';

    // With the helpers: writer 1 unregisters x while writer 2 and 3 register y and a, all at once.
    const idx = registryIndexSoul('demoHelpers');
    await indexAdd(client, idx, x, entry(x));
    await Promise.all([indexRemove(client, idx, x), indexAdd(client, idx, y, entry(y)), indexAdd(client, idx, a, entry(a))]);
    const kept = await IndexSnapshot.load(client, idx);
    assert.deepEqual(kept.keys().sort(), [a, y], 'both additions kept, and the removal stands');

    // Read-modify-write: writer 2 reads the index, writer 1 unregisters x, writer 2 puts its copy back.
    const rmw = registryIndexSoul('demoReadModifyWrite');
    await indexAdd(client, rmw, x, entry(x));
    await registerReadModifyWrite(client, rmw, y, async () => {
      await indexRemove(client, rmw, x);
      assert.equal((await IndexSnapshot.load(client, rmw)).has(x), false, 'the removal landed');
    });
    const lost = await IndexSnapshot.load(client, rmw);
    assert.equal(lost.has(y), true);
    assert.equal(lost.has(x), true, "writer 2's stale copy brought x back: writer 1's removal is lost");
  });

  it('IndexSnapshot: one read answers membership locally; refresh on TTL (longer for a missing index) or on demand', async () => {
    const clock = new ManualClock();
    const soul = registryIndexSoul('snapshotTtl');
    const missing = registryIndexSoul('neverWritten');
    await indexAdd(client, soul, 'k1', entry('k1'));
    relay.resetCounters();
    const snap = await IndexSnapshot.load(client, soul, { clock, ttlMs: 1_000 });
    const none = await IndexSnapshot.load(client, missing, { clock, ttlMs: 1_000, missingTtlMs: 60_000 });
    assert.equal(relay.requestCount, 2);
    for (let i = 0; i < 50; i++) assert.equal(snap.has('k1') && !snap.has('k2') && !none.has('k1'), true);
    assert.equal(none.exists, false);
    assert.deepEqual(snap.entry('k1'), { '#': `${soul}/k1` }, 'an entry reads back as a link');
    assert.equal(relay.requestCount, 2, 'membership costs no request');

    await indexAdd(client, soul, 'k2', entry('k2')); // another writer
    assert.equal(await snap.ensureFresh(), false, 'within the TTL');
    assert.equal(snap.has('k2'), false);
    await clock.advance(1_000);
    assert.equal(await snap.ensureFresh(), true);
    assert.equal(snap.has('k2'), true);
    assert.equal(await none.ensureFresh(), false, 'a missing index waits for missingTtlMs');
    await clock.advance(59_000);
    assert.equal(await none.ensureFresh(), true);

    await snap.add('k3', entry('k3'));
    await snap.remove('k1');
    assert.deepEqual(snap.keys().sort(), ['k2', 'k3'], 'own writes are seen without a read');
    await snap.refresh();
    assert.deepEqual(snap.keys().sort(), ['k2', 'k3'], 'and the relay agrees');
    await assert.rejects(indexAdd(client, soul, '', entry('e')), (e: unknown) => isGunRelayError(e) && e.code === 'INVALID_INPUT');
  });

  it('DeletionRegistry: isDeleted from one read of the index, whatever the number of records', async () => {
    const writer = new DeletionRegistry(client);
    const did = 'did:gun:dddd00000001:gone';
    await writer.markDeleted(did, 'pubkey-of-deleter', { at: 1_700_000_000_000 });
    assert.equal(writer.isDeleted(did), true, 'own mark seen at once');
    const details = await client.get(deletedRecordSoul(did));
    assert.equal(details?.['deletedBy'], 'pubkey-of-deleter');
    assert.equal(details?.['timestamp'], new Date(1_700_000_000_000).toISOString());

    const reader = new DeletionRegistry(client);
    relay.resetCounters();
    await reader.refresh();
    let deleted = 0;
    for (let i = 0; i < 200; i++) if (reader.isDeleted(`did:gun:dddd00000001:rec${i}`)) deleted++;
    assert.equal(deleted, 0);
    assert.equal(reader.isDeleted(did), true);
    assert.equal(reader.isDeleted('dddd00000001:gone'), true, 'a soul works too');
    assert.ok(reader.deletedSouls().includes('dddd00000001:gone'));
    assert.equal(relay.requestCount, 1, 'one read for 202 answers');
    await assert.rejects(writer.markDeleted('not-a-did', 'x'), (e: unknown) => isGunRelayError(e) && e.code === 'INVALID_INPUT');
    assert.equal(registryNodeSoul('node-a', 'h:1'), 'oip:registry:nodes:node-a:h:1');
  });
});
