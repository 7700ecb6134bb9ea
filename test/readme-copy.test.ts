/**
 * README's copy line, on the real gun: copying a record from one relay to another with
 * `to.put(soul, await from.get(soul))` copies its nested objects only as links to nodes the other
 * relay lacks; reading with `resolveLinks` (as README shows) copies them whole.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GunRelayClient, MAX_RESOLVE_DEPTH } from '../src/index.js';
import { startLocalRelays, type LocalRelayGroup } from '../src/testing/index.js';

const repo = path.resolve(import.meta.dirname, '..');
/** The copy line as README.md's Methods table shows it. */
const README_COPY = 'const node = await from.get(soul, { resolveLinks: 8 }); if (node) await to.put(soul, node);';

describe("README's copy line between two relays", () => {
  let group: LocalRelayGroup;
  let from: GunRelayClient;
  let to: GunRelayClient;
  const record = { title: 'Leg day', meta: { reps: 12, set: { weight: 80 } } };

  before(async () => {
    group = await startLocalRelays(2, { putDelayMs: 0, missWaitMs: 100 });
    from = new GunRelayClient({ baseUrl: group.relays[0]!.url });
    to = new GunRelayClient({ baseUrl: group.relays[1]!.url });
    await from.put('copy:plain', record);
    await from.put('copy:resolved', record);
  });
  after(async () => {
    from.close();
    to.close();
    await group.close();
  });

  it('README shows the copy with resolveLinks, at most MAX_RESOLVE_DEPTH', () => {
    assert.ok(fs.readFileSync(path.join(repo, 'README.md'), 'utf8').includes(README_COPY));
    assert.equal(MAX_RESOLVE_DEPTH, 8);
  });

  it('a plain get copies a link that dangles on the other relay; with resolveLinks the nested objects arrive whole', async () => {
    {
      const soul = 'copy:plain';
      const node = await from.get(soul);
      if (node) await to.put(soul, node);
    }
    assert.deepEqual(await to.get('copy:plain', { resolveLinks: 8 }), { title: 'Leg day', meta: { '#': 'copy:plain/meta' } }, 'the link points at a node `to` does not have');
    assert.equal(await to.get('copy:plain/meta'), null);

    {
      const soul = 'copy:resolved';
      const node = await from.get(soul, { resolveLinks: 8 });
      if (node) await to.put(soul, node);
    }
    assert.deepEqual(await to.get('copy:resolved', { resolveLinks: 8 }), record);
  });
});
