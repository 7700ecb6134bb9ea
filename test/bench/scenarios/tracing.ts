/**
 * Tracing's cost: the same client with no subscriber on the SDK's diagnostics channels ("none")
 * and with no-op subscribers on all three ("subscribed"), against the same fast loopback server,
 * in interleaved repetitions; plus the client's own CPU per put with an instant transport (no
 * HTTP), where a third variant, "untraced", calls the put behind the tracing wrapper directly:
 * none vs untraced is what the wrapper costs when nobody listens; subscribed vs none what a
 * tracer pays.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import type { GunNode, Transport } from '../../../src/index.js';
import { sdk } from '../lib/sdk.js';
import { fixedInputs, type PutVariant } from '../lib/variants.js';
import { interleave } from '../lib/interleave.js';

export interface TracingParams {
  levels: Array<{ concurrency: number; opsPerRep: number }>;
  reps: number;
  warmupOps: number;
  microChunks: number;
  microPuts: number;
}

const noop = (): void => {};
const subscribers = { start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop };
const channels = Object.values(sdk.TRACING_CHANNELS).map((name) => diagnostics_channel.tracingChannel(name));
let subscribed = false;

/** Subscribes (or unsubscribes) no-op listeners on every SDK channel; idempotent, so each variant can call it per put. */
function traced(on: boolean): void {
  if (on === subscribed) return;
  for (const ch of channels) (on ? ch.subscribe : ch.unsubscribe).call(ch, subscribers as never);
  subscribed = on;
}

type Name = 'none' | 'subscribed' | 'untraced';
type PutCall = (soul: string, node: GunNode, opts: object) => Promise<{ outcome: string }>;

function variant(name: Name, baseUrl: string, transport?: Transport): PutVariant {
  const client = new sdk.GunRelayClient({ baseUrl, ...(transport ? { transport } : {}) });
  // the private method the public put wraps in its trace (same body, no hasSubscribers check)
  const untraced = (client as unknown as { putCall: PutCall }).putCall;
  return {
    name,
    put: async (soul: string, node: GunNode) => {
      traced(name === 'subscribed');
      const r = name === 'untraced' ? await untraced.call(client, soul, node, {}) : await client.put(soul, node);
      if (r.outcome !== 'written') throw new Error(`unexpected outcome ${r.outcome}`);
    },
    close: () => client.close(),
  };
}

export async function run(p: TracingParams, urls: Record<string, string>) {
  const url = urls['ok']!;
  const inputs = fixedInputs(5_000);
  const levels = [];
  for (const level of p.levels) {
    const variants = [variant('none', url), variant('subscribed', url)];
    levels.push(await interleave(variants, inputs, { concurrency: level.concurrency, opsPerRep: level.opsPerRep, reps: p.reps, warmupOps: p.warmupOps }));
    for (const v of variants) v.close();
  }
  traced(false);

  const instant = (): Transport => ({ send: async () => ({ status: 200, text: '{"success":true}', retries: 0 }), close: () => undefined });
  const base = 'http://127.0.0.1:9';
  const micro: Record<Name, PutVariant> = { none: variant('none', base, instant()), subscribed: variant('subscribed', base, instant()), untraced: variant('untraced', base, instant()) };
  const names: Name[] = ['none', 'untraced', 'subscribed'];
  const chunk = async (name: Name): Promise<number> => {
    const v = micro[name];
    const t = performance.now();
    for (let i = 0; i < p.microPuts; i++) await v.put(inputs.souls[i % inputs.souls.length]!, inputs.nodes[i % inputs.nodes.length]!);
    return ((performance.now() - t) * 1000) / p.microPuts;
  };
  for (const name of names) await chunk(name);
  const usPerPut: Record<Name, number[]> = { none: [], subscribed: [], untraced: [] };
  for (let c = 0; c < p.microChunks; c++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(c + k) % names.length]!;
      usPerPut[name].push(await chunk(name));
    }
  }
  traced(false);
  for (const v of Object.values(micro)) v.close();
  return { ...p, levels, micro: { puts: p.microPuts, usPerPut } };
}
