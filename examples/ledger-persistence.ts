/**
 * Carrying the failure ledger across a restart: a worker that learned which souls the relay keeps
 * refusing saves its ledger on shutdown; the next process loads it and skips those souls at once,
 * instead of paying three more failing requests per poisoned soul. Exits by itself.
 *
 *   npx tsx examples/ledger-persistence.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GunRelayClient } from 'gun-relay-client';
import { startLocalRelay } from 'gun-relay-client/testing';

const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-')), 'gun-ledger.json');

async function main(): Promise<void> {
  const relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 500 });
  const poisoned = '647f79c2a338:poisoned';
  relay.fault(poisoned, { status: 500, body: { error: 'Invalid data: Array at 647f79c2a338:poisoned.tags' } });
  try {
    // First process: learns the hard way, then saves its ledger on shutdown.
    const first = new GunRelayClient({ baseUrl: relay.url });
    for (let i = 0; i < 3; i++) {
      await first.delete(poisoned, { keys: ['tags'] }).catch((e: { code: string }) => console.log(`first process, try ${i + 1}: ${e.code}`));
      // Its other deletes succeed, so the relay's refusals of the poisoned soul count against that soul.
      await first.delete('647f79c2a338:fine', { keys: ['title'] });
    }
    fs.writeFileSync(file, JSON.stringify(first.exportLedger()));
    first.close();

    // Second process: loads it at start-up.
    const second = new GunRelayClient({ baseUrl: relay.url });
    const { imported, dropped } = second.importLedger(JSON.parse(fs.readFileSync(file, 'utf8')));
    console.log(`second process: imported ${imported} ledger entries (${dropped} expired)`);
    const before = relay.requestCount;
    const r = await second.delete(poisoned, { keys: ['tags'] });
    console.log(`second process: ${r.outcome}; requests sent: ${relay.requestCount - before}`);
    second.close();
  } finally {
    await relay.close();
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
