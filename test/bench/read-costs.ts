/**
 * Read costs the indexer pays, for a built copy of the SDK (`dist/`), on a local relay over the
 * real gun: 37 never-written type indexes read twice through GunHelper, one 200-entry registry
 * index through GunHelper, and 1,000 reads of existing souls (getMany when the SDK has it, else a
 * pool of `get`s at the same concurrency). Prints requests (counted by the relay) and wall time.
 *
 *   npx tsx test/bench/read-costs.ts [path/to/dist] [--miss-ms 300]
 *
 * The relay's miss wait is scaled down from production's 3 s (`--miss-ms`) so a run takes
 * seconds; a never-written read costs exactly that wait, so the figures scale linearly.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startLocalRelay } from '../../src/testing/index.js';

const args = process.argv.slice(2);
const dist = resolve(args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a)) ?? 'dist');
const missAt = args.indexOf('--miss-ms');
const missWaitMs = missAt >= 0 ? Number(args[missAt + 1]) : 300;
const TYPES = 37;
const READS = 1_000;
const CONCURRENCY = 16;

type Client = {
  put(soul: string, node: unknown): Promise<unknown>;
  get(soul: string): Promise<unknown>;
  getMany?(souls: Iterable<string>, opts: { concurrency: number }): AsyncIterable<{ ok: boolean }>;
  close(): void;
};

async function main(): Promise<void> {
  const sdk = (await import(pathToFileURL(`${dist}/index.js`).href)) as { GunRelayClient: new (o: object) => Client };
  const legacy = (await import(pathToFileURL(`${dist}/legacy/index.js`).href)) as {
    GunHelper: (new () => { getRecord(soul: string): Promise<unknown> }) & { closeAll(): void };
  };
  const relay = await startLocalRelay({ putDelayMs: 0, missWaitMs });
  process.env['GUN_PEERS'] = relay.url;
  const raw = new sdk.GunRelayClient({ baseUrl: relay.url, maxInFlight: CONCURRENCY });
  const rows: Array<[string, number, number, string]> = [];
  const measure = async (name: string, fn: () => Promise<string>): Promise<void> => {
    relay.resetCounters();
    const t = performance.now();
    const note = await fn();
    rows.push([name, relay.requestCount, Math.round(performance.now() - t), note]);
  };
  try {
    const gun = new legacy.GunHelper();
    await measure(`${TYPES} never-written indexes, read twice (GunHelper.getRecord)`, async () => {
      let nulls = 0;
      for (let pass = 0; pass < 2; pass++) {
        for (let i = 0; i < TYPES; i++) if ((await gun.getRecord(`oip:registry:index:type${i}`)) === null) nulls++;
      }
      return `${nulls} nulls`;
    });

    const index: Record<string, unknown> = {};
    for (let i = 0; i < 200; i++) index[`pub${i}:rec`] = { soul: `pub${i}:rec`, nodeId: 'n1', timestamp: i };
    await raw.put('oip:registry:index:post', index);
    const asSent = JSON.stringify(await raw.get('oip:registry:index:post'));
    await measure('200-entry registry index (GunHelper.getRecord)', async () => {
      const got = await gun.getRecord('oip:registry:index:post');
      return JSON.stringify(got) === asSent ? 'unchanged' : `changed: ${Object.keys(got as object).length} keys`;
    });

    const souls = Array.from({ length: READS }, (_, i) => `bench${String(i).padStart(4, '0')}:rec`);
    for (let i = 0; i < READS; i += 64) await Promise.all(souls.slice(i, i + 64).map((s, j) => raw.put(s, { n: i + j })));
    // One untimed pass first: gun's first read of a soul loads it from disk.
    for (let i = 0; i < READS; i += 64) await Promise.all(souls.slice(i, i + 64).map((s) => raw.get(s)));
    await measure(`${READS} reads of existing souls, ${CONCURRENCY} at a time`, async () => {
      let found = 0;
      if (raw.getMany) {
        for await (const o of raw.getMany(souls, { concurrency: CONCURRENCY })) if (o.ok) found++;
        return `getMany: ${found} ok`;
      }
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < souls.length) if ((await raw.get(souls[next++]!)) !== null) found++;
        }),
      );
      return `get pool: ${found} found`;
    });
  } finally {
    legacy.GunHelper.closeAll();
    raw.close();
    await relay.close();
  }
  console.log(`SDK: ${dist}; relay miss wait ${missWaitMs} ms (production: 3,000)`);
  console.log('| case | requests | wall ms | result |\n|---|---|---|---|');
  for (const [name, requests, ms, note] of rows) console.log(`| ${name} | ${requests} | ${ms} | ${note} |`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
