/**
 * A fleet of worker processes sharing one redis-server and one relay (FaultServer refusing the
 * poisoned souls). Every wait is bounded in count and time; processes are killed in `after`.
 */
import assert from 'node:assert/strict';
import { writeKey } from '../src/ledger/writeKey.js';
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { startFaultServer, startRedisServer, type FaultServer, type RedisServer } from '../src/testing/index.js';

const W = 4;
const WORKER = path.join(import.meta.dirname, 'fleet', 'worker.ts');

interface Msg {
  type: string;
  [k: string]: unknown;
}

/** A worker process and the messages it sent. */
class Worker {
  readonly messages: Msg[] = [];
  private waiters: Array<() => void> = [];
  exited = false;

  constructor(readonly child: ChildProcess) {
    child.on('message', (m: Msg) => {
      this.messages.push(m);
      for (const w of this.waiters.splice(0)) w();
    });
    child.on('exit', () => {
      this.exited = true;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** The next message of `type` after `from` (bounded wait). */
  async next(type: string, timeoutMs = 20_000, from = 0): Promise<Msg> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(from).find((m) => m.type === type);
      if (found) return found;
      if (this.exited) throw new Error(`worker exited before sending ${type}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type} from a worker within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  send(msg: Msg): void {
    this.child.send(msg);
  }
}

describe('a fleet of 4 worker processes sharing one Redis and one relay', () => {
  let redis: RedisServer;
  let relay: FaultServer;
  let failing = 0;
  const failingAt = new Map<string, number[]>();
  const cycleRequests: Array<{ worker: number; cycle: number; at: number }> = [];
  const spawned: Worker[] = [];

  before(async () => {
    redis = await startRedisServer();
    relay = await startFaultServer((req) => {
      const soul = String((req.body as { soul?: string } | undefined)?.soul);
      if (soul.startsWith('c:')) {
        // A lease cycle's put: c:<worker>:<cycle>:<seq>.
        const [, worker, cycle] = soul.split(':');
        cycleRequests.push({ worker: Number(worker), cycle: Number(cycle), at: Date.now() });
        return { status: 200, body: { success: true } };
      }
      if (!soul.startsWith('ok:')) {
        failing++;
        failingAt.set(soul, [...(failingAt.get(soul) ?? []), Date.now()]);
        return { status: 500, body: { error: `Invalid data: Array at ${soul}.tags` } };
      }
      return { status: 200, body: { success: true } };
    });
  });
  after(async () => {
    for (const w of spawned) if (!w.exited) w.child.kill('SIGKILL');
    await relay.close();
    await redis.close();
  });

  function spawn(index: number, env: Record<string, string>): Worker {
    const child = fork(WORKER, [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, WORKER_INDEX: String(index), REDIS_PORT: String(redis.port), RELAY_URL: relay.url, ...env },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const w = new Worker(child);
    spawned.push(w);
    return w;
  }

  async function ledgerFleet(useStore: boolean, prefix: string): Promise<Worker[]> {
    const workers = Array.from({ length: W }, (_, i) => spawn(i, { MODE: 'ledger', USE_STORE: useStore ? '1' : '0', PREFIX: prefix }));
    await Promise.all(workers.map((w) => w.next('ready')));
    return workers;
  }

  /**
   * Runs `rounds` passes over `souls` in lock-step: every worker finishes a step before the next
   * starts, `paceMs` apart, and workers start at different places in the list, so two workers
   * touch the same soul at least two steps (> 2 × `paceMs`) apart — longer than the propagation
   * bound, which is what "3 failing requests per soul fleet-wide" assumes. Returns the outcome
   * counts summed over workers.
   */
  async function phase(workers: Worker[], souls: string[], rounds: number, paceMs: number): Promise<Record<string, number>> {
    for (let step = 0; step < rounds * souls.length; step++) {
      const from = workers.map((w) => w.messages.length);
      for (const w of workers) w.send({ type: 'step', souls, step });
      await Promise.all(workers.map((w, i) => w.next('stepDone', 10_000, from[i])));
      await new Promise((r) => setTimeout(r, paceMs));
    }
    const from = workers.map((w) => w.messages.length);
    for (const w of workers) w.send({ type: 'phaseEnd' });
    const done = await Promise.all(workers.map((w, i) => w.next('phaseDone', 10_000, from[i])));
    const sum: Record<string, number> = {};
    for (const d of done) for (const [k, v] of Object.entries(d['outcomes'] as Record<string, number>)) sum[k] = (sum[k] ?? 0) + v;
    return sum;
  }

  async function report(workers: Worker[]): Promise<Msg[]> {
    const from = workers.map((w) => w.messages.length);
    for (const w of workers) w.send({ type: 'report' });
    return Promise.all(workers.map((w, i) => w.next('report', 10_000, from[i])));
  }

  async function exit(workers: Worker[]): Promise<void> {
    for (const w of workers) w.send({ type: 'exit' });
    await Promise.all(workers.map((w) => new Promise<void>((r) => (w.exited ? r() : w.child.once('exit', () => r())))));
  }

  const poisoned = (tag: string, n = 10) => Array.from({ length: n }, (_, i) => `${tag}:${i}`);

  /** The relay-side span of each lease cycle's requests since `from`: first and last arrival, by worker and cycle. */
  function cycleSpans(from: number, workers: number[]): Array<{ key: string; first: number; last: number }> {
    const spans = new Map<string, { key: string; first: number; last: number }>();
    for (const r of cycleRequests) {
      if (r.at < from || !workers.includes(r.worker)) continue;
      const key = `${r.worker}:${r.cycle}`;
      const span = spans.get(key) ?? { key, first: r.at, last: r.at };
      span.first = Math.min(span.first, r.at);
      span.last = Math.max(span.last, r.at);
      spans.set(key, span);
    }
    return [...spans.values()].sort((a, b) => a.first - b.first);
  }

  const bounded = async (check: () => boolean, ms: number, what: string) => {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`${what} not within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('without a store each worker pays 3 failing requests per poisoned soul: 3·W·10 = 120', async (t) => {
    const workers = await ledgerFleet(false, 'nostore');
    failing = 0;
    // Three rounds: every worker reaches the threshold on every soul by itself.
    const out = await phase(workers, poisoned('solo'), 3, 10);
    await exit(workers);
    t.diagnostic(`failing requests without a store: ${failing}`);
    assert.equal(failing, 3 * W * 10);
    assert.equal(out['ok:written'], W * 3 * 10);
  });

  it('with RedisLedgerStore: ≤ 30 failing requests fleet-wide; a Redis kill and restart fails no call and the fleet converges again', async (t) => {
    const workers = await ledgerFleet(true, 'store');

    // Phase 1: Redis up.
    failing = 0;
    failingAt.clear();
    // Two rounds: in the first every worker meets every soul once; the second is all skips.
    const p1 = await phase(workers, poisoned('bad'), 2, 100);
    const phase1Failing = failing;
    t.diagnostic(`failing requests with the store (W=4, 10 poisoned souls): ${phase1Failing}`);
    assert.ok(phase1Failing <= 30, `${phase1Failing} failing requests reached the relay`);
    assert.equal(p1['ok:written'], W * 2 * 10, 'every healthy put was written');
    assert.equal(p1['bad:skipped'], W * 2 * 10 - phase1Failing, 'every other poisoned put was skipped');

    // Propagation: from the failing request that crossed the threshold to each worker applying it.
    const reports1 = await report(workers);
    let maxPropagation = 0;
    for (const r of reports1) {
      for (const a of r['applied'] as Array<{ soul: string; at: number }>) {
        const third = failingAt.get(a.soul)?.[2];
        if (third !== undefined && a.at >= third) maxPropagation = Math.max(maxPropagation, a.at - third);
      }
    }
    t.diagnostic(`propagation, threshold-crossing request to applied on another worker: max ${maxPropagation} ms`);
    for (const r of reports1) assert.deepEqual([...(r['quarantined'] as string[])].filter((s) => s.startsWith('bad:')).sort(), poisoned('bad').sort());

    // Junk on the change channel reaches every worker process: none may exit, all go on working.
    const publisher = new Redis({ host: redis.host, port: redis.port });
    for (const junk of ['null', '[1]', '{"t":"q","op":null}', 'x'.repeat(100_000)]) await publisher.publish('{store:ledger}:changes', junk);
    publisher.disconnect();
    let junkSeen: number[] = [];
    for (const deadline = Date.now() + 5_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
      junkSeen = (await report(workers)).map((r) => (r['stats'] as { junk: number }).junk);
      if (junkSeen.every((n) => n === 4)) break;
    }
    assert.ok(workers.every((w) => !w.exited), 'no worker exited on junk messages');
    assert.deepEqual(junkSeen, [4, 4, 4, 4], 'each worker counted the 4 junk messages');

    // Phase 2: Redis killed. Calls go on: healthy puts written, poisoned ones refused or skipped, nothing else.
    await redis.kill();
    failing = 0;
    const p2 = await phase(workers, poisoned('down', 5), 4, 5);
    assert.equal(p2['ok:written'], W * 4 * 5, 'no healthy call failed because Redis was down');
    assert.deepEqual(Object.keys(p2).sort(), ['bad:SOUL_REJECTED', 'bad:skipped', 'ok:written'].filter((k) => p2[k] !== undefined).sort());
    assert.ok(failing <= 3 * W * 5, 'each worker still quarantines locally');
    t.diagnostic(`failing requests while Redis was down (W=4, 5 souls): ${failing}`);

    // Phase 3: Redis restarted empty. The workers reload and reseed, and the fleet converges again.
    await redis.restart();
    const probe = new Redis({ host: redis.host, port: redis.port });
    const start = Date.now();
    // A put is keyed by its write (soul + digest of the body the workers send).
    const badKey = `{store:ledger}:e:3:put:${writeKey('bad:0', JSON.stringify({ soul: 'bad:0', data: { tags: 'poisoned' } }))}`;
    while ((await probe.exists(badKey)) === 0 && Date.now() - start < 10_000) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await probe.exists(badKey), 1, 'the workers reseeded their quarantine into the empty Redis');
    probe.disconnect();
    failing = 0;
    const p3 = await phase(workers, poisoned('late'), 2, 100);
    t.diagnostic(`failing requests after the restart (10 new poisoned souls): ${failing}`);
    assert.ok(failing <= 30, `${failing} failing requests after the restart`);
    assert.equal(p3['ok:written'], W * 2 * 10);
    const reports3 = await report(workers);
    for (const r of reports3) assert.ok((r['stats'] as { loads: number }).loads >= 2, 'reloaded after the reconnect');
    await exit(workers);
  });

  it('4 processes run one SyncLoop with a RedisLeaseStore: cycles never overlap, and a killed holder is replaced within one lease TTL', async (t) => {
    const leaseTtlMs = 800;
    const workers = Array.from({ length: W }, (_, i) => spawn(i, { MODE: 'lease', PREFIX: 'lease', LEASE_TTL_MS: String(leaseTtlMs) }));
    await Promise.all(workers.map((w) => w.next('ready')));
    const cycles = () => workers.flatMap((w) => w.messages.filter((m) => m.type === 'cycleEnd')) as Array<Msg & { worker: number; start: number; end: number }>;
    await bounded(() => cycles().length >= 8, 15_000, '8 cycles');

    // Kill the lease's holder (read from Redis), and check the lease is still its own once it is dead.
    const starts = () => workers.flatMap((w) => w.messages.filter((m) => m.type === 'cycleStart')) as Array<Msg & { worker: number; start: number }>;
    const probe = new Redis({ host: redis.host, port: redis.port });
    const key = 'lease:lease:sync';
    let victim: Worker | undefined;
    let killedAt = 0;
    let orphanedMs = 0;
    for (let attempt = 0; attempt < 3 && victim === undefined; attempt++) {
      let holder: string | null = null;
      const deadline = Date.now() + 5_000;
      while ((holder = await probe.get(key)) === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      assert.ok(holder !== null, 'someone holds the lease');
      const candidate = workers[Number(holder.slice('worker-'.length))]!;
      candidate.child.kill('SIGKILL');
      killedAt = Date.now();
      await new Promise<void>((r) => (candidate.exited ? r() : candidate.child.once('exit', () => r())));
      // A dead process cannot release: if the lease is still its own, it is orphaned until it expires.
      if ((await probe.get(key)) === holder) {
        victim = candidate;
        orphanedMs = await probe.pttl(key);
      }
    }
    probe.disconnect();
    assert.ok(victim !== undefined, 'killed a worker while it held the lease');
    const victimIndex = workers.indexOf(victim);
    await bounded(() => starts().some((s) => s.worker !== victimIndex && s.start > killedAt), 5_000, 'takeover');
    const takeover = starts().filter((s) => s.worker !== victimIndex && s.start > killedAt).sort((a, b) => a.start - b.start)[0]!;
    const takeoverMs = takeover.start - killedAt;
    t.diagnostic(`takeover after the holder was killed: ${takeoverMs} ms (lease TTL ${leaseTtlMs} ms, ${orphanedMs} ms of it left at the kill)`);
    assert.ok(takeoverMs <= leaseTtlMs + 400, `takeover took ${takeoverMs} ms`);
    assert.ok(takeoverMs >= orphanedMs - 50, 'nobody took the lease before the dead holder\'s TTL ran out');

    await bounded(() => cycles().filter((c) => c.start > killedAt).length >= 4, 10_000, '4 cycles after the takeover');
    await exit(workers.filter((w) => w !== victim && !w.exited));
    const all = cycles().sort((a, b) => a.start - b.start);
    for (let i = 1; i < all.length; i++) {
      assert.ok(all[i]!.start >= all[i - 1]!.end, `cycle of worker ${all[i]!.worker} started before worker ${all[i - 1]!.worker}'s ended`);
    }
    const holders = new Set(all.map((c) => c.worker));
    t.diagnostic(`${all.length} cycles by workers ${[...holders].join(', ')} (${all.filter((c) => c.aborted).length} aborted by the loop), none overlapping`);
    assert.ok(holders.size >= 2, 'the lease moved to another process');
  });

  it('3 processes with a 400 ms interval run one cycle per interval in all, not one each: the fleet rests an interval after every cycle', async (t) => {
    const workers = Array.from({ length: 3 }, (_, i) => spawn(i, { MODE: 'lease', PREFIX: 'rest', INTERVAL_MS: '400', RUN_MS: '40', LEASE_TTL_MS: '800' }));
    await Promise.all(workers.map((w) => w.next('ready')));
    const ends = () => workers.flatMap((w) => w.messages.filter((m) => m.type === 'cycleEnd')) as Array<Msg & { worker: number; start: number; end: number }>;
    await bounded(() => ends().length >= 1, 10_000, 'a first cycle'); // after the fresh store's fence (one TTL)
    const from = Date.now();
    await sleep(4_000);
    const window = ends().filter((c) => c.start >= from && c.end <= Date.now());
    await exit(workers);
    const all = ends().sort((a, b) => a.start - b.start);
    const gaps = all.slice(1).map((c, i) => c.start - all[i]!.end);
    t.diagnostic(`${window.length} cycles in 4 s by workers ${[...new Set(window.map((c) => c.worker))].join(', ')}; gaps end→next start ${Math.min(...gaps)}–${Math.max(...gaps)} ms`);
    assert.ok(window.length >= 5 && window.length <= 11, `${window.length} cycles in 4 s at a 400 ms interval (one worker alone: ~9; three unrested: ~27)`);
    // The rest is 400 − 40 ms, counted in Redis from the release; the next start is measured by another process.
    for (const gap of gaps) assert.ok(gap >= 340, `a cycle started ${gap} ms after the last ended`);
  });

  it('Redis restarted empty while a holder runs its cycle: no request of that cycle reaches the relay once another cycle has started, and fencing tokens keep growing', async (t) => {
    const env = { MODE: 'lease', PREFIX: 'restart', INTERVAL_MS: '50', RUN_MS: '1500', CYCLE_TIMEOUT_MS: '1700', LEASE_TTL_MS: '2000' };
    const workers = Array.from({ length: 2 }, (_, i) => spawn(20 + i, env));
    await Promise.all(workers.map((w) => w.next('ready')));
    type Start = Msg & { worker: number; number: number; start: number; token?: number };
    const starts = () => workers.flatMap((w) => w.messages.filter((m) => m.type === 'cycleStart')) as Start[];
    const from = Date.now();
    await bounded(() => starts().length >= 1, 10_000, 'a first cycle');
    const first = starts()[0]!;
    // The holder's cycle is sending (1.5 s of puts, the lease extended every TTL / 3) when Redis loses everything.
    await bounded(() => cycleRequests.filter((r) => r.worker === first.worker && r.cycle === first.number).length >= 5, 5_000, 'the holder sending');
    const tokensBefore = starts().map((s) => s.token!);
    await redis.kill();
    await redis.restart();
    const restartedAt = Date.now();
    // The next two cycles (by either worker), each granted by the emptied Redis.
    const later = () => starts().filter((s) => s.start > restartedAt).sort((a, b) => a.start - b.start);
    await bounded(() => later().length >= 2, 10_000, 'two cycles after the restart');
    await sleep(100);
    await exit(workers);
    const next = later()[0]!;
    const old = cycleRequests.filter((r) => r.worker === first.worker && r.cycle === first.number);
    const late = old.filter((r) => r.at >= next.start);
    const lastOld = Math.max(...old.map((r) => r.at));
    t.diagnostic(
      `old cycle ${first.worker}:${first.number}: ${old.length} requests, last ${lastOld - restartedAt} ms after the restart; next cycle ${next.worker}:${next.number} began ${next.start - restartedAt} ms after it; tokens ${tokensBefore.join(', ')} → ${later().map((s) => s.token).join(', ')}`,
    );
    assert.equal(late.length, 0, `${late.length} requests of the old cycle arrived after cycle ${next.worker}:${next.number} started`);
    for (const s of later()) assert.ok(s.token !== undefined && s.token > Math.max(...tokensBefore), `token ${s.token} after the restart is above every token before (${tokensBefore.join(', ')})`);
    const tokens = starts().sort((a, b) => a.start - b.start).map((s) => s.token!);
    assert.deepEqual(tokens, [...tokens].sort((a, b) => a - b), 'tokens grow with every grant');
    assert.equal(new Set(tokens).size, tokens.length, 'no token is handed out twice');
    const spans = cycleSpans(from, [20, 21]);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i]!.first > spans[i - 1]!.last, `cycle ${spans[i]!.key}'s requests began before ${spans[i - 1]!.key}'s ended`);
  });

  it('a holder paused past its lease TTL (SIGSTOP, then SIGCONT) sends no request of its old cycle once resumed; no two cycles interleave at the relay', async (t) => {
    const env = { MODE: 'lease', PREFIX: 'pause', INTERVAL_MS: '50', RUN_MS: '450', CYCLE_TIMEOUT_MS: '500', LEASE_TTL_MS: '600' };
    const workers = Array.from({ length: 2 }, (_, i) => spawn(10 + i, env));
    await Promise.all(workers.map((w) => w.next('ready')));
    const starts = () => workers.flatMap((w) => w.messages.filter((m) => m.type === 'cycleStart')) as Array<Msg & { worker: number; number: number; start: number }>;
    const from = Date.now();
    await bounded(() => starts().length >= 1, 10_000, 'a first cycle');
    const first = starts()[0]!;
    const holder = workers[first.worker - 10]!;
    const other = workers.find((w) => w !== holder)!;
    await bounded(() => cycleRequests.some((r) => r.worker === first.worker && r.cycle === first.number), 5_000, 'the holder sending');
    await sleep(60);
    holder.child.kill('SIGSTOP');
    const stoppedAt = Date.now();
    await bounded(() => starts().some((s) => s.worker !== first.worker && s.start > stoppedAt), 5_000, 'the other worker took over');
    await sleep(200); // the new holder's cycle is sending
    holder.child.kill('SIGCONT');
    const resumedAt = Date.now();
    await sleep(600);
    await exit(workers);
    const late = cycleRequests.filter((r) => r.worker === first.worker && r.cycle === first.number && r.at >= resumedAt);
    const spans = cycleSpans(from, [10, 11]);
    t.diagnostic(`paused ${resumedAt - stoppedAt} ms (TTL 600); requests of the paused cycle after SIGCONT: ${late.length}; cycles at the relay: ${spans.length}`);
    assert.equal(late.length, 0, 'the resumed holder sent nothing more of its lapsed cycle');
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i]!.first > spans[i - 1]!.last, `cycle ${spans[i]!.key}'s requests began before ${spans[i - 1]!.key}'s ended`);
    void other;
  });
});
