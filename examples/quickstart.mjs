import { GunRelayClient, isGunRelayError } from 'gun-relay-client';
import { startLocalRelay } from 'gun-relay-client/testing';

async function main() {
  // A relay over the real `gun` package on 127.0.0.1. In production, pass your relay's URL:
  // new GunRelayClient({ baseUrl: 'http://gun-relay:8765' }).
  const relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 500 });
  const client = new GunRelayClient({ baseUrl: relay.url });
  // A `stats` event every 10 skips (statsEvery): route it to your logs (this script skips once: no line).
  client.on('stats', (s) => console.log(`gun relay stats: ${s.skipped} skipped, ${s.quarantinedSouls} quarantined`));
  try {
    await client.put('647f79c2a338:workout_xyz', { title: 'Leg day', reps: 12 });
    console.log(await client.get('647f79c2a338:workout_xyz')); // { reps: 12, title: 'Leg day' }

    const r = await client.delete('647f79c2a338:workout_xyz'); // tombstones every key
    console.log(r.outcome, await client.get('647f79c2a338:workout_xyz')); // 'deleted' null

    // A soul the relay keeps refusing: calls 1–3 reach the relay and throw, call 4 on is skipped.
    // A refusal counts once the relay accepts another soul's delete after it (here, the other
    // soul's), so an outage that refuses everyone quarantines nobody.
    relay.fault('647f79c2a338:poisoned', { status: 500, body: { error: 'Data at root of graph must be a node (an object).' } });
    for (let i = 1; i <= 4; i++) {
      try {
        const d = await client.delete('647f79c2a338:poisoned', { keys: ['title'] });
        console.log(i, d.outcome); // 4 'skipped': no request was sent, and it is not a success
      } catch (error) {
        if (!isGunRelayError(error)) throw error;
        console.log(i, error.code, error.status); // 1–3: SOUL_REJECTED 500
      }
      await client.delete('647f79c2a338:workout_xyz', { keys: ['title'] });
    }
  } finally {
    client.close(); // frees the client's sockets
    await relay.close(); // stops gun and removes its temporary data
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
