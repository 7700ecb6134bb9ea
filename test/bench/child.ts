/**
 * Runs one benchmark job in this (fresh) process and sends its result to the orchestrator over
 * IPC. Started by run.ts as `node --expose-gc --import tsx child.ts '<json>'`; not run by hand.
 */
import type { ChildInput, ChildMessage } from './lib/job.js';

// tsx turns source maps on; with them every `error.stack` read (axios reads one per failed
// request) costs several times what it costs a production process. Measure production.
process.setSourceMapsEnabled(false);

const input = JSON.parse(process.argv[2] ?? '{}') as ChildInput;
const send = (message: ChildMessage): Promise<void> =>
  new Promise((resolve) => (process.send ? process.send(message, undefined, {}, () => resolve()) : resolve()));

try {
  const mod = (await import(`./scenarios/${input.job.scenario}.js`)) as {
    run(params: Record<string, unknown>, urls: Record<string, string>): Promise<unknown>;
  };
  const result = await mod.run(input.job.params, input.urls);
  await send({ type: 'result', result });
} catch (error) {
  await send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
}
process.disconnect?.();
// Each scenario closes its clients and agents; exit anyway so a stray handle cannot hang the suite.
process.exit(0);
