import { GunRelayClient } from '../../client/GunRelayClient.js';
import { SafeEmitter } from '../../client/SafeEmitter.js';
import { INSPECT, inspectSummary } from '../../client/redactedView.js';
import type { InspectOptions } from 'node:util';
import { epochNow } from '../../clock.js';
import { GunRelayError, redactUrl } from '../../errors.js';
import type { BreakerState } from '../../events.js';
import type { QuarantinedSoul } from '../../ledger/FailureLedger.js';
import type { ServeStatusOptions, StatusServer } from '../../status/serveStatus.js';
import { SyncLoop } from '../../sync/SyncLoop.js';
import type { Cycle, CycleReport, SyncLoopHealth, SyncLoopStatus } from '../../sync/types.js';
import { REGISTRY_ROOT } from '../registrySouls.js';
import { applyDeletions } from './applyDeletions.js';
import { PeerSide, WorkerCaches, type CycleContext } from './context.js';
import { copyRecords } from './copyRecords.js';
import type { OipSyncWorkerEvents } from './events.js';
import { readIndexes } from './indexReads.js';
import { relayEntryOf, resolveOipSyncWorkerOptions, type OipRelayInput, type OipSyncWorkerOptions, type ResolvedOipSyncWorkerOptions } from './options.js';
import { CycleTally, describePeerError, type OipSyncCycleReport } from './report.js';

/** `health()`: the loop's health, judged against its interval, plus the peers' state in the last cycle. */
export interface OipSyncWorkerHealth extends Omit<SyncLoopHealth, 'status'> {
  /** The loop's status, `degraded` also when a peer failed in the last cycle. */
  status: SyncLoopStatus;
  /** Each peer's state in the last cycle that reached it. */
  peers: Array<{ peer: string; ok: boolean; error?: { code: string | undefined; message: string } | undefined }>;
  /** Souls the local relay's failure ledger skips now (hook failures included). */
  quarantinedSouls: number;
}

/** A relay the worker uses, and its breaker's state. */
export interface OipRelayState {
  role: 'local' | 'peer';
  /** URL, credentials removed. */
  relay: string;
  breaker: BreakerState;
}

/** A soul a failure ledger skips, with the side whose ledger holds it. */
export type OipQuarantinedSoul = QuarantinedSoul & { side: 'local' | 'peer'; relay: string };

/**
 * The OIP sync worker: copies the records peers list in their registry indexes into the local
 * relay, registers them, and applies the peers' deletions, in cycles that never overlap (a
 * `SyncLoop`). Indexes are kept across cycles and re-read within a budget (see `snapshots`), so a
 * cycle at steady state sends no more requests than the indexer's `GunSyncService`. Reports say
 * per peer and per type what each cycle read, copied, deleted and skipped, and why.
 */
export class OipSyncWorker {
  /** The options after validation and defaults. */
  readonly options: ResolvedOipSyncWorkerOptions;
  private readonly events = new SafeEmitter<OipSyncWorkerEvents>();
  private readonly loop: SyncLoop<CycleTally>;
  private readonly local: GunRelayClient;
  private readonly caches: WorkerCaches;
  private readonly owned: GunRelayClient[] = [];
  private readonly ring: OipSyncCycleReport[] = [];
  private readonly tallies = new Map<number, CycleTally>();
  private announced = false;
  private closed = false;

  /** Validates `options` (throws `INVALID_OPTIONS` naming the field) and creates the clients it is not given. Nothing is sent before a cycle. */
  constructor(options: OipSyncWorkerOptions) {
    this.options = resolveOipSyncWorkerOptions(options);
    const o = this.options;
    const inFlight = Math.max(16, o.concurrency, o.recordTypes.length + 1);
    const client = (input: OipRelayInput, field: string, extra: object): GunRelayClient => {
      try {
        const created = new GunRelayClient({ maxInFlight: inFlight, ...o.clientOptions, ...extra, baseUrl: [relayEntryOf(input)], clock: o.clock });
        this.owned.push(created);
        return created;
      } catch (error) {
        for (const c of this.owned) c.close();
        // Only a URL error is about `field`; any other (a header in `clientOptions`, ...) keeps its own field.
        if (error instanceof GunRelayError && /^baseUrl\b/.test(error.field ?? 'baseUrl')) {
          throw new GunRelayError('INVALID_OPTIONS', error.message.replace(/^Invalid option "?baseUrl(\[0\])?(\.url)?"?/, `Invalid OipSyncWorker option "${field}"`), { field });
        }
        throw error;
      }
    };
    this.local = client(o.local, 'local', { ...o.localClientOptions, ...(o.ledgerStore ? { ledgerStore: o.ledgerStore } : {}) });
    const peers = o.peers.map((input, i) => {
      const c = client(input, `peers[${i}]`, {});
      return new PeerSide(c, labelOf(input), i);
    });
    this.caches = new WorkerCaches(this.local, peers, o);
    this.loop = new SyncLoop<CycleTally>({
      name: o.name,
      client: this.local,
      intervalMs: o.intervalMs,
      cycleTimeoutMs: o.cycleTimeoutMs,
      jitter: o.intervalJitter,
      random: o.random,
      clock: o.clock,
      run: (cycle) => this.runCycle(cycle),
      ...(o.lease ? { lease: o.lease } : {}),
      ...(o.holder ? { holder: o.holder } : {}),
    });
    this.loop.on('cycleStart', (e) => this.events.emit('cycleStart', e));
    this.loop.on('cycle', (r) => this.finish(r));
  }

  /** Subscribes to an event (`cycleStart`, `cycle`, `progress`, `hookFailed`, `listenerError`); returns a function that unsubscribes. */
  on<E extends keyof OipSyncWorkerEvents>(event: E, listener: OipSyncWorkerEvents[E]): () => void {
    return this.events.on(event, listener);
  }

  /** Subscribes for one event; returns a function that unsubscribes. */
  once<E extends keyof OipSyncWorkerEvents>(event: E, listener: OipSyncWorkerEvents[E]): () => void {
    return this.events.once(event, listener);
  }

  /** Removes a listener. */
  off<E extends keyof OipSyncWorkerEvents>(event: E, listener: OipSyncWorkerEvents[E]): void {
    this.events.off(event, listener);
  }

  /** Starts cycling: a cycle now, then one `intervalMs` after each end. Idempotent. */
  start(): void {
    this.assertOpen('start');
    this.loop.start();
  }

  /** Runs one cycle now (or joins the running one) and resolves its report. Never rejects for a failed cycle: see `outcome`. */
  async runOnce(): Promise<OipSyncCycleReport> {
    this.assertOpen('runOnce');
    const report = await this.loop.trigger();
    return this.ring.find((r) => r.number === report.number) ?? this.toReport(report);
  }

  /** Stops scheduling; waits for a running cycle (`drain`, default) at most `timeoutMs`, or aborts it. */
  stop(options: { drain?: boolean; timeoutMs?: number } = {}): Promise<void> {
    return this.loop.stop(options);
  }

  /** Stops (draining) and closes the worker's clients. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.loop.stop();
    for (const c of this.owned) c.close();
    this.events.removeAll();
  }

  /** True while a cycle runs. */
  get isRunning(): boolean {
    return this.loop.isRunning;
  }

  /**
   * The loop's health (judged against its interval), `degraded` when a peer failed in the last
   * cycle. A cycle that could read no peer ends `failed` (`PEERS_UNREADABLE`), so health is
   * `failing` (not healthy) until a cycle succeeds, or `degraded` after an earlier success.
   */
  health(): OipSyncWorkerHealth {
    const loop = this.loop.health();
    const last = this.ring[this.ring.length - 1];
    const peers = this.caches.peers.map((side) => {
      const error = last?.peers[side.position]?.error;
      return { peer: side.label, ok: last !== undefined && error === undefined, ...(error ? { error } : {}) };
    });
    const failing = last?.outcome === 'ok' ? peers.filter((p) => p.error) : [];
    const reasons = [...loop.reasons];
    let status = loop.status;
    if (failing.length > 0) {
      if (status === 'ok') status = 'degraded';
      reasons.unshift(...failing.map((p) => `peer ${p.peer} failed in cycle ${last!.number}: ${p.error!.message}`));
    }
    return { ...loop, status, reasons, peers, quarantinedSouls: this.local.stats().quarantinedSouls };
  }

  /** The most recent cycle reports, oldest first (at most `keepCycles`). Copies. */
  recentCycles(): OipSyncCycleReport[] {
    return this.ring.map((r) => structuredClone(r));
  }

  /** The last cycle's report, if a cycle finished. */
  lastCycle(): OipSyncCycleReport | undefined {
    const last = this.ring[this.ring.length - 1];
    return last && structuredClone(last);
  }

  /** Souls skipped by the local and the peers' failure ledgers, with their reasons (`lastCode`, `lastReason`). */
  quarantined(): OipQuarantinedSoul[] {
    const local = this.local.quarantined().map((q) => ({ ...q, side: 'local' as const, relay: labelOf(this.options.local) }));
    const peers = this.caches.peers.flatMap((p) => p.client.quarantined().map((q) => ({ ...q, side: 'peer' as const, relay: p.label })));
    return [...local, ...peers];
  }

  /** Each relay the worker uses, and its breaker's state. */
  relays(): OipRelayState[] {
    const of = (client: GunRelayClient, role: 'local' | 'peer'): OipRelayState[] =>
      Object.entries(client.stats().breakers).map(([relay, breaker]) => ({ role, relay, breaker }));
    return [...of(this.local, 'local'), ...this.caches.peers.flatMap((p) => of(p.client, 'peer'))];
  }

  /**
   * Serves this worker's status, read-only, on 127.0.0.1 unless told otherwise: `/healthz`,
   * `/metrics` and the `/status` page (see `serveStatus` in `gun-relay-client/status`, loaded only here).
   */
  async serve(options?: ServeStatusOptions): Promise<StatusServer> {
    return (await import('gun-relay-client/status')).serveStatus(this, options);
  }

  /**
   * A small summary for logs: its name, the relays (credentials removed), whether it is running.
   * `JSON.stringify(worker)` gives this, never `options` (whose URLs and headers may hold secrets).
   */
  toJSON(): { worker: 'OipSyncWorker'; name: string; local: string; peers: string[]; running: boolean; closed: boolean } {
    return { worker: 'OipSyncWorker', name: this.options.name, local: labelOf(this.options.local), peers: this.caches.peers.map((p) => p.label), running: this.isRunning, closed: this.closed };
  }

  /** What `util.inspect(worker)` shows: the same summary as `toJSON()`. */
  [INSPECT](_depth: number, options: InspectOptions): string {
    const { worker: _, ...summary } = this.toJSON();
    return inspectSummary('OipSyncWorker', summary, options);
  }

  /** The worker's client of the local relay (for reads of your own, `stats()`, `forgive()`, ...). */
  get localClient(): GunRelayClient {
    return this.local;
  }

  private async runCycle(cycle: Cycle): Promise<CycleTally> {
    const tally = new CycleTally(this.caches.peers.map((p) => p.label), this.options.recordTypes);
    this.tallies.set(cycle.number, tally);
    const ctx: CycleContext = {
      cycle,
      caches: this.caches,
      options: this.options,
      events: this.events,
      tally,
      local: cycle.client,
      peers: this.caches.peers.map((p) => cycle.view(p.client)),
      peerErrors: new Map(),
      localUnreadable: new Set(),
      rereadBudget: 0,
    };
    if (!this.announced) {
      // The node's registry entry, written once. (A refusal needs no write before it to count: it
      // counts once the relay accepts another soul's write after it; docs/deployments.md, attribution.)
      await ctx.local.put(`${REGISTRY_ROOT}:nodes:${this.options.nodeId}`, { nodeId: this.options.nodeId, startedAt: epochNow(this.options.clock) }, { signal: cycle.signal });
      this.announced = true;
    }
    await readIndexes(ctx);
    await copyRecords(ctx);
    await applyDeletions(ctx);
    for (const [p, error] of ctx.peerErrors) tally.peers[p]!.error = describePeerError(error, p);
    // A cycle that could read no peer did not sync anything: it fails (health and /healthz say so).
    if (ctx.peerErrors.size > 0 && ctx.peerErrors.size === this.caches.peers.length) throw unreadablePeers(tally);
    return tally;
  }

  private finish(report: CycleReport<CycleTally>): void {
    const full = this.toReport(report);
    this.tallies.delete(report.number);
    this.ring.push(full);
    if (this.ring.length > this.options.keepCycles) this.ring.shift();
    this.events.emit('cycle', full);
  }

  private toReport(report: CycleReport<CycleTally>): OipSyncCycleReport {
    const tally = report.result ?? this.tallies.get(report.number) ?? new CycleTally(this.caches.peers.map((p) => p.label), this.options.recordTypes);
    return {
      number: report.number,
      startedAt: report.startedAt,
      durationMs: report.durationMs,
      outcome: report.outcome,
      ...(report.error ? { error: report.error } : {}),
      requests: report.requests,
      indexReads: tally.indexReads,
      misses: report.misses,
      failures: report.failures,
      retries: report.retries,
      skippedCalls: report.skipped,
      peers: tally.peers,
      deletions: tally.deletions,
      totals: tally.totals(),
      problems: tally.problems,
      problemsDropped: tally.problemsDropped,
      indexFailures: tally.indexFailures,
    };
  }

  private assertOpen(method: string): void {
    if (this.closed) throw new GunRelayError('CLIENT_CLOSED', `OipSyncWorker.${method}: the worker is closed`, {});
  }
}

/** The error a cycle fails with when no peer could be read: names each peer (credentials removed) and why. */
function unreadablePeers(tally: CycleTally): Error {
  const each = tally.peers.map((p) => {
    const why = p.error ? `${p.error.code ? `${p.error.code}: ` : ''}${p.error.message}` : 'failed';
    return `peer ${p.peer} (${why.length > 200 ? `${why.slice(0, 200)}…` : why})`;
  });
  const what = tally.peers.length === 1 ? 'the only peer' : `none of the ${tally.peers.length} peers`;
  return Object.assign(new Error(`no peer could be read this cycle (${what} answered): ${each.join('; ')}`), { code: 'PEERS_UNREADABLE' });
}

function labelOf(input: OipRelayInput): string {
  return redactUrl(relayEntryOf(input).url);
}
