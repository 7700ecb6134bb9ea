// A complete sync worker: runs until SIGTERM or SIGINT, then finishes its cycle and exits.
import { GunRelayClient, SyncLoop } from 'gun-relay-client';

const client = new GunRelayClient({ baseUrl: process.env.GUN_RELAY_URL ?? 'http://localhost:8765' });
const loop = new SyncLoop({
  name: 'copy-workouts',
  client,
  intervalMs: Number(process.env.SYNC_INTERVAL_MS ?? 60_000),
  cycleTimeoutMs: 30_000,
  run: async (cycle) => {
    await cycle.client.put(`647f79c2a338:heartbeat`, { cycle: cycle.number, at: Date.now() });
  },
});
loop.on('cycle', (c) => console.log(`cycle ${c.number} ${c.outcome}${c.error ? `: ${c.error.message}` : ''}`));

// While started, the loop keeps the process alive; stop() lets it exit.
loop.start();

async function shutdown(signal) {
  console.log(`${signal}: finishing the running cycle`);
  await loop.stop({ drain: true, timeoutMs: 10_000 });
  client.close();
  console.log('stopped');
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
