/**
 * `npm run demo`: two OIP nodes on this machine, each with its own relay over the real `gun`.
 * The peer is reached only through a loopback copy of the indexer's `/gun-relay` proxy, as in
 * production. The peer publishes a few hundred records over 8 of the indexer's 37 record types
 * (the other type indexes never written), deletes some, and holds a few records the local relay
 * refuses. Three cycles of `OipSyncWorker` (set up as `oip-sync-worker.ts` does from the indexer's
 * environment); between cycles 1 and 2 the peer publishes more and deletes some already copied.
 * The demo prints a line per cycle (live on a terminal), a table, and exits 0 only if the local
 * relay then holds exactly the expected records and registry entries.
 *
 * Relay timings are production's for reads (a never-written soul answers 404 after 3 s); puts
 * are faster than production (no fixed 100 ms sleep, a 50 ms disk batch) to keep the demo short.
 * `OIP_DEMO_RECORDS` changes the number of seeded records (default 300).
 */
import { GunRelayClient } from 'gun-relay-client';
import { DeletionRegistry, IndexSnapshot, registryIndexSoul, toDid, type OipSyncCycleReport } from 'gun-relay-client/oip';
import { startLocalRelays, startOipProxy } from 'gun-relay-client/testing';
import { RECORD_TYPES, deleteOnPeer, eachLimit, expectedRecords, publish, type PeerState } from './lib/oipFixture.js';
import { createOipSyncWorker } from './oip-sync-worker.js';

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
  // The worker: the peer through its OIP proxy (a `/gun-relay` URL), the local relay, the 37 types.
  // GUN's refusal of a record's data does not change between cycles: skip it after the first one.
  const worker = createOipSyncWorker(
    { GUN_EXTERNAL_PEERS: proxy.url, GUN_PEERS: localRelay.url, GUN_NODE_ID_OVERRIDE: 'local-node-01', GUN_SYNC_INTERVAL: '300000' },
    { localClientOptions: { failureThreshold: 1 }, cycleTimeoutMs: 120_000 },
  );
  const local = worker.localClient;
  try {
    say(`local relay ${localRelay.url}; peer relay behind the OIP proxy ${proxy.url} (both real gun, separate stores)`);

    // The peer: records over 8 of 37 types, some deleted, a few the local relay will refuse.
    const state: PeerState = { records: new Map(), deleted: new Set() };
    const souls = await publish(seeder, state, SEEDED, TYPES_WRITTEN);
    await deleteOnPeer(seeder, state, souls.filter((_, i) => i % 20 === 7));
    const poisoned = new Set(souls.filter((s, i) => i % 11 === 5 && !state.deleted.has(s)).slice(0, POISONED));
    for (const soul of poisoned) localRelay.fault(soul, { status: 500, body: { error: 'Data at root of graph must be a node (an object).' }, path: '/put' });
    say(`peer seeded: ${state.records.size} records over ${TYPES_WRITTEN} of ${RECORD_TYPES.length} record types, ${state.deleted.size} deleted; ${poisoned.size} souls the local relay refuses`);
    proxy.resetCounters();
    localRelay.resetCounters();

    let phaseLine = '';
    worker.on('cycleStart', () => void (phaseLine = ''));
    worker.on('progress', ({ cycle, phase, done, total }) => {
      const line = `  cycle ${cycle} ${phase.padEnd(9)} ${String(done).padStart(3)}/${total}`;
      if (tty) process.stdout.write(`\r\x1b[K${line}`);
      else if (phase !== phaseLine) say(line.replace(/ +\d+\/\d+$/, ` (${total})`));
      phaseLine = phase;
    });
    const reports: OipSyncCycleReport[] = [];
    const skipped = (r: OipSyncCycleReport, reason: 'quarantined' | 'refused'): number =>
      r.peers.reduce((n, p) => n + Object.values(p.types).reduce((m, t) => m + (t.skipped[reason] ?? 0), 0), 0);
    worker.on('cycle', (r) => {
      reports.push(r);
      if (tty) process.stdout.write('\r\x1b[K');
      say(
        `cycle ${r.number} ${r.outcome} in ${(r.durationMs / 1000).toFixed(1)} s: ${r.requests} requests (${r.misses} misses), ` +
          (r.outcome === 'ok'
            ? `${r.totals.entries} listed, ${r.totals.copied} copied, ${skipped(r, 'quarantined')} skipped by the ledger (no request), ${skipped(r, 'refused')} refused, ${r.deletions.applied} deletions applied`
            : r.error?.message),
      );
    });

    await worker.runOnce();
    // Between cycles the peer publishes 20 more records and deletes 10 that cycle 1 copied.
    const copied = [...expectedRecords(state, poisoned).keys()];
    await publish(seeder, state, 20, TYPES_WRITTEN);
    await deleteOnPeer(seeder, state, copied.filter((_, i) => i % 5 === 3).slice(0, 10));
    say(`peer: 20 records published, 10 copied records deleted`);
    await worker.runOnce();
    await worker.runOnce();

    // The table.
    say('');
    say('| cycle | outcome | duration | requests | misses | skipped | records copied | deletions applied |');
    say('|---:|---|---:|---:|---:|---:|---:|---:|');
    for (const r of reports) {
      say(`| ${r.number} | ${r.outcome} | ${(r.durationMs / 1000).toFixed(1)} s | ${r.requests} | ${r.misses} | ${skipped(r, 'quarantined')} | ${r.totals.copied} | ${r.deletions.applied} |`);
    }
    const quarantined = worker.quarantined();
    say(`worker.quarantined(): ${quarantined.length} souls (${[...new Set(quarantined.map((q) => `${q.op} ${q.lastCode}`))].join(', ')})`);
    const seen = proxy.requestCount + localRelay.requestCount;
    say(`requests: ${reports.reduce((n, r) => n + r.requests, 0)} in cycles, ${seen} seen by the proxy and the local relay`);

    // The check: the local relay holds exactly the expected records and registry entries.
    const problems = await verify(local, state, poisoned);
    for (const p of problems.slice(0, 10)) say(`  MISMATCH ${p}`);
    const ok = problems.length === 0 && reports.every((r) => r.outcome === 'ok') && skipped(reports[1]!, 'quarantined') === poisoned.size && reports[2]!.totals.copied === 0;
    say(
      ok
        ? `OK: the local relay holds exactly the ${expectedRecords(state, poisoned).size} expected records; ${poisoned.size} refused souls skipped from cycle 2 on (${((performance.now() - started) / 1000).toFixed(0)} s)`
        : `FAILED: ${problems.length} mismatches; cycle 2 skipped ${reports[1] ? skipped(reports[1], 'quarantined') : '–'} of ${poisoned.size} refused souls; cycle 3 copied ${reports[2]?.totals.copied ?? '–'}`,
    );
    return ok ? 0 : 1;
  } finally {
    seeder.close();
    await worker.close();
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
