/**
 * The drop-in at production cadence: the indexer's sync cycle (GunSyncService.performSync's calls,
 * re-created in order: peer indexes by direct HTTP, the local pass through the helper, the
 * deletion check against the LOCAL relay through the helper, copy and read-modify-write
 * registration) run over the original module's request behaviour and over the facade, with the
 * same clock, at intervals of 0 s, 300 s and 900 s. Requests are counted at the local relay.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GunHelper } from '../src/legacy/index.js';
import { DELETED_INDEX_SOUL, OIP_RECORD_TYPES, deletedRecordSoul, registryIndexSoul, registryNodeSoul, toDid } from '../src/oip/index.js';
import { startLocalRelay, type LocalRelay } from '../src/testing/index.js';
import { JumpClock } from './bench/lib/jumpClock.js';
import { OriginalGunHelper } from './bench/lib/originalGunHelper.js';

interface Helper {
  getRecord(soul: string): Promise<Record<string, unknown> | null>;
  putSimple(data: Record<string, unknown>, soul: string): Promise<unknown>;
  putRecord(record: { data: unknown; oip: unknown }, soul: string, options: { localId?: string }): Promise<unknown>;
}

const TYPES = OIP_RECORD_TYPES;
const WRITTEN = TYPES.slice(0, 10);
const PER_TYPE = 3;
const NODE_ID = 'node-local';
/** The real relay waits 3 s before each "Not found": the peer's never-written indexes, when cycles run back to back. */
const RELAY_MISS_MS = 3_000;

const parsed = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);

async function peerGet(url: string, soul: string): Promise<Record<string, unknown> | null> {
  const res = await fetch(`${url}/get?soul=${encodeURIComponent(soul)}`);
  const body = (await res.json()) as { data?: Record<string, unknown> };
  return res.status === 200 ? (body.data ?? null) : null;
}

/** The peer's registry as its relay serves it: type → record soul → record node. */
type PeerContent = Map<string, Map<string, Record<string, unknown>>>;

/**
 * One performSync, as the indexer calls its helper. The peer pass (direct HTTP, the same for
 * both variants) is taken from `peer`, read once beforehand: the relay misreads fresh nodes read
 * back to back, and the two variants must discover the same records.
 */
async function indexerCycle(helper: Helper, peer: PeerContent, processed: Set<string>): Promise<void> {
  const discovered: Array<{ soul: string; type: string; record: Record<string, unknown> }> = [];
  for (const type of TYPES) {
    for (const [soul, record] of peer.get(type) ?? []) if (!processed.has(toDid(soul))) discovered.push({ soul, type, record });
  }
  // Local pass: every type index through the helper (entries are links: nothing is found from them).
  for (const type of TYPES) await helper.getRecord(registryIndexSoul(type));
  for (const d of discovered) {
    const did = toDid(d.soul);
    const deletions = await helper.getRecord(DELETED_INDEX_SOUL);
    const deleted = Boolean(deletions?.[did]) || (await helper.getRecord(deletedRecordSoul(did))) !== null;
    processed.add(did);
    if (deleted) continue;
    await helper.putRecord({ data: parsed(d.record['data']), oip: parsed(d.record['oip']) }, d.soul, { localId: d.soul.split(':')[1] });
    const entry = { soul: d.soul, nodeId: NODE_ID, timestamp: Date.now() };
    await helper.putSimple({ ...entry, did, recordType: d.type }, registryNodeSoul(NODE_ID, d.soul));
    const indexSoul = registryIndexSoul(d.type);
    const whole = (await helper.getRecord(indexSoul)) ?? {};
    await helper.putSimple({ ...whole, [d.soul]: entry }, indexSoul);
  }
}

/** Reads `soul` until it has `keys` keys (the relay misreads fresh nodes read back to back), bounded. */
async function readWhole(url: string, soul: string, keys: number): Promise<Record<string, unknown>> {
  for (let i = 0; i < 40; i++) {
    const node = await peerGet(url, soul);
    if (node && Object.keys(node).filter((k) => k !== '_').length >= keys) return node;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${soul} never read whole`);
}

describe('GunHelper at production cadence: no more requests than helpers/gun.js in any cycle, and the same writes (real gun)', () => {
  let peer: LocalRelay;
  const content: PeerContent = new Map();
  const saved = process.env['GUN_PEERS'];
  before(async () => {
    peer = await startLocalRelay({ putDelayMs: 0, missWaitMs: 300 });
    for (const type of WRITTEN) {
      const index: Record<string, unknown> = {};
      for (let i = 0; i < PER_TYPE; i++) {
        const soul = `abcdef012345:${type}_${i}`;
        await fetch(`${peer.url}/put`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ soul, data: { data: JSON.stringify({ basic: { name: `${type} ${i}` } }), oip: JSON.stringify({ recordType: type }) } }),
        });
        index[soul] = { soul, nodeId: 'node-peer', timestamp: 1 };
      }
      await fetch(`${peer.url}/put`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ soul: registryIndexSoul(type), data: index }) });
    }
    for (const type of WRITTEN) {
      const records = new Map<string, Record<string, unknown>>();
      for (const soul of Object.keys(await readWhole(peer.url, registryIndexSoul(type), PER_TYPE))) {
        if (soul !== '_') records.set(soul, await readWhole(peer.url, soul, 2));
      }
      content.set(type, records);
    }
  });
  after(async () => {
    GunHelper.closeAll();
    if (saved === undefined) delete process.env['GUN_PEERS'];
    else process.env['GUN_PEERS'] = saved;
    await peer.close();
  });

  interface Counts {
    reads: number;
    writes: number;
  }

  /** What `url` holds for every copied record and registry entry, links followed, clock fields left out. */
  async function stored(url: string): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    const follow = async (node: Record<string, unknown>): Promise<Record<string, unknown>> => {
      const copy: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(node)) {
        if (key === 'created' || key === 'timestamp') continue;
        const link = (value as { '#'?: unknown } | null)?.['#'];
        copy[key] = typeof link === 'string' ? { [link]: await follow(await readWhole(url, link, 1)) } : value;
      }
      return copy;
    };
    for (const type of WRITTEN) {
      out[registryIndexSoul(type)] = await follow(await readWhole(url, registryIndexSoul(type), PER_TYPE));
      for (const soul of content.get(type)!.keys()) out[soul] = await follow(await readWhole(url, soul, 3));
    }
    return out;
  }

  async function run(variant: 'original' | 'facade', intervalMs: number, cycles: number): Promise<{ perCycle: Counts[]; stored: Record<string, unknown> }> {
    const local = await startLocalRelay({ putDelayMs: 0, missWaitMs: 150 });
    const clock = new JumpClock();
    let helper: Helper;
    if (variant === 'original') helper = new OriginalGunHelper(local.url, clock);
    else {
      process.env['GUN_PEERS'] = local.url;
      helper = new GunHelper({ logger: null, clock }) as unknown as Helper;
    }
    const processed = new Set<string>();
    const perCycle: Counts[] = [];
    try {
      for (let c = 0; c < cycles; c++) {
        local.resetCounters();
        await indexerCycle(helper, content, processed);
        const byPath = local.requestsByPath;
        perCycle.push({ reads: byPath['/get'] ?? 0, writes: byPath['/put'] ?? 0 });
        // setInterval starts a cycle every intervalMs; back to back (0), the next starts after this one's
        // peer pass, which waits 3 s at the peer's relay for each never-written index.
        clock.jump(Math.max((TYPES.length - WRITTEN.length) * RELAY_MISS_MS, intervalMs));
      }
      return { perCycle, stored: await stored(local.url) };
    } finally {
      GunHelper.closeAll();
      await local.close();
    }
  }

  for (const [intervalMs, cycles] of [[0, 3], [300_000, 15], [900_000, 9]] as const) {
    it(`every ${intervalMs / 1000} s: the facade's local requests per cycle ≤ the original's, its writes equal, over ${cycles} cycles (past the hourly sweeps)`, async () => {
      const { perCycle: original, stored: originalStored } = await run('original', intervalMs, cycles);
      const { perCycle: facade, stored: facadeStored } = await run('facade', intervalMs, cycles);
      // The same records and registry entries, at the same souls (nested objects included).
      assert.deepEqual(facadeStored, originalStored);
      const show = (v: Counts[]): string => v.map((c) => `${c.reads}r+${c.writes}w`).join(',');
      for (let c = 0; c < cycles; c++) {
        const o = original[c]!;
        const f = facade[c]!;
        const detail = `(original ${show(original)}; facade ${show(facade)})`;
        assert.ok(f.reads + f.writes <= o.reads + o.writes, `cycle ${c + 1}: facade requests ${f.reads + f.writes} > original ${o.reads + o.writes} ${detail}`);
        assert.ok(f.reads <= o.reads, `cycle ${c + 1}: facade reads ${f.reads} > original ${o.reads} ${detail}`);
        // Writes: exactly the original's. A nested object (the record's meta, a registry entry) goes in the
        // same request as its parent, naming its own soul, so the relay never links one soul to another's child.
        assert.equal(f.writes, o.writes, `cycle ${c + 1} writes ${detail}`);
      }
      // Cycle 1 copies every record: 3 writes each in the original.
      assert.equal(original[0]!.writes, WRITTEN.length * PER_TYPE * 3);
      // Past the second hourly sweep (t ≥ 7,200 s) the misses are read again: the lifetime is the original's, not forever.
      if (intervalMs * (cycles - 1) >= 7_200_000) assert.ok(facade.slice(1).some((n) => n.reads > 0), `a sweep made the facade ask again: ${show(facade)}`);
    });
  }
});
