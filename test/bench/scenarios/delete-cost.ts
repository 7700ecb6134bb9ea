/**
 * Scenario 4, delete cost against the local relay (real gun): requests and latency per delete with
 * the keys known (one tombstone put) and unknown (a read, then the put), beside the same exchanges
 * written by hand with axios, and the legacy `put(soul, null)` for reference.
 */
import http from 'node:http';
import axios from 'axios';
import type { LocalRelayOptions } from '../../../src/testing/index.js';
import { sdk, sdkTesting } from '../lib/sdk.js';
import { median } from '../lib/stats.js';
import { runLoad } from '../lib/load.js';

export interface DeleteCostParams {
  /** Relay settings runs: label → options (e.g. fast, production timings), with deletes per variant. */
  relays: Array<{ label: string; options: LocalRelayOptions; perVariant: number }>;
}

const KEYS = ['title', 'n', 'ok'];
const VARIANTS = ['sdk-known', 'axios-known', 'sdk-unknown', 'axios-unknown'] as const;
type Variant = (typeof VARIANTS)[number];

export async function run(p: DeleteCostParams) {
  const out = [];
  for (const r of p.relays) out.push(await runRelay(r.label, r.options, r.perVariant));
  return { relays: out };
}

async function runRelay(label: string, options: LocalRelayOptions, perVariant: number) {
  const relay = await sdkTesting.startLocalRelay(options);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const ax = axios.create({ baseURL: relay.url, httpAgent: agent, timeout: 30_000, validateStatus: () => true });
  const client = new sdk.GunRelayClient({ baseUrl: relay.url });
  try {
    const soul = (v: string, i: number) => `a1b2c3d4e5f6:del-${v}-${i}`;
    const warm = 3;
    const names = [...VARIANTS, 'legacy-null'];
    // Seed every node the run will delete, concurrently (a put costs the relay ~0.35 s at production timings).
    const seeds: string[] = [];
    for (const v of names) for (let i = 0; i < warm + perVariant; i++) seeds.push(soul(v, i));
    const seeded = await runLoad(seeds.length, 16, async (i) => {
      const res = await ax.post('/put', { soul: seeds[i], data: { title: `record ${i}`, n: i, ok: true } });
      if (res.status !== 200) throw new Error(`seed failed: ${res.status}`);
    }, 120_000);
    if (seeded.rejected > 0) throw new Error(`${seeded.rejected} seeds failed`);

    const once: Record<Variant, (s: string) => Promise<void>> = {
      'sdk-known': async (s) => {
        const res = await client.delete(s, { keys: KEYS });
        if (res.outcome !== 'deleted') throw new Error(`sdk-known: ${res.outcome}`);
      },
      'axios-known': async (s) => {
        const res = await ax.post('/put', { soul: s, data: { title: null, n: null, ok: null } });
        if (res.status !== 200) throw new Error(`axios-known: ${res.status}`);
      },
      'sdk-unknown': async (s) => {
        const res = await client.delete(s);
        if (res.outcome !== 'deleted') throw new Error(`sdk-unknown: ${res.outcome}`);
      },
      'axios-unknown': async (s) => {
        const got = await ax.get('/get', { params: { soul: s } });
        if (got.status !== 200) throw new Error(`axios-unknown read: ${got.status}`);
        const data = (got.data as { data: Record<string, unknown> }).data;
        const tombstones = Object.fromEntries(Object.keys(data).map((k) => [k, null]));
        const res = await ax.post('/put', { soul: s, data: tombstones });
        if (res.status !== 200) throw new Error(`axios-unknown: ${res.status}`);
      },
    };
    for (const v of VARIANTS) for (let i = 0; i < warm; i++) await once[v](soul(v, perVariant + i));

    const latency: Record<string, number[]> = {};
    const requests: Record<string, number[]> = {};
    for (const v of names) {
      latency[v] = [];
      requests[v] = [];
    }
    const measure = async (v: string, fn: () => Promise<void>) => {
      const before = relay.requestCount;
      const t = performance.now();
      await fn();
      latency[v]!.push(performance.now() - t);
      requests[v]!.push(relay.requestCount - before);
    };
    for (let i = 0; i < perVariant; i++) {
      for (let k = 0; k < VARIANTS.length; k++) {
        const v = VARIANTS[(i + k) % VARIANTS.length]!;
        await measure(v, () => once[v](soul(v, i)));
      }
    }
    // The legacy module's delete: put(soul, null). The relay always answers 500; nothing is deleted.
    let legacyStatus = 0;
    for (let i = 0; i < Math.min(perVariant, 5); i++) {
      await measure('legacy-null', async () => {
        legacyStatus = (await ax.post('/put', { soul: soul('legacy-null', i), data: null })).status;
      });
    }
    // Check the outcome on the relay: tombstoned souls read 404, the legacy one still reads 200.
    const readStatus = async (s: string) => (await ax.get('/get', { params: { soul: s } })).status;
    const gone: Record<string, boolean> = {};
    for (const v of VARIANTS) gone[v] = (await readStatus(soul(v, 0))) === 404;
    gone['legacy-null'] = (await readStatus(soul('legacy-null', 0))) === 404;

    return {
      label,
      options,
      perVariant,
      medianMs: Object.fromEntries(names.map((v) => [v, median(latency[v]!)])),
      medianRequests: Object.fromEntries(names.map((v) => [v, median(requests[v]!)])),
      maxRequests: Object.fromEntries(names.map((v) => [v, Math.max(...requests[v]!)])),
      legacyStatus,
      gone,
      latency,
    };
  } finally {
    client.close();
    agent.destroy();
    await relay.close();
  }
}
