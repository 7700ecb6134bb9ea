/**
 * Cross-linked keys: a key of a node `S` whose value links to `S/<another key>` (the real relay's
 * disk store adds truncated copies of keys, linked to another entry's child, to large nodes). Every
 * read path drops them, counts them (`crossLinkedKeys`) and reports them (`crossLink` event, the
 * `gun-relay-client:cross-link` channel): the typed get (and its link resolution, and delete's
 * read), IndexSnapshot (streamed and through `get`), DeletionRegistry, the oip-proxy profile and
 * GunHelper.getRecord (whole and streamed). Served by the local relay (real gun) with the
 * `extraFields` fault, and at 20,000 entries by the large-index test server.
 */
import assert from 'node:assert/strict';
import diagnostics_channel from 'node:diagnostics_channel';
import { after, before, describe, it } from 'node:test';
import { DIAGNOSTIC_CHANNELS, GunRelayClient, ManualClock, SyncLoop, type CrossLinkEvent, type GunNode, type RelayNode } from '../src/index.js';
import { GunHelper } from '../src/legacy/index.js';
import { DELETED_INDEX_SOUL, DeletionRegistry, IndexSnapshot, registryIndexSoul } from '../src/oip/index.js';
import { GetBodyParser, type RawField } from '../src/oip/snapshot/GetBodyParser.js';
import { crossLinkTarget, dropCrossLinks } from '../src/protocol/crossLinks.js';
import { crossLinkedKey, largeIndexKey, startLargeIndexServer, startLocalRelay, startOipProxy, type LargeIndexServer, type LocalRelay } from '../src/testing/index.js';

const S = registryIndexSoul('post');

describe('the cross-link rule', () => {
  it('a link into another key\'s child of the same node is cross-linked; its own child and other souls are not', () => {
    assert.equal(crossLinkTarget(S, 'k1', { '#': `${S}/k1` }), undefined, 'its own child');
    assert.equal(crossLinkTarget(S, 'k', { '#': `${S}/k1` }), `${S}/k1`, 'a truncated key linked to another key\'s child');
    assert.equal(crossLinkTarget(S, 'k1', { '#': `${S}/k1/data` }), `${S}/k1/data`, 'a grandchild is not the key\'s own child either');
    assert.equal(crossLinkTarget(S, 'k', { '#': 'some:other:soul' }), undefined, 'an explicit link to another soul');
    assert.equal(crossLinkTarget(S, 'k', { '#': `${S}x/k1` }), undefined, 'a soul that only starts like S');
    assert.equal(crossLinkTarget(S, 'k', { '#': `other/${S}/k1` }), undefined);
    assert.equal(crossLinkTarget(S, 'k', `${S}/k1`), undefined, 'a string is not a link');
    assert.equal(crossLinkTarget(S, 'k', { '#': S }), undefined, 'a link to the node itself');
  });

  it('dropCrossLinks removes only cross-linked keys and keeps every key it removed', () => {
    const node: RelayNode = { a: { '#': `${S}/a` }, ab: { '#': `${S}/abc` }, x: true, y: { '#': 'pub:y' }, t: null };
    const found = dropCrossLinks(S, node);
    assert.deepEqual(node, { a: { '#': `${S}/a` }, x: true, y: { '#': 'pub:y' }, t: null });
    assert.deepEqual([found?.count, found?.keys, found?.examples], [1, ['ab'], [{ key: 'ab', target: `${S}/abc` }]]);
    assert.equal(dropCrossLinks(S, { a: { '#': `${S}/a` } }), undefined);
  });

  it('the streamed parser drops a cross-link however it is spelled, and flags own links by their bytes', () => {
    const seen: Array<[string, boolean]> = [];
    const parser = new GetBodyParser({ field: (f: RawField) => void seen.push([f.key(), f.ownLink]) }, { op: 'get', soul: S });
    const body = `{"success":true,"data":{"_":{"#":${JSON.stringify(S)},">":{"a":1}},"a":{"#":"${S}/a"},"a\\u0062":{"#":"${S}/ab"},"ab":{ "#" : "${S}/abc" },"c":{"#":"${S}\\/c1"},"d":{"#":"pub:d"},"e":true}}`;
    parser.start();
    for (let i = 0; i < body.length; i += 7) parser.write(Buffer.from(body.slice(i, i + 7)));
    parser.end();
    assert.deepEqual(seen, [['_', false], ['a', true], ['ab', false], ['d', false], ['e', false]], 'an escaped key with its own link is kept');
    assert.deepEqual([parser.crossLinks.count, parser.crossLinks.examples.map((e) => e.key)], [2, ['ab', 'c']]);
    parser.start();
    assert.equal(parser.crossLinks.count, 0, 'a retried attempt starts over');
  });
});

/** Collects the client's `crossLink` events and the channel's messages. */
function watch(client: GunRelayClient): { events: CrossLinkEvent[]; messages: unknown[]; stop(): void } {
  const events: CrossLinkEvent[] = [];
  const messages: unknown[] = [];
  client.on('crossLink', (e) => void events.push(e));
  const channel = diagnostics_channel.channel(DIAGNOSTIC_CHANNELS.crossLink);
  const onMessage = (m: unknown): void => void messages.push(m);
  channel.subscribe(onMessage);
  return { events, messages, stop: () => channel.unsubscribe(onMessage) };
}

describe('cross-linked keys on the local relay (real gun), each read path', { timeout: 120_000 }, () => {
  let relay: LocalRelay;
  const SOUL = registryIndexSoul('image');
  const keys = Array.from({ length: 40 }, (_, i) => `5ca1e0000001:h:${i.toString().padStart(12, '0')}`);
  const truncated = keys[21]!.slice(0, -1);
  /** What gun's disk store adds: the truncated copy of key 21, linked to key 21's child. */
  const extraFields = { [truncated]: { '#': `${SOUL}/${keys[21]}` } };
  before(async () => {
    relay = await startLocalRelay({ putDelayMs: 0, writeBatchMs: 1 });
    const writer = new GunRelayClient({ baseUrl: relay.url });
    const node: Record<string, { soul: string; nodeId: string }> = {};
    for (const k of keys) node[k] = { soul: k, nodeId: 'n1' };
    assert.equal((await writer.put(SOUL, node)).outcome, 'written');
    assert.equal((await writer.put('pub:other', { note: 'an explicit link target' })).outcome, 'written');
    assert.equal((await writer.put('crosslinked:record', { name: 'r', ref: { '#': 'pub:other' } })).outcome, 'written');
    writer.close();
  });
  after(async () => {
    GunHelper.closeAll();
    await relay.close();
  });

  it('typed get: the key is dropped, counted, reported; explicit links to other souls stay and resolve', async () => {
    const client = new GunRelayClient({ baseUrl: relay.url });
    const seen = watch(client);
    try {
      relay.fault(SOUL, { extraFields, times: 1 });
      const node = await client.get(SOUL);
      assert.deepEqual(Object.keys(node ?? {}).sort(), [...keys].sort(), 'every written key and no other');
      assert.equal(client.stats().crossLinkedKeys, 1);
      assert.deepEqual(seen.events, [{ op: 'get', soul: SOUL, relay: relay.url, count: 1, keys: [{ key: truncated, target: `${SOUL}/${keys[21]}` }] }]);
      assert.deepEqual(seen.messages, seen.events);

      // Resolving links: the cross-linked key would have resolved to key 21's child; it is not there at all.
      relay.fault(SOUL, { extraFields, times: 1 });
      const resolved = await client.get(SOUL, { resolveLinks: 1 });
      assert.equal(truncated in (resolved ?? {}), false);
      assert.deepEqual(resolved?.[keys[21]!], { soul: keys[21], nodeId: 'n1' });
      relay.fault('crosslinked:record', { extraFields: { bad: { '#': 'crosslinked:record/ref' } }, times: 1 });
      const record = await client.get('crosslinked:record', { resolveLinks: 1 });
      assert.deepEqual(record, { name: 'r', ref: { note: 'an explicit link target' } }, 'the explicit link is followed, the cross-link dropped');
      assert.equal(client.stats().crossLinkedKeys, 3);
    } finally {
      seen.stop();
      client.close();
    }
  });

  it('a sync cycle counts the keys its reads dropped in its report, streamed and not', async () => {
    const client = new GunRelayClient({ baseUrl: relay.url });
    try {
      const loop = new SyncLoop({
        name: 'crosslinks',
        client,
        intervalMs: 60_000,
        cycleTimeoutMs: 60_000,
        clock: new ManualClock(0),
        run: async ({ client: cc }) => {
          const node = await cc.get(SOUL);
          const snapshot = await IndexSnapshot.load(cc, SOUL);
          return [Object.keys(node ?? {}).length, snapshot.size];
        },
      });
      relay.fault(SOUL, { extraFields, times: 2 });
      const report = await loop.trigger();
      assert.deepEqual([report.outcome, report.result, report.crossLinkedKeys], ['ok', [keys.length, keys.length], 2]);
      assert.equal(client.stats().crossLinkedKeys, 2);
    } finally {
      client.close();
    }
  });

  it('a put that would write a cross-linked key is INVALID_INPUT before anything is sent; its own link and other souls are written', async () => {
    const client = new GunRelayClient({ baseUrl: relay.url });
    try {
      const before = relay.requestCount;
      const refused: GunNode[] = [{ alias: { '#': 'crosslinked:w/k1' } }, { a: { b: { '#': 'crosslinked:w/a/c' } } }];
      for (const node of refused) {
        await assert.rejects(client.put('crosslinked:w', node), (e: unknown) => {
          assert.ok(e instanceof Error && 'code' in e && e.code === 'INVALID_INPUT', String(e));
          assert.match(e.message, /the child of another key of the same node; reads drop such a key \(a cross-link\)/);
          return true;
        });
      }
      assert.equal(relay.requestCount, before, 'nothing sent');
      assert.equal((await client.put('crosslinked:w', { k1: { '#': 'crosslinked:w/k1' }, ref: { '#': 'pub:other' } })).outcome, 'written');
      assert.deepEqual(await client.get('crosslinked:w'), { k1: { '#': 'crosslinked:w/k1' }, ref: { '#': 'pub:other' } });
    } finally {
      client.close();
    }
  });

  it("delete tombstones a cross-linked key too, but never lists another key's child as its link", async () => {
    const client = new GunRelayClient({ baseUrl: relay.url });
    try {
      await client.put('crosslinked:doomed', { a: 1, b: { x: 1 } });
      relay.fault('crosslinked:doomed', { extraFields: { c: { '#': 'crosslinked:doomed/b' } }, times: 1 });
      const result = await client.delete('crosslinked:doomed');
      assert.equal(result.outcome, 'deleted');
      if (result.outcome !== 'deleted') return;
      assert.deepEqual([...result.keys].sort(), ['a', 'b', 'c']);
      assert.deepEqual(result.links, ['crosslinked:doomed/b'], 'b\'s own child, once');
      assert.equal(client.stats().crossLinkedKeys, 1);
    } finally {
      client.close();
    }
  });

  it('IndexSnapshot (streamed, and through get) and monotone merge: the key never becomes an entry', async () => {
    const client = new GunRelayClient({ baseUrl: relay.url });
    const seen = watch(client);
    try {
      relay.fault(SOUL, { extraFields, times: 1 });
      const snapshot = await IndexSnapshot.load(client, SOUL);
      assert.deepEqual(snapshot.keys().sort(), [...keys].sort());
      assert.equal(snapshot.has(truncated), false);
      assert.equal(snapshot.entry(truncated), undefined);
      // The next reads: one without the artifact, one with it again; neither brings it in.
      await snapshot.refresh();
      relay.fault(SOUL, { extraFields, times: 1 });
      await snapshot.refresh();
      assert.deepEqual([snapshot.size, snapshot.has(truncated)], [keys.length, false]);
      assert.equal(client.stats().crossLinkedKeys, 2);
      assert.deepEqual(seen.events.map((e) => [e.soul, e.count, e.keys[0]?.key]), [[SOUL, 1, truncated], [SOUL, 1, truncated]]);

      // A RegistryIo without streamGet reads through get: the same rule.
      relay.fault(SOUL, { extraFields, times: 1 });
      const viaGet = await IndexSnapshot.load({ get: (s, o) => client.get(s, o), put: (s, n, o) => client.put(s, n, o) }, SOUL);
      assert.deepEqual(viaGet.keys().sort(), [...keys].sort());
      relay.fault(SOUL, { extraFields, times: 1 });
      const raw = await IndexSnapshot.load({ get: async () => ({ [keys[0]!]: { '#': `${SOUL}/${keys[0]}` }, ...extraFields }), put: async () => ({ outcome: 'written' }) }, SOUL);
      assert.deepEqual(raw.keys(), [keys[0]], 'a node from any RegistryIo');
    } finally {
      seen.stop();
      client.close();
    }
  });

  it('the oip-proxy profile: typed get and IndexSnapshot', async () => {
    const proxy = await startOipProxy({ target: relay.url });
    const peer = new GunRelayClient({ baseUrl: [{ url: proxy.url, kind: 'oip-proxy' }] });
    try {
      relay.fault(SOUL, { extraFields, times: 1 });
      assert.deepEqual(Object.keys((await peer.get(SOUL)) ?? {}).sort(), [...keys].sort());
      relay.fault(SOUL, { extraFields, times: 1 });
      assert.deepEqual((await IndexSnapshot.load(peer, SOUL)).keys().sort(), [...keys].sort());
      assert.equal(peer.stats().crossLinkedKeys, 2);
    } finally {
      peer.close();
      await proxy.close();
    }
  });

  it('GunHelper.getRecord: whole, and streamed over its body limit', async () => {
    const saved = process.env['GUN_PEERS'];
    process.env['GUN_PEERS'] = relay.url;
    try {
      relay.fault(SOUL, { extraFields, times: 1 });
      const whole = await new GunHelper({ logger: null }).getRecord(SOUL);
      assert.deepEqual(Object.keys(whole ?? {}).sort(), [...keys].sort());
      relay.fault(SOUL, { extraFields, times: 2 });
      const streamed = await new GunHelper({ logger: null, maxBodyBytes: 1024 }).getRecord(SOUL);
      assert.deepEqual(Object.keys(streamed ?? {}).sort(), [...keys].sort(), 'the streamed path (the node is over 1 KiB)');
      assert.deepEqual(streamed?.[keys[3]!], { '#': `${SOUL}/${keys[3]}` }, 'links as the relay sent them');
    } finally {
      if (saved === undefined) delete process.env['GUN_PEERS'];
      else process.env['GUN_PEERS'] = saved;
      GunHelper.closeAll();
    }
  });
});

describe('cross-linked keys in a 20,000-entry index (test server), each read path', { timeout: 120_000 }, () => {
  const ENTRIES = 20_000;
  const CROSS = 20;
  const POSTS = registryIndexSoul('post');
  let server: LargeIndexServer;
  before(async () => {
    server = await startLargeIndexServer({
      indexes: { [POSTS]: { entries: ENTRIES, crossLinked: CROSS }, [DELETED_INDEX_SOUL]: { entries: ENTRIES, kind: 'flag', crossLinked: CROSS } },
    });
  });
  after(async () => {
    GunHelper.closeAll();
    await server.close();
  });

  /** Exactly the generated keys: each one, and no truncated copy. */
  const assertExact = (got: string[]): void => {
    assert.equal(got.length, ENTRIES);
    const set = new Set(got);
    for (let i = 0; i < ENTRIES; i++) if (!set.has(largeIndexKey(i))) assert.fail(`entry ${i} missing`);
    for (let j = 0; j < CROSS; j++) assert.equal(set.has(crossLinkedKey(16 * j)), false);
  };

  it('typed get, IndexSnapshot and the oip-proxy profile', async () => {
    const client = new GunRelayClient({ baseUrl: server.url });
    const proxy = await startOipProxy({ target: server.url });
    const peer = new GunRelayClient({ baseUrl: [{ url: proxy.url, kind: 'oip-proxy' }] });
    try {
      assertExact(Object.keys((await client.get(POSTS)) ?? {}));
      assertExact((await IndexSnapshot.load(client, POSTS)).keys());
      const seen = watch(client);
      await IndexSnapshot.load(client, POSTS);
      seen.stop();
      assert.equal(client.stats().crossLinkedKeys, 3 * CROSS);
      assert.deepEqual([seen.events.length, seen.events[0]?.count, seen.events[0]?.keys.length], [1, CROSS, 8], 'one report per read, naming the first 8');
      assertExact((await IndexSnapshot.load(peer, POSTS)).keys());
      assertExact(Object.keys((await peer.get(POSTS)) ?? {}));
      assert.equal(peer.stats().crossLinkedKeys, 2 * CROSS);
    } finally {
      client.close();
      peer.close();
      await proxy.close();
    }
  });

  it('DeletionRegistry', async () => {
    const client = new GunRelayClient({ baseUrl: server.url });
    try {
      const registry = await new DeletionRegistry(client).refresh();
      assert.equal(registry.deleted().length, ENTRIES);
      assert.equal(registry.isDeleted(crossLinkedKey(16, 'flag')), false);
      assert.equal(registry.isDeleted(`did:gun:${largeIndexKey(16)}`), true);
      assert.equal(client.stats().crossLinkedKeys, CROSS);
    } finally {
      client.close();
    }
  });

  it('GunHelper.getRecord, whole and streamed', async () => {
    const saved = process.env['GUN_PEERS'];
    process.env['GUN_PEERS'] = server.url;
    try {
      assertExact(Object.keys((await new GunHelper({ logger: null }).getRecord(POSTS)) ?? {}));
      assertExact(Object.keys((await new GunHelper({ logger: null, maxBodyBytes: 64 * 1024 }).getRecord(POSTS)) ?? {}));
    } finally {
      if (saved === undefined) delete process.env['GUN_PEERS'];
      else process.env['GUN_PEERS'] = saved;
      GunHelper.closeAll();
    }
  });
});
