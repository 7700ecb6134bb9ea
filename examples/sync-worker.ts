/**
 * A sync worker in miniature, against a local relay that runs the real `gun` package:
 * writes records, reads them back, deletes them for real, and meets a poisoned soul that the
 * relay keeps refusing. The poisoned soul is skipped after 3 failures, and a `stats` event
 * arrives after 10 skips. Run it with `npx tsx examples/sync-worker.ts` (after a build).
 */
import { GunRelayClient, isGunRelayError, type StatsSnapshot } from 'gun-relay-client';
import { startLocalRelay } from 'gun-relay-client/testing';

const log = (msg: string): void => console.log(`[sync-worker] ${msg}`);

async function main(): Promise<number> {
  const relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 500 });
  log(`local relay (real gun) listening at ${relay.url}`);
  const client = new GunRelayClient({ baseUrl: relay.url });
  const statsEvents: StatsSnapshot[] = [];
  client.on('stats', (s) => {
    statsEvents.push(s);
    log(`stats event: attempts=${s.byOperation.delete.attempts} skipped=${s.byOperation.delete.skipped} quarantined=${s.quarantinedSouls}`);
    // The line operators grep for today, reproduced by a one-line subscriber:
    console.log(`📊 [GUN Delete Stats] Attempts: ${s.byOperation.delete.attempts}, Skipped (cached failures): ${s.byOperation.delete.skipped}`);
  });
  client.on('quarantine', (q) => log(`quarantine: ${q.soul} after ${q.failures} failures (${q.code}); skipping it without requests`));

  const publisher = '647f79c2a338';
  const souls = Array.from({ length: 5 }, (_, i) => `${publisher}:workout_${i}`);
  try {
    // 1. write and read back
    for (const [i, soul] of souls.entries()) {
      await client.put(soul, { title: `Workout ${i}`, reps: 10 + i, done: i % 2 === 0 });
    }
    for (const soul of souls) {
      const node = await client.get(soul);
      if (!node || typeof node['title'] !== 'string') throw new Error(`read-back failed for ${soul}`);
    }
    log(`wrote and read back ${souls.length} records`);
    const listed = await client.list(publisher, { limit: 50 });
    log(`list(${publisher}) -> ${listed.length} entries`);

    // 2. delete for real: every key tombstoned, then the relay answers 404
    for (const soul of souls) {
      const r = await client.delete(soul);
      if (r.outcome !== 'deleted') throw new Error(`expected deleted, got ${r.outcome}`);
    }
    const after = await Promise.all(souls.map((s) => client.get(s)));
    if (after.some((n) => n !== null)) throw new Error('a deleted record still reads back');
    log(`deleted ${souls.length} records; every get now returns null`);

    // 3. a poisoned soul: the relay refuses it on every sync cycle
    const poisoned = `${publisher}:poisoned_record`;
    await client.put(poisoned, { title: 'stuck' });
    relay.fault(poisoned, { status: 500, body: { error: 'Data at root of graph must be a node (an object).' }, path: '/put' });
    const outcomes: string[] = [];
    let sentWhileSkipped = 0;
    for (let cycle = 1; cycle <= 13; cycle++) {
      const before = relay.requestCount;
      try {
        const r = await client.delete(poisoned, { keys: ['title'] });
        outcomes.push(r.outcome);
        if (r.outcome === 'skipped') sentWhileSkipped += relay.requestCount - before;
        log(`cycle ${cycle}: ${r.outcome}${r.outcome === 'skipped' ? ` (failures=${r.failures}, requests sent: ${relay.requestCount - before})` : ''}`);
      } catch (error) {
        if (!isGunRelayError(error)) throw error;
        outcomes.push(error.code);
        log(`cycle ${cycle}: failed ${error.code} status=${error.status} body=${error.bodyExcerpt}`);
      }
      // The cycle's other deletes succeed: that is the evidence that makes the refusal count
      // against the poisoned soul (attribution: a relay that refuses everyone quarantines nobody).
      await client.delete(`${publisher}:other_${cycle}`, { keys: ['title'] });
    }
    const failures = outcomes.filter((o) => o === 'SOUL_REJECTED').length;
    const skips = outcomes.filter((o) => o === 'skipped').length;
    const ok =
      failures === 3 && skips === 10 && sentWhileSkipped === 0 && outcomes.slice(0, 3).every((o) => o === 'SOUL_REJECTED') && statsEvents.length === 1;
    const s = client.stats();
    log(`summary: ${souls.length} written, read and deleted; poisoned soul failed ${failures}x then skipped ${skips}x; ` +
      `stats events: ${statsEvents.length}; quarantined: ${client.quarantined().map((q) => q.soul).join(', ')}; ` +
      `requests to relay: ${relay.requestCount}; calls: ${s.calls}`);
    if (!ok) {
      log('UNEXPECTED: the poisoned soul was not handled as documented');
      return 1;
    }
    return 0;
  } finally {
    client.close();
    await relay.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error('[sync-worker] failed:', error);
    process.exitCode = 1;
  },
);
