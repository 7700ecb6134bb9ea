/**
 * Issue 10, snapshot at call time: CPU per put of `prepareWrite` (validate, copy each property
 * once, serialise) against the `JSON.stringify` of the same body that any put needs anyway, in
 * alternating chunks over the suite's fixed nodes and over OIP-record-shaped nodes.
 */
import { sdk } from '../lib/sdk.js';
import { fixedInputs } from '../lib/variants.js';

export interface SnapshotCostParams {
  chunks: number;
  putsPerChunk: number;
}

const recordNode = (i: number) => ({
  data: JSON.stringify({ basic: { name: `record ${i}`, tagItems: ['a', 'b'] } }),
  oip: JSON.stringify({ recordType: 'post', did: `did:gun:x:${i}` }),
  meta: { created: 1_700_000_000_000 + i, localId: `id-${i}`, encrypted: false },
});

export async function run(p: SnapshotCostParams) {
  const inputs = fixedInputs(5_000);
  const shapes = {
    flat: (i: number) => inputs.nodes[i % inputs.nodes.length]!,
    record: recordNode,
  };
  const out: Record<string, { prepareUs: number; stringifyUs: number; ratio: number }> = {};
  for (const [name, node] of Object.entries(shapes)) {
    const prepare: number[] = [];
    const stringify: number[] = [];
    const time = (fn: (i: number) => unknown): number => {
      const t = process.cpuUsage();
      for (let i = 0; i < p.putsPerChunk; i++) fn(i);
      const used = process.cpuUsage(t);
      return (used.user + used.system) / p.putsPerChunk;
    };
    for (let c = 0; c < p.chunks; c++) {
      const a = () => prepare.push(time((i) => sdk.prepareWrite(inputs.souls[i % inputs.souls.length]!, node(i), 'put', 8 << 20)));
      const b = () => stringify.push(time((i) => JSON.stringify({ soul: inputs.souls[i % inputs.souls.length]!, data: node(i) })));
      if (c % 2 === 0) (a(), b());
      else (b(), a());
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    out[name] = { prepareUs: median(prepare), stringifyUs: median(stringify), ratio: median(prepare) / median(stringify) };
  }
  return { ...p, shapes: out };
}
