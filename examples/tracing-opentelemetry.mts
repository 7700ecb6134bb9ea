/**
 * The SDK's diagnostics_channel traces as OpenTelemetry spans: a span per sync cycle, per client
 * call inside it, and per HTTP attempt inside the call (a retry is a second attempt span).
 * Nesting comes from the channels' bound stores, no global context manager needed. Spans go to
 * an InMemorySpanExporter here; use your exporter in production. Prints the span tree.
 *
 *   npx tsx examples/tracing-opentelemetry.mts
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics_channel from 'node:diagnostics_channel';
import { ROOT_CONTEXT, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { GunRelayClient, SyncLoop, TRACING_CHANNELS, type AttemptTrace, type CallTrace, type CycleTrace } from 'gun-relay-client';
import { startLocalRelay } from 'gun-relay-client/testing';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('gun-relay-client');
const current = new AsyncLocalStorage<Context>();

/** Maps one tracing channel to spans: started on `start` (as a child of the current one), ended on `asyncEnd`. */
function toSpans<T extends object>(channel: string, name: (ctx: T) => string, attributes: (ctx: T) => Attributes, done: (ctx: T, span: Span) => void): void {
  const spans = new WeakMap<T, Span>();
  const ch = diagnostics_channel.tracingChannel<unknown, T>(channel);
  ch.start.bindStore(current, (ctx) => {
    const parent = current.getStore() ?? ROOT_CONTEXT;
    const span = tracer.startSpan(name(ctx), { attributes: attributes(ctx) }, parent);
    spans.set(ctx, span);
    return trace.setSpan(parent, span);
  });
  ch.subscribe({
    start() {},
    end() {},
    asyncStart() {},
    error(ctx) {
      const error = (ctx as { error?: { code?: string; message?: string } }).error;
      spans.get(ctx)?.setStatus({ code: SpanStatusCode.ERROR, message: error?.code ?? error?.message ?? 'error' });
    },
    asyncEnd(ctx) {
      const span = spans.get(ctx);
      if (!span) return;
      done(ctx, span);
      span.end();
    },
  });
}

toSpans<CycleTrace>(TRACING_CHANNELS.cycle, (c) => `sync-cycle ${c.name}`, (c) => ({ 'cycle.number': c.number }), (c, span) =>
  span.setAttributes({ 'cycle.outcome': c.result?.outcome ?? 'unknown', 'cycle.requests': c.result?.requests ?? 0, 'cycle.misses': c.result?.misses ?? 0 }),
);
// The soul is an attribute of a span, never a metric label (unbounded cardinality).
toSpans<CallTrace>(TRACING_CHANNELS.call, (c) => `gun-relay ${c.op}`, (c) => ({ 'gun.soul': c.soul }), (c, span) => {
  const result = c.result as { outcome?: string } | null | undefined;
  span.setAttribute('gun.outcome', c.error ? 'error' : result === null ? 'missing' : (result?.outcome ?? 'found'));
});
toSpans<AttemptTrace>(TRACING_CHANNELS.attempt, (c) => `HTTP ${c.method} ${c.path}`, (c) => ({ 'http.attempt': c.attempt, 'server.address': c.relay }), (c, span) => {
  if (c.status !== undefined) span.setAttribute('http.response.status_code', c.status);
});

const relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 200 });
relay.fault('647f79c2a338:flaky', { status: 503, times: 1 }); // answered 503 once: the retry is a second attempt
const client = new GunRelayClient({ baseUrl: relay.url, retry: { retries: 1, baseDelayMs: 10 } });
const loop = new SyncLoop({
  name: 'copy-records',
  client,
  intervalMs: 60_000,
  cycleTimeoutMs: 30_000,
  run: async ({ client: c }) => {
    await c.put('647f79c2a338:workout', { reps: 10 });
    await c.get('647f79c2a338:flaky');
  },
});
await loop.trigger();
client.close();
await relay.close();

// Print the tree: each span under its parent.
const spans = exporter.getFinishedSpans();
const children = (parent: string | undefined): ReadableSpan[] =>
  spans.filter((s) => s.parentSpanContext?.spanId === parent).sort((a, b) => (a.startTime[0] - b.startTime[0]) * 1e9 + (a.startTime[1] - b.startTime[1]));
const show = (span: ReadableSpan, depth: number): void => {
  const a = span.attributes;
  const detail = [a['cycle.outcome'], a['cycle.requests'] !== undefined ? `requests=${a['cycle.requests']}` : undefined, a['gun.outcome'], a['http.attempt'] !== undefined ? `attempt ${a['http.attempt']} -> ${a['http.response.status_code']}` : undefined]
    .filter((x) => x !== undefined)
    .join(' ');
  console.log(`${'  '.repeat(depth)}${span.name} ${detail}${span.status.code === SpanStatusCode.ERROR ? ` ERROR ${span.status.message}` : ''}`);
  for (const child of children(span.spanContext().spanId)) show(child, depth + 1);
};
for (const root of children(undefined)) show(root, 0);
console.log(`${spans.length} spans, ${new Set(spans.map((s) => s.spanContext().traceId)).size} trace`);
