import v8 from 'node:v8';
import vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const gcFn = (globalThis as { gc?: () => void }).gc ?? (vm.runInNewContext('gc') as () => void);

/** Runs a full GC a few times, letting finalizers and pending callbacks run in between. */
export async function fullGc(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    gcFn();
    await new Promise<void>((r) => setImmediate(r));
  }
}

/** Heap used after a full GC, in bytes. */
export async function heapAfterGc(): Promise<number> {
  await fullGc();
  return process.memoryUsage().heapUsed;
}
