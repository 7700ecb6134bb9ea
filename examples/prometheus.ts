/**
 * Client stats mapped to Prometheus metrics with prom-client (a devDependency here; bring your
 * own in production). Labels are bounded (operation, outcome, code, relay): never the soul, whose
 * cardinality is unbounded. Prints the exposition text and exits.
 *
 *   npx tsx examples/prometheus.ts
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { GunRelayClient, type GunRelayClient as Client } from 'gun-relay-client';
import { startLocalRelay } from 'gun-relay-client/testing';

/** Wires a client's events and stats into `registry`; returns a function that detaches it. */
export function instrument(client: Client, registry: Registry): () => void {
  const calls = new Counter({ name: 'gun_relay_calls_total', help: 'Calls by operation and outcome', labelNames: ['op', 'outcome', 'code'], registers: [registry] });
  const retries = new Counter({ name: 'gun_relay_retries_total', help: 'Retries sent', labelNames: ['op', 'code'], registers: [registry] });
  const quarantines = new Counter({ name: 'gun_relay_quarantines_total', help: 'Souls that crossed the failure threshold', labelNames: ['op'], registers: [registry] });
  const tracked = new Gauge({ name: 'gun_relay_tracked_souls', help: 'Failure ledger entries', registers: [registry], collect() { this.set(client.stats().trackedSouls); } });
  const quarantined = new Gauge({ name: 'gun_relay_quarantined_souls', help: 'Souls being skipped', registers: [registry], collect() { this.set(client.stats().quarantinedSouls); } });
  const inFlight = new Gauge({ name: 'gun_relay_in_flight', help: 'Requests on the wire', registers: [registry], collect() { this.set(client.stats().inFlight); } });
  const breaker = new Gauge({
    name: 'gun_relay_breaker_open',
    help: '1 while a relay breaker is open or half-open',
    labelNames: ['relay'],
    registers: [registry],
    collect() {
      for (const [relay, state] of Object.entries(client.stats().breakers)) this.set({ relay }, state === 'closed' ? 0 : 1);
    },
  });
  void [tracked, quarantined, inFlight, breaker];
  const offs = [
    client.on('settle', (e) => calls.inc({ op: e.op, outcome: e.outcome, code: e.code ?? '' })),
    client.on('retry', (e) => retries.inc({ op: e.op, code: e.code })),
    client.on('quarantine', (e) => quarantines.inc({ op: e.op })),
  ];
  return () => offs.forEach((off) => off());
}

async function main(): Promise<void> {
  const relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 500 });
  const client = new GunRelayClient({ baseUrl: relay.url });
  const registry = new Registry();
  const detach = instrument(client, registry);
  try {
    relay.fault('647f79c2a338:bad', { status: 500, body: { error: 'Invalid data: Array at 647f79c2a338:bad.x' } });
    for (let i = 0; i < 5; i++) {
      await client.put('647f79c2a338:bad', { n: 1 }).catch(() => undefined);
      // Another soul's put succeeds after each refusal: the evidence that it is about the soul.
      await client.put(`647f79c2a338:m${i}`, { n: i });
    }
    await client.get('647f79c2a338:m1');
    console.log(await registry.metrics());
  } finally {
    detach();
    client.close();
    await relay.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
