/**
 * Indexes at production size: a 1,000,000-entry registry index (~86 MB, served as a stream by
 * the orchestrator's large-index server) loaded into an `IndexSnapshot` with default options,
 * against `JSON.parse` of the same bytes held in memory (the cost any whole-body read pays
 * before building anything). Rounds alternate the order. Per round: wall time, peak heap over
 * the heap before (heap + array buffers, sampled every 2 ms and at the end, when everything the
 * operation built is still alive), and what stays after a full GC with the result kept.
 */
import { sdk, sdkOip, sdkTesting } from '../lib/sdk.js';

export interface ScaleParams {
  entries: number;
  rounds: number;
}

const gc = (): void => (globalThis as { gc?: () => void }).gc!();
const used = (): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

interface Measure {
  ms: number;
  peakBytes: number;
  retainedBytes: number;
}

/** Runs `fn`, measuring wall time, sampled peak and retained memory of what it returns. */
async function measure<T>(fn: () => Promise<T> | T, check: (value: T) => void): Promise<Measure> {
  gc();
  gc();
  const base = used();
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, used() - base)), 2);
  const started = performance.now();
  let value: T | undefined = await fn();
  const ms = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, used() - base);
  gc();
  gc();
  const retainedBytes = used() - base;
  check(value);
  value = undefined;
  return { ms, peakBytes: peak, retainedBytes };
}

export async function run(p: ScaleParams, urls: Record<string, string>) {
  const soul = sdkOip.registryIndexSoul('post');
  const spec = { entries: p.entries };
  const bodyBytes = sdkTesting.largeIndexBodyLength(soul, spec);
  const client = new sdk.GunRelayClient({ baseUrl: urls['large']! });
  const text = Buffer.concat([...sdkTesting.largeIndexBody(soul, spec)]).toString('utf8');
  const snapshot: Measure[] = [];
  const parse: Measure[] = [];
  let perEntry = 0;
  for (let r = 0; r < p.rounds; r++) {
    const load = async () =>
      snapshot.push(
        await measure(
          () => sdkOip.IndexSnapshot.load(client, soul),
          (s) => {
            if (s.size !== p.entries) throw new Error(`snapshot holds ${s.size} entries`);
            perEntry = s.retainedBytes / s.size;
          },
        ),
      );
    const baseline = async () =>
      parse.push(
        await measure(
          () => JSON.parse(text) as { data: Record<string, unknown> },
          (v) => {
            if (Object.keys(v.data).length !== p.entries) throw new Error('parse lost entries');
          },
        ),
      );
    if (r % 2 === 0) (await load(), await baseline());
    else (await baseline(), await load());
  }
  client.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const m = (xs: Measure[], k: keyof Measure) => median(xs.map((x) => x[k]));
  return {
    entries: p.entries,
    bodyBytes,
    snapshot: { ms: m(snapshot, 'ms'), peakBytes: m(snapshot, 'peakBytes'), retainedBytes: m(snapshot, 'retainedBytes'), storeBytesPerEntry: perEntry },
    parse: { ms: m(parse, 'ms'), peakBytes: m(parse, 'peakBytes'), retainedBytes: m(parse, 'retainedBytes') },
    timeRatios: snapshot.map((s, i) => s.ms / parse[i]!.ms),
    rounds: { snapshot, parse },
  };
}
