/**
 * One worker process of the fleet tests (test/fleet-processes.test.ts), driven over IPC:
 * - `ledger` mode: a GunRelayClient (with or without a RedisLedgerStore) runs the steps the
 *   parent sends in lock-step with the other workers: one healthy soul, then one poisoned soul
 *   at this worker's own rotated place in the list; outcomes are counted per phase.
 * - `lease` mode: a SyncLoop with a RedisLeaseStore reports each cycle's start and end; its run
 *   puts souls `c:<worker>:<cycle>:<seq>` every 20 ms and stops when the loop aborts the cycle.
 */
import { Redis } from 'ioredis';
import { GunRelayClient, SyncLoop } from '../../src/index.js';
import { RedisLeaseStore, RedisLedgerStore } from '../../src/stores/redis/index.js';

const env = process.env;
const index = Number(env['WORKER_INDEX']);
const send = (msg: unknown): void => {
  process.send?.(msg);
};

const redis = new Redis({ host: '127.0.0.1', port: Number(env['REDIS_PORT']), maxRetriesPerRequest: 1, retryStrategy: () => 50 });
redis.on('error', () => undefined);

async function ledgerMode(): Promise<void> {
  const store = env['USE_STORE'] === '1' ? new RedisLedgerStore({ redis, prefix: env['PREFIX'] ?? 'fleet', writeTimeoutMs: 300 }) : undefined;
  // attributionWindowMs: 0 counts every refusal: these figures are about the ledger's counting,
  // and a worker's first poisoned put comes before any healthy success it could be attributed by.
  const client = new GunRelayClient({ baseUrl: env['RELAY_URL']!, retry: false, failureTtlMs: 600_000, attributionWindowMs: 0, ...(store ? { ledgerStore: store } : {}) });
  const applied: Array<{ soul: string; at: number }> = [];
  client.on('quarantine', (e) => {
    if (e.fleet) applied.push({ soul: e.soul, at: Date.now() });
  });
  const deadline = Date.now() + 5_000;
  while (store && (client.stats().ledgerStore?.loads ?? 0) < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  send({ type: 'ready' });
  process.on('message', (msg: { type: string; souls?: string[]; step?: number }) => {
    if (msg.type === 'step') void runStep(client, msg.souls!, msg.step!);
    if (msg.type === 'phaseEnd') {
      send({ type: 'phaseDone', outcomes: { ...outcomes } });
      for (const k of Object.keys(outcomes)) delete outcomes[k];
    }
    if (msg.type === 'report') {
      send({ type: 'report', applied, quarantined: client.quarantined().map((q) => q.soul), stats: client.stats().ledgerStore ?? null });
    }
    if (msg.type === 'exit') {
      client.close();
      store?.close();
      redis.disconnect();
      process.exit(0);
    }
  });
}

const outcomes: Record<string, number> = {};
let healthy = 0;

function count(k: string): void {
  outcomes[k] = (outcomes[k] ?? 0) + 1;
}

/**
 * One lock-step of a phase: this worker puts one healthy soul, then the poisoned soul at its own
 * rotated place in the list (so workers touch a soul in different steps), and reports back. A
 * poisoned soul always gets the same body: the same write, refused every time.
 */
async function runStep(client: GunRelayClient, souls: string[], step: number): Promise<void> {
  const offset = Math.round((index * souls.length) / 4);
  const soul = souls[(step + offset) % souls.length]!;
  await client.put(`ok:${index}:${healthy++}`, { step }).then(
    (r) => count(`ok:${r.outcome}`),
    (e: { code?: string }) => count(`ok:${e.code ?? 'error'}`),
  );
  await client.put(soul, { tags: 'poisoned' }).then(
    (r) => count(`bad:${r.outcome}`),
    (e: { code?: string }) => count(`bad:${e.code ?? 'error'}`),
  );
  send({ type: 'stepDone', step });
}

async function leaseMode(): Promise<void> {
  const client = new GunRelayClient({ baseUrl: env['RELAY_URL']! });
  const lease = new RedisLeaseStore({ redis, prefix: env['PREFIX'] ?? 'fleet', timeoutMs: 300 });
  const runMs = Number(env['RUN_MS'] ?? 150);
  const loop = new SyncLoop({
    name: 'sync',
    client,
    holder: `worker-${index}`,
    intervalMs: Number(env['INTERVAL_MS'] ?? 20),
    cycleTimeoutMs: Number(env['CYCLE_TIMEOUT_MS'] ?? 600),
    leaseTtlMs: Number(env['LEASE_TTL_MS'] ?? 800),
    lease,
    // The cycle's work: RUN_MS / 20 puts through the cycle's client, one every 20 ms (souls name the
    // worker and cycle, so the relay sees whose cycle each request belongs to), cut short when the
    // loop aborts the cycle (timeout or lost lease), as a real run must.
    run: async (cycle) => {
      const start = Date.now();
      send({ type: 'cycleStart', worker: index, number: cycle.number, start, token: cycle.leaseToken });
      for (let seq = 0; seq < runMs / 20 && !cycle.signal.aborted; seq++) {
        await cycle.client.put(`c:${index}:${cycle.number}:${seq}`, { seq }).catch(() => undefined);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 20);
          cycle.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      send({ type: 'cycleEnd', worker: index, number: cycle.number, start, end: Date.now(), aborted: cycle.signal.aborted });
    },
  });
  process.on('message', (msg: { type: string }) => {
    if (msg.type === 'exit') {
      void loop.stop({ drain: true, timeoutMs: 1_000 }).finally(() => {
        client.close();
        redis.disconnect();
        process.exit(0);
      });
    }
  });
  loop.start();
  send({ type: 'ready' });
}

if (env['MODE'] === 'lease') void leaseMode();
else void ledgerMode();
