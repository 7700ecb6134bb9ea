/**
 * `npm run demo`: two OIP nodes on this machine, each with its own relay over the real `gun`.
 * The peer is reached only through a loopback copy of the indexer's `/gun-relay` proxy, as in
 * production. The peer publishes a few hundred records over ~37 record types (most type indexes
 * never written), deletes some, and holds a few records the local relay refuses. Three cycles of
 * the SDK-written sync worker (`oip-sync-worker.ts`) run under a `SyncLoop`; between cycles 1
 * and 2 the peer publishes more and deletes some already copied. The demo prints a line per
 * cycle (live on a terminal), a table, and exits 0 only if the local relay then holds exactly
 * the expected records and registry entries.
 *
 * Relay timings are production's for reads (a never-written soul answers 404 after 3 s); puts
 * are faster than production (no fixed 100 ms sleep, a 50 ms disk batch) to keep the demo short.
 * `OIP_DEMO_RECORDS` changes the number of seeded records (default 300).
 */
import { GunRelayClient, SyncLoop, type CycleReport, type StatsSnapshot } from 'gun-relay-client';
import { DeletionRegistry, IndexSnapshot, registryIndexSoul, toDid } from 'gun-relay-client/oip';
import { startLocalRelays, startOipProxy } from 'gun-relay-client/testing';
import { RECORD_TYPES, deleteOnPeer, expectedRecords, publish, type PeerState } from './lib/oipFixture.js';
import { createOipSyncWorker, eachLimit, type OipCycleResult } from './oip-sync-worker.js';

const TYPES_WRITTEN = 8; // of 37: the other 29 type indexes were never written on the peer
const SEEDED = Number(process.env['OIP_DEMO_RECORDS'] ?? 300);
const POISONED = 5;
const tty = process.stdout.isTTY === true;
const say = (line: string): void => void process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const started = performance.now();
  const { relays, close } = await startLocalRelays(2, { putDelayMs: 0, writeBatchMs: 50 });
  const [localRelay, peerRelay] = relays as [(typeof relays)[0], (typeof relays)[0]];
  const proxy = await startOipProxy({ target: peerRelay.url });
  const seeder = new GunRelayClient({ baseUrl: peerRelay.url });
  // The proxy answers a missing soul with 500 "status code 404": its relay profile reads that as a miss,
  // and the miss cache remembers it (a never-written soul costs the peer's relay 3 s per read).
  const peer = new GunRelayClient({ baseUrl: [{ url: proxy.url, kind: 'oip-proxy' }], missCache: { ttlMs: 10 * 60_000 } });
  // GUN's refusal of a record's data does not change between cycles: skip after the first one.
  const local = new GunRelayClient({ baseUrl: localRelay.url, failureThreshold: 1, statsEvery: POISONED });
  try {
    say(`local relay ${localRelay.url}; peer relay behind the OIP proxy ${proxy.url} (both real gun, separate stores)`);

    // The peer: records over 8 of 37 types, 15 deleted, 5 the local relay will refuse.
    const state: PeerState = { records: new Map(), deleted: new Set() };
    const souls = await publish(seeder, state, SEEDED, TYPES_WRITTEN);
    await deleteOnPeer(seeder, state, souls.filter((_, i) => i % 20 === 7));
    const poisoned = new Set(souls.filter((s, i) => i % 11 === 5 && !state.deleted.has(s)).slice(0, POISONED));
    for (const soul of poisoned) localRelay.fault(soul, { status: 500, body: { error: 'Data at root of graph must be a node (an object).' }, path: '/put' });
    say(`peer seeded: ${state.records.size} records over ${TYPES_WRITTEN} of ${RECORD_TYPES.length} record types, ${state.deleted.size} deleted; ${poisoned.size} souls the local relay refuses`);

    // A refusal counts against a soul only once this relay has accepted another soul's write
    // (attribution: docs/deployments.md). A worker that announces its node at start gives the
    // ledger that evidence before the first cycle, so a refusal in cycle 1 already counts.
    await local.put('oip:registry:nodes:local-node-01', { nodeId: 'local-node-01', startedAt: Date.now() });
    const local0 = local.stats();
    local.on('stats', (s: StatsSnapshot) => say(`  stats event: ${s.byOperation.put.skipped} puts skipped by the ledger so far (no request), ${s.quarantinedSouls} souls quarantined`));
    let phaseLine = '';
    const worker = createOipSyncWorker({
      peer,
      local,
      nodeId: 'local-node-01',
      recordTypes: RECORD_TYPES,
      onProgress: ({ phase, done, total }) => {
        const line = `  cycle ${current} ${phase.padEnd(9)} ${String(done).padStart(3)}/${total}`;
        if (tty) process.stdout.write(`\r\x1b[K${line}`);
        else if (phase !== phaseLine) say(line.replace(/ +\d+\/\d+$/, ` (${total})`));
        phaseLine = phase;
      },
    });
    let current = 0;
    const loop = new SyncLoop<OipCycleResult>({ name: 'oip-sync', client: local, intervalMs: 300_000, cycleTimeoutMs: 120_000, run: worker.run });
    const reports: CycleReport<OipCycleResult>[] = [];
    loop.on('cycleStart', (c) => {
      current = c.number;
      phaseLine = '';
    });
    loop.on('cycle', (r) => {
      reports.push(r);
      if (tty) process.stdout.write('\r\x1b[K');
      const x = r.result;
      say(
        `cycle ${r.number} ${r.outcome} in ${(r.durationMs / 1000).toFixed(1)} s: ${r.requests} requests (${r.misses} misses), ` +
          (x ? `${x.discovered} discovered, ${x.copied} copied, ${x.skipped} skipped, ${x.refused} refused, ${x.deletionsApplied} deletions applied` : r.error?.message),
      );
    });

    await loop.trigger();
    // Between cycles the peer publishes 20 more records and deletes 10 that cycle 1 copied.
    const copied = [...expectedRecords(state, poisoned).keys()];
    await publish(seeder, state, 20, TYPES_WRITTEN);
    await deleteOnPeer(seeder, state, copied.filter((_, i) => i % 5 === 3).slice(0, 10));
    say(`peer: 20 records published, 10 copied records deleted`);
    await loop.trigger();
    await loop.trigger();

    // The table.
    say('');
    say('| cycle | outcome | duration | requests | misses | skipped | records copied | deletions applied |');
    say('|---:|---|---:|---:|---:|---:|---:|---:|');
    for (const r of reports) {
      say(`| ${r.number} | ${r.outcome} | ${(r.durationMs / 1000).toFixed(1)} s | ${r.requests} | ${r.misses} | ${r.skipped} | ${r.result?.copied ?? '–'} | ${r.result?.deletionsApplied ?? '–'} |`);
    }
    const total = local.stats().requests - local0.requests + peer.stats().requests;
    say(`requests: ${reports.reduce((n, r) => n + r.requests, 0)} in cycles, ${total} by the two clients`);

    // The check: the local relay holds exactly the expected records and registry entries.
    const problems = await verify(local, state, poisoned);
    for (const p of problems.slice(0, 10)) say(`  MISMATCH ${p}`);
    const ok = problems.length === 0 && reports.every((r) => r.outcome === 'ok') && reports[1]!.skipped === poisoned.size && reports[2]!.result?.copied === 0;
    say(
      ok
        ? `OK: the local relay holds exactly the ${expectedRecords(state, poisoned).size} expected records; ${poisoned.size} refused souls skipped from cycle 2 on (${((performance.now() - started) / 1000).toFixed(0)} s)`
        : `FAILED: ${problems.length} mismatches; cycle 2 skipped ${reports[1]?.skipped} of ${poisoned.size} refused souls; cycle 3 copied ${reports[2]?.result?.copied ?? '–'}`,
    );
    return ok ? 0 : 1;
  } finally {
    seeder.close();
    peer.close();
    local.close();
    await proxy.close();
    await close();
  }
}

/** Every expected record readable with its title and indexed; every other published record absent; deletions mirrored. */
async function verify(local: GunRelayClient, state: PeerState, refused: ReadonlySet<string>): Promise<string[]> {
  const problems: string[] = [];
  const expected = expectedRecords(state, refused);
  await eachLimit([...state.records], 16, async ([soul, { title }]) => {
    const record = await local.getRecord<{ basic?: { name?: string } }>(soul);
    const want = expected.has(soul);
    if (want && record?.data && !('#' in record.data) && record.data.basic?.name === title) return;
    if (!want && record === null) return;
    problems.push(`${soul}: ${want ? 'expected' : 'not expected'}, local has ${record === null ? 'nothing' : JSON.stringify(record.data)}`);
  });
  // Every type index, written or not, read at once (a never-written one costs the relay 3 s).
  await eachLimit(RECORD_TYPES, RECORD_TYPES.length, async (type) => {
    const index = await IndexSnapshot.load(local, registryIndexSoul(type));
    const want = [...expected].filter(([, r]) => r.type === type).map(([soul]) => soul).sort();
    const have = index.keys().sort();
    if (JSON.stringify(want) !== JSON.stringify(have)) problems.push(`index ${type}: ${have.length} entries, expected ${want.length}`);
  });
  const deletions = await new DeletionRegistry(local).refresh();
  for (const soul of state.deleted) if (!deletions.isDeleted(toDid(soul))) problems.push(`deletion of ${soul} not mirrored`);
  return problems;
}

process.exitCode = await main();
