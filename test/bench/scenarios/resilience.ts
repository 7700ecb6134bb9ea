/**
 * Issue 3's overhead check: the same client with the resilience machinery on (defaults: retries
 * under a budget, a breaker, the limiter at 16) and off (`retry: false, breaker: false`, a limiter
 * too large to matter), against the same fast loopback server, in A/B/B/A repetitions. Both get a
 * transport with the same 16-socket agent, so only the machinery differs. Two side measurements:
 * "off" configured by options alone (the agent's pool then follows `maxInFlight` = 1,024), and the
 * machinery's CPU cost per put with a transport that answers at once (no HTTP at all).
 */
import type { Transport } from '../../../src/index.js';
import { sdk } from '../lib/sdk.js';
import { fixedInputs, sdkVariant } from '../lib/variants.js';
import { interleave } from '../lib/interleave.js';

export interface ResilienceParams {
  levels: Array<{ concurrency: number; opsPerRep: number }>;
  reps: number;
  warmupOps: number;
  /** Repetitions of the agent-pool side measurement (at the highest concurrency). */
  poolReps: number;
  /** Alternating on/off chunks of `microPuts` sequential puts through an instant transport. */
  microChunks: number;
  microPuts: number;
}

const MiB = 1024 * 1024;
const transport = () => new sdk.AxiosTransport({ maxSockets: 16, maxContentLength: 8 * MiB, maxBodyLength: 8 * MiB });
const OFF = { retry: false, breaker: false, maxInFlight: 1_024, maxQueue: 1_000_000 } as const;

export async function run(p: ResilienceParams, urls: Record<string, string>) {
  const url = urls['ok']!;
  const inputs = fixedInputs(5_000);
  const levels = [];
  for (const level of p.levels) {
    const variants = [sdkVariant('on', url, { transport: transport() }), sdkVariant('off', url, { ...OFF, transport: transport() })];
    levels.push(await interleave(variants, inputs, { concurrency: level.concurrency, opsPerRep: level.opsPerRep, reps: p.reps, warmupOps: p.warmupOps }));
    for (const v of variants) v.close();
  }

  const top = p.levels[p.levels.length - 1]!;
  const poolVariants = [sdkVariant('off', url, { ...OFF, transport: transport() }), sdkVariant('off, pool 1024', url, OFF)];
  const pool = await interleave(poolVariants, inputs, { concurrency: top.concurrency, opsPerRep: top.opsPerRep, reps: p.poolReps, warmupOps: p.warmupOps });
  for (const v of poolVariants) v.close();

  return { ...p, levels, pool, micro: await micro(p, inputs) };
}

/** CPU per put of the client's own layers, machinery on vs off, with a transport that answers at once. */
async function micro(p: ResilienceParams, inputs: ReturnType<typeof fixedInputs>) {
  const instant = (): Transport => ({ send: async () => ({ status: 200, text: '{"success":true}', retries: 0 }), close: () => undefined });
  const base = 'http://127.0.0.1:9';
  const clients = {
    on: new sdk.GunRelayClient({ baseUrl: base, transport: instant() }),
    off: new sdk.GunRelayClient({ ...OFF, baseUrl: base, transport: instant() }),
  };
  const chunk = async (name: 'on' | 'off') => {
    const client = clients[name];
    const t = performance.now();
    for (let i = 0; i < p.microPuts; i++) await client.put(inputs.souls[i % inputs.souls.length]!, inputs.nodes[i % inputs.nodes.length]!);
    return ((performance.now() - t) * 1000) / p.microPuts;
  };
  await chunk('on');
  await chunk('off');
  const us: Record<'on' | 'off', number[]> = { on: [], off: [] };
  for (let c = 0; c < p.microChunks; c++) {
    const order: Array<'on' | 'off'> = c % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
    for (const name of order) us[name].push(await chunk(name));
  }
  clients.on.close();
  clients.off.close();
  return { puts: p.microPuts, usPerPut: us };
}
