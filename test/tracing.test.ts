import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics_channel from 'node:diagnostics_channel';
import { after, before, describe, it } from 'node:test';
import { GunRelayClient, ManualClock, SyncLoop, TRACING_CHANNELS, type AttemptTrace, type CallTrace, type CycleTrace } from '../src/index.js';
import { startLocalRelay, type LocalRelay } from '../src/testing/index.js';

type Ev = [channel: string, phase: string, ctx: Record<string, unknown>];

function record(name: string, events: Ev[]): () => void {
  const ch = diagnostics_channel.tracingChannel(name);
  const phases = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const;
  const subscribers = Object.fromEntries(phases.map((p) => [p, (ctx: object) => events.push([name.split(':')[1]!, p, { ...(ctx as Record<string, unknown>) }])]));
  ch.subscribe(subscribers as never);
  return () => ch.unsubscribe(subscribers as never);
}

describe('tracing through diagnostics_channel', () => {
  let relay: LocalRelay;
  before(async () => {
    relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 100 });
  });
  after(async () => {
    await relay.close();
  });

  it('a cycle, its calls and each HTTP attempt are traced, with payloads and nesting through bound stores', async () => {
    const client = new GunRelayClient({ baseUrl: relay.url, retry: { retries: 1, baseDelayMs: 0, maxDelayMs: 0 } });
    relay.fault('trace0000001:flaky', { status: 503, times: 1 });
    const events: Ev[] = [];
    const offs = [TRACING_CHANNELS.cycle, TRACING_CHANNELS.call, TRACING_CHANNELS.attempt].map((n) => record(n, events));
    // what a tracer does: bind a store on start, read the parent in the child's start
    const parent = new AsyncLocalStorage<string>();
    const cycleCh = diagnostics_channel.tracingChannel<unknown, CycleTrace>(TRACING_CHANNELS.cycle);
    const callCh = diagnostics_channel.tracingChannel<unknown, CallTrace>(TRACING_CHANNELS.call);
    const attemptCh = diagnostics_channel.tracingChannel<unknown, AttemptTrace>(TRACING_CHANNELS.attempt);
    const seenParents: string[] = [];
    cycleCh.start.bindStore(parent, (ctx) => `cycle ${ctx.number}`);
    callCh.start.bindStore(parent, (ctx) => {
      seenParents.push(`call ${ctx.op} under ${parent.getStore()}`);
      return `call ${ctx.op}`;
    });
    const onAttempt = (ctx: AttemptTrace): void => void seenParents.push(`attempt ${ctx.attempt} under ${parent.getStore()}`);
    attemptCh.start.subscribe(onAttempt as never);
    try {
      const loop = new SyncLoop({
        name: 'traced',
        client,
        intervalMs: 1_000,
        cycleTimeoutMs: 30_000,
        clock: new ManualClock(),
        run: async ({ client: c }) => {
          await c.put('trace0000001:rec', { a: 1 });
          return c.get('trace0000001:flaky');
        },
      });
      const report = await loop.trigger();
      assert.equal(report.outcome, 'ok');
    } finally {
      for (const off of offs) off();
      attemptCh.start.unsubscribe(onAttempt as never);
      cycleCh.start.unbindStore(parent);
      callCh.start.unbindStore(parent);
    }
    const phases = events.map(([c, p]) => `${c}.${p}`);
    assert.deepEqual(phases.filter((p) => p.startsWith('cycle')), ['cycle.start', 'cycle.end', 'cycle.asyncStart', 'cycle.asyncEnd']);
    const calls = events.filter(([c, p]) => c === 'call' && p === 'asyncEnd').map(([, , ctx]) => ctx);
    assert.deepEqual(calls.map((c) => [c['op'], c['soul'], c['result']]), [
      ['put', 'trace0000001:rec', { soul: 'trace0000001:rec', outcome: 'written', relay: relay.url }],
      ['get', 'trace0000001:flaky', null],
    ]);
    assert.deepEqual(calls[0]!['cycle'], { name: 'traced', number: 1 });
    const attempts = events.filter(([c, p]) => c === 'attempt' && p === 'asyncEnd').map(([, , ctx]) => [ctx['op'], ctx['path'], ctx['attempt'], ctx['status']]);
    assert.deepEqual(attempts, [
      ['put', '/put', 0, 200],
      ['get', '/get', 0, 503],
      ['get', '/get', 1, 404],
    ]);
    assert.equal(events.find(([c]) => c === 'attempt')![2]['relay'], relay.url);
    const cycleEnd = events.find(([c, p]) => c === 'cycle' && p === 'asyncEnd')![2];
    assert.equal((cycleEnd['result'] as { requests: number }).requests, 3);
    assert.deepEqual(seenParents, ['call put under cycle 1', 'attempt 0 under call put', 'call get under cycle 1', 'attempt 0 under call get', 'attempt 1 under call get']);
    client.close();
  });

  it('a failed call publishes error with the GunRelayError; an unanswered attempt publishes its Node error', async () => {
    const client = new GunRelayClient({ baseUrl: relay.url, retry: false });
    relay.fault('trace0000001:bad', { status: 500, body: { error: 'Data at root of graph must be a node (an object).' } });
    relay.fault('trace0000001:reset', { reset: true });
    const events: Ev[] = [];
    const offs = [TRACING_CHANNELS.call, TRACING_CHANNELS.attempt].map((n) => record(n, events));
    try {
      await assert.rejects(client.put('trace0000001:bad', { a: 1 }));
      await assert.rejects(client.get('trace0000001:reset'));
    } finally {
      for (const off of offs) off();
    }
    const errors = events.filter(([, p]) => p === 'error').map(([c, , ctx]) => [c, (ctx['error'] as { code?: string }).code]);
    assert.deepEqual(errors, [
      ['call', 'SOUL_REJECTED'],
      ['attempt', 'ECONNRESET'],
      ['call', 'CONNECTION_RESET'],
    ]);
    const order = events.filter(([, p]) => p === 'asyncEnd').map(([c]) => c);
    assert.deepEqual(order, ['attempt', 'call', 'attempt', 'call'], 'each attempt ends before its call');
    const before = events.length;
    await client.get('trace0000001:after').catch(() => undefined);
    assert.equal(events.length, before, 'nothing is published once unsubscribed');
    client.close();
  });
});
