// A sync job as a SyncLoop: cycles never overlap, each reports its own requests and misses.
import { GunRelayClient, SyncLoop } from 'gun-relay-client';
import { startLocalRelay } from 'gun-relay-client/testing';

const relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 200 });
const client = new GunRelayClient({ baseUrl: relay.url });

const loop = new SyncLoop({
  name: 'copy-workouts',
  client,
  intervalMs: 60_000,
  cycleTimeoutMs: 30_000,
  run: async (cycle) => {
    // cycle.client counts this cycle's calls and stops when cycle.signal aborts
    await cycle.client.put(`647f79c2a338:workout_${cycle.number}`, { reps: 10 * cycle.number });
    const missing = await cycle.client.get('647f79c2a338:never_written');
    return missing === null ? 'one miss' : 'found';
  },
});
loop.on('cycle', (c) => console.log(`cycle ${c.number} ${c.outcome}: ${c.requests} requests, ${c.misses} misses, ${c.result}`));

loop.start(); // a cycle now, then one 60 s after each end, until stop()
const [first, again] = [loop.trigger(), loop.trigger()]; // a trigger during a cycle joins it
console.log('same cycle:', first === again);
await first;
console.log('health:', loop.health().status);
await loop.stop({ drain: true });
client.close();
await relay.close();
