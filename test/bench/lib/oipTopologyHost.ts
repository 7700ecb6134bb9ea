/**
 * A peer relay (real gun) holding `entries` OIP records of one type, each in its type index,
 * behind the loopback OIP proxy, and an empty local relay, in a process of their own: the relays'
 * in-process parts (request logs, `/list` rows) stay out of the measured process's heap and CPU.
 * {@link startOipTopology} forks it and talks to it over IPC.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

type Request = { type: 'counts'; reset: boolean } | { type: 'close' };
type Reply =
  | { type: 'ready'; peerUrl: string; localUrl: string; seedMs: number }
  | { type: 'counts'; peer: number; local: number }
  | { type: 'closed' }
  | { type: 'error'; message: string };

/** The running topology, seen from the measured process. */
export interface OipTopology {
  /** The peer's OIP proxy URL (`…/gun-relay`) and the local relay's URL. */
  peerUrl: string;
  localUrl: string;
  /** Time the peer took to be seeded. */
  seedMs: number;
  /** Requests the proxy and the local relay received since the last reset; `reset` starts anew. */
  counts(reset: boolean): Promise<{ peer: number; local: number }>;
  close(): Promise<void>;
}

/** Forks the host, seeds `entries` records on the peer and resolves once it is ready. */
export async function startOipTopology(entries: number): Promise<OipTopology> {
  const child = fork(fileURLToPath(import.meta.url), [String(entries)], {
    execArgv: ['--import', import.meta.resolve('tsx')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = (): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`topology host exited (code ${code})`));
      child.once('exit', onExit);
      child.once('message', (m) => {
        child.off('exit', onExit);
        const reply = m as Reply;
        if (reply.type === 'error') reject(new Error(reply.message));
        else resolve(reply);
      });
    });
  const ask = async (request: Request): Promise<Reply> => {
    const reply = next();
    child.send(request);
    return reply;
  };
  const ready = await next();
  if (ready.type !== 'ready') throw new Error(`topology host: ${ready.type}`);
  return {
    peerUrl: ready.peerUrl,
    localUrl: ready.localUrl,
    seedMs: ready.seedMs,
    async counts(reset) {
      const r = await ask({ type: 'counts', reset });
      if (r.type !== 'counts') throw new Error(`topology host: ${r.type}`);
      return { peer: r.peer, local: r.local };
    },
    async close() {
      await ask({ type: 'close' }).catch(() => undefined);
      await closed(child);
    },
  };
}

function closed(child: ChildProcess): Promise<void> {
  return child.exitCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

/** The host process itself. */
async function host(entries: number): Promise<void> {
  const { sdk, sdkTesting } = await import('./sdk.js');
  const { publish } = await import('../../../examples/lib/oipFixture.js');
  const send = (reply: Reply): void => void process.send!(reply);
  const group = await sdkTesting.startLocalRelays(2, { putDelayMs: 0, writeBatchMs: 10 });
  const [peer, local] = group.relays as [(typeof group.relays)[0], (typeof group.relays)[0]];
  const proxy = await sdkTesting.startOipProxy({ target: peer.url });
  const seeder = new sdk.GunRelayClient({ baseUrl: peer.url, timeouts: { put: 120_000 } });
  const t0 = performance.now();
  await publish(seeder, { records: new Map(), deleted: new Set() }, entries, 1);
  seeder.close();
  send({ type: 'ready', peerUrl: proxy.url, localUrl: local.url, seedMs: performance.now() - t0 });
  process.on('message', (m) => {
    const request = m as Request;
    if (request.type === 'counts') {
      send({ type: 'counts', peer: proxy.requestCount, local: local.requestCount });
      if (request.reset) (proxy.resetCounters(), local.resetCounters());
    } else {
      void (async () => {
        await proxy.close();
        await group.close();
        send({ type: 'closed' });
        process.disconnect();
      })();
    }
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.send) {
  host(Number(process.argv[2])).catch((error: unknown) => {
    process.send!({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exitCode = 1;
    process.disconnect();
  });
}
