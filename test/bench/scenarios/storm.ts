/**
 * Scenario 1, failure storm: N requests for N distinct souls against a server that answers every
 * request 500 with a 256 KiB body. Heap (+ external memory) after forced GC, before and after.
 */
import http from 'node:http';
import axios from 'axios';
import { sdk } from '../lib/sdk.js';
import { runLoad } from '../lib/load.js';
import { memoryDelta, settledMemory } from '../lib/memory.js';

export interface StormParams {
  client: 'naive' | 'plain' | 'sdk';
  op: 'delete' | 'put';
  n: number;
  warmup: number;
  concurrency: number;
  /** How many errors the naive client keeps (a "recent errors" list, as a worker that logs them has). */
  keep: number;
  /** The SDK's `maxTrackedSouls` (quick mode lowers it so that N still exceeds it). */
  maxTrackedSouls: number;
  /** The run is cut into this many blocks with a GC'd memory checkpoint after each (1: none). */
  blocks: number;
}

const node = (i: number) => ({ title: `record ${i}`, n: i, ok: true });

export async function run(p: StormParams, urls: Record<string, string>) {
  const url = urls['err']!;
  let call: (soul: string, i: number) => Promise<unknown>;
  let close: () => void;
  let tracked = (): number => 0;
  let forget = (_soul: string): void => undefined;
  const kept: unknown[] = [];

  if (p.client === 'sdk') {
    // attributionWindowMs: 0: the relay here refuses every soul, and this job measures the ledger's ledger under a storm.
    const client = new sdk.GunRelayClient({ baseUrl: url, maxInFlight: p.concurrency, maxTrackedSouls: p.maxTrackedSouls, attributionWindowMs: 0 });
    call = (soul, i) => (p.op === 'delete' ? client.delete(soul) : client.put(soul, node(i)));
    close = () => client.close();
    tracked = () => client.stats().trackedSouls;
    forget = (soul) => void client.forgive(soul);
  } else {
    // What a worker written against axios does: one instance with a keep-alive agent, the legacy
    // "delete" (`data: null`), and for the naive one a bounded list of the last errors it saw.
    const agent = new http.Agent({ keepAlive: true, maxSockets: p.concurrency });
    const ax = axios.create({ httpAgent: agent, timeout: 30_000 });
    const naive = p.client === 'naive';
    call = async (soul, i) => {
      try {
        await ax.post(`${url}/put`, { soul, data: p.op === 'delete' ? null : node(i) });
      } catch (error) {
        if (naive) {
          kept.push(error);
          if (kept.length > p.keep) kept.shift();
        }
        throw error;
      }
    };
    close = () => agent.destroy();
  }

  // Warm the JIT and the sockets; the SDK forgets warm-up souls so its ledger starts empty.
  await runLoad(p.warmup, p.concurrency, (i) => call(`warm:${i}`, i).finally(() => forget(`warm:${i}`)));
  kept.length = 0; // what the naive client holds at the end was kept during the measured run
  const before = await settledMemory();
  const trackedBefore = tracked();
  // Checkpoints: once the SDK's ledger is full, retained memory must stay flat however many more
  // souls fail.
  const blocks = Math.max(1, p.blocks);
  const checkpoints: Array<{ ops: number; retained: number; tracked: number }> = [];
  const load = { ops: 0, rejected: 0, ms: 0, cpuUs: 0 };
  for (let b = 0; b < blocks; b++) {
    const from = Math.floor((p.n * b) / blocks);
    const to = Math.floor((p.n * (b + 1)) / blocks);
    const part = await runLoad(to - from, p.concurrency, (i) => call(`storm:${p.op}:${from + i}`, from + i), 240_000);
    load.ops += part.ops;
    load.rejected += part.rejected;
    load.ms += part.ms;
    load.cpuUs += part.cpuUs;
    if (blocks > 1) checkpoints.push({ ops: to, retained: memoryDelta(before, await settledMemory()).total, tracked: tracked() });
  }
  const after = await settledMemory();
  const trackedAfter = tracked();
  close();
  return { ...p, load, before, after, delta: memoryDelta(before, after), trackedBefore, trackedAfter, keptErrors: kept.length, checkpoints };
}
