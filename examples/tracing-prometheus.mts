/**
 * The SDK's diagnostics_channel traces as Prometheus metrics with prom-client: HTTP attempt
 * latency by operation and status, sync cycles by outcome with their duration and requests, and
 * the client's open/idle sockets. Labels are bounded: never the soul. Prints the exposition text.
 *
 *   npx tsx examples/tracing-prometheus.mts
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { GunRelayClient, SyncLoop, TRACING_CHANNELS, type AttemptTrace, type CycleTrace } from 'gun-relay-client';
import { startLocalRelay } from 'gun-relay-client/testing';

const registry = new Registry();
const attemptSeconds = new Histogram({
  name: 'gun_relay_attempt_duration_seconds',
  help: 'HTTP attempts to a relay, by operation and status',
  labelNames: ['op', 'status'],
  buckets: [0.005, 0.05, 0.5, 3, 10],
  registers: [registry],
});
const cycles = new Counter({ name: 'sync_cycles_total', help: 'Sync cycles by loop and outcome', labelNames: ['loop', 'outcome'], registers: [registry] });
const cycleRequests = new Counter({ name: 'sync_cycle_requests_total', help: 'Requests sent by sync cycles', labelNames: ['loop'], registers: [registry] });

// Attempt latency: a start time per trace context, observed when the attempt ends.
const began = new WeakMap<AttemptTrace, number>();
diagnostics_channel.tracingChannel<unknown, AttemptTrace>(TRACING_CHANNELS.attempt).subscribe({
  start: (ctx) => void began.set(ctx, performance.now()),
  end() {},
  asyncStart() {},
  error() {},
  asyncEnd(ctx) {
    const seconds = (performance.now() - (began.get(ctx) ?? performance.now())) / 1000;
    attemptSeconds.observe({ op: ctx.op, status: ctx.status === undefined ? 'none' : String(ctx.status) }, seconds);
  },
});
diagnostics_channel.tracingChannel<unknown, CycleTrace>(TRACING_CHANNELS.cycle).subscribe({
  start() {},
  end() {},
  asyncStart() {},
  error() {},
  asyncEnd(ctx) {
    cycles.inc({ loop: ctx.name, outcome: ctx.result?.outcome ?? 'unknown' });
    cycleRequests.inc({ loop: ctx.name }, ctx.result?.requests ?? 0);
  },
});

const relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 200 });
const client = new GunRelayClient({ baseUrl: relay.url });
new Gauge({
  name: 'gun_relay_sockets',
  help: 'Sockets to the relays, by state',
  labelNames: ['state'],
  registers: [registry],
  collect() {
    const { open, idle } = client.stats().sockets;
    this.set({ state: 'busy' }, open - idle);
    this.set({ state: 'idle' }, idle);
  },
});
const loop = new SyncLoop({
  name: 'copy-records',
  client,
  intervalMs: 60_000,
  cycleTimeoutMs: 30_000,
  run: async ({ client: c, number }) => {
    await c.put(`647f79c2a338:workout_${number}`, { reps: 10 });
    await c.get(`647f79c2a338:workout_${number}`);
    await c.get('647f79c2a338:never_written');
  },
});
await loop.trigger();
await loop.trigger();
const text = await registry.metrics();
console.log(text.split('\n').filter((l) => /^(sync_|gun_relay_sockets|gun_relay_attempt_duration_seconds_count)/.test(l)).join('\n'));
client.close();
await relay.close();
