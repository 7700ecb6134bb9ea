/**
 * Issue 10, failure-path cost: CPU per failed call, the SDK against a baseline written like the
 * legacy helpers/gun.js (one axios instance with a keep-alive agent, a Map of failures per soul,
 * `error.response = null` after the status is read). The server answers every put 500 with a
 * 64 KiB GUN message (`{"error":"xxx…"}`): a soul-level refusal, never retried, so both make one
 * request per call. Alternating chunks (A B B A …) of sequential-concurrency calls over distinct
 * souls; CPU from `process.cpuUsage()` of this process only (the server runs elsewhere).
 */
import http from 'node:http';
import axios, { AxiosError } from 'axios';
import { sdk } from '../lib/sdk.js';
import { runLoad } from '../lib/load.js';

export interface FailureCostParams {
  chunks: number;
  callsPerChunk: number;
  warmup: number;
  concurrency: number;
}

const node = (i: number) => ({ title: `record ${i}`, n: i, ok: true });

function legacyBaseline(url: string, concurrency: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const ax = axios.create({ httpAgent: agent, timeout: 30_000 });
  const failures = new Map<string, { count: number; lastAttempt: number; message: string }>();
  const put = async (soul: string, i: number): Promise<void> => {
    try {
      await ax.post(`${url}/put`, { soul, data: node(i) });
    } catch (error) {
      const status = error instanceof AxiosError ? error.response?.status : undefined;
      if (error instanceof AxiosError) (error as { response?: unknown }).response = null;
      const prev = failures.get(soul);
      failures.set(soul, { count: (prev?.count ?? 0) + 1, lastAttempt: Date.now(), message: `${status ?? ''} ${(error as Error).message}` });
      if (failures.size > 10_000) failures.delete(failures.keys().next().value!);
      throw error;
    }
  };
  return { put, close: () => agent.destroy() };
}

function sdkClient(url: string, concurrency: number) {
  const client = new sdk.GunRelayClient({ baseUrl: url, maxInFlight: concurrency, failureThreshold: 1_000_000 });
  return { put: (soul: string, i: number) => client.put(soul, node(i)).then(() => undefined), close: () => client.close() };
}

export async function run(p: FailureCostParams, urls: Record<string, string>) {
  const url = urls['err']!;
  const variants = { sdk: sdkClient(url, p.concurrency), baseline: legacyBaseline(url, p.concurrency) };
  let soul = 0;
  const chunk = async (name: 'sdk' | 'baseline', calls: number) => {
    const start = soul;
    soul += calls;
    const r = await runLoad(calls, p.concurrency, (i) => variants[name].put(`fail:${name}:${start + i}`, i), 120_000);
    return { usPerCall: r.cpuUs / r.ops, rejected: r.rejected, ops: r.ops };
  };
  await chunk('sdk', p.warmup);
  await chunk('baseline', p.warmup);
  const sdkUs: number[] = [];
  const baseUs: number[] = [];
  const ratios: number[] = [];
  let allRejected = true;
  for (let c = 0; c < p.chunks; c++) {
    const order: Array<'sdk' | 'baseline'> = c % 2 === 0 ? ['sdk', 'baseline'] : ['baseline', 'sdk'];
    const got: Record<string, number> = {};
    for (const name of order) {
      const r = await chunk(name, p.callsPerChunk);
      allRejected &&= r.rejected === r.ops;
      got[name] = r.usPerCall;
    }
    sdkUs.push(got['sdk']!);
    baseUs.push(got['baseline']!);
    ratios.push(got['sdk']! / got['baseline']!);
  }
  variants.sdk.close();
  variants.baseline.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { ...p, sdkUsPerCall: median(sdkUs), baselineUsPerCall: median(baseUs), ratio: median(ratios), ratios, allRejected };
}
