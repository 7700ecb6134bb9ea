/**
 * Stats events into log lines: a pino-style logger for the client's own notable events (first
 * failure per soul, quarantine, recovery, breaker changes), a structured line per `stats` event,
 * and the legacy `[GUN Delete Stats]` line operators grep for. Exits by itself.
 *
 *   npx tsx examples/stats-logging.ts
 */
import { GunRelayClient } from 'gun-relay-client';
import { startLocalRelay } from 'gun-relay-client/testing';

// Any pino-style object works (pino itself, or this console-backed stand-in).
const line = (level: string) => (obj: unknown, msg?: string) => console.log(JSON.stringify({ level, msg, ...(obj as object) }));
const logger = { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };

async function main(): Promise<void> {
  const relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 500 });
  const client = new GunRelayClient({ baseUrl: relay.url, logger, statsEvery: 10 });
  client.on('stats', (s) => {
    logger.info({ attempts: s.attempts, failures: s.failures, skipped: s.skipped, quarantinedSouls: s.quarantinedSouls }, 'gun relay stats');
    // The legacy line, reproduced by a one-line subscriber:
    console.log(`📊 [GUN Delete Stats] Attempts: ${s.byOperation.delete.attempts}, Skipped (cached failures): ${s.byOperation.delete.skipped}`);
  });
  try {
    const soul = '647f79c2a338:stuck';
    await client.put(soul, { title: 'x' });
    relay.fault(soul, { status: 500, body: { error: 'Data at root of graph must be a node (an object).' }, path: '/put' });
    for (let i = 0; i < 13; i++) {
      await client.delete(soul, { keys: ['title'] }).catch(() => undefined);
      // Another soul's delete succeeds after it: the relay is fine, so its refusal is about the soul.
      if (i < 3) await client.delete('647f79c2a338:fine', { keys: ['title'] });
    }
    relay.clearFaults();
    client.forgive(soul);
    await client.delete(soul, { keys: ['title'] });
  } finally {
    client.close();
    await relay.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
