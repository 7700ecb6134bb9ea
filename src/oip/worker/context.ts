import type { GunRelayClient } from '../../client/GunRelayClient.js';
import type { SafeEmitter } from '../../client/SafeEmitter.js';
import type { Cycle } from '../../sync/types.js';
import { isGunRelayError } from '../../errors.js';
import { DeletionRegistry } from '../DeletionRegistry.js';
import { IndexSnapshot } from '../snapshot/IndexSnapshot.js';
import { registryIndexSoul } from '../registrySouls.js';
import type { ResolvedOipSyncWorkerOptions } from './options.js';
import { RefreshPlan } from './RefreshPlan.js';
import type { CycleTally } from './report.js';
import type { OipSyncWorkerEvents } from './events.js';

/** One peer and what the worker keeps of it across cycles. */
export class PeerSide {
  /** The peer's type indexes, read once and kept (a found one is read every cycle). */
  readonly indexes = new Map<string, IndexSnapshot>();
  readonly deletions: DeletionRegistry;
  /** Souls its indexes list that it did not have when read: clock time each is read again. */
  readonly absentUntil = new Map<string, number>();
  /** True when the last read of its deletion index found entries (a peer that never deleted has none). */
  deletionsFound = false;

  constructor(
    readonly client: GunRelayClient,
    /** The peer's URL, credentials removed. */
    readonly label: string,
    /** Its position in `peers`, for keys and reports. */
    readonly position: number,
  ) {
    this.deletions = new DeletionRegistry(client);
  }

  index(type: string): IndexSnapshot {
    let s = this.indexes.get(type);
    if (!s) this.indexes.set(type, (s = new IndexSnapshot(this.client, registryIndexSoul(type))));
    return s;
  }

  /** True when any read found its index of `type`. */
  has(type: string): boolean {
    return this.indexes.get(type)?.exists === true;
  }
}

/** What the worker keeps across cycles: the peers' and the local indexes, and when each is read again. */
export class WorkerCaches {
  readonly localIndexes = new Map<string, IndexSnapshot>();
  readonly localDeletions: DeletionRegistry;
  readonly plan: RefreshPlan;

  constructor(
    readonly local: GunRelayClient,
    readonly peers: readonly PeerSide[],
    options: Pick<ResolvedOipSyncWorkerOptions, 'clock' | 'random' | 'snapshots'>,
  ) {
    this.localDeletions = new DeletionRegistry(local);
    this.plan = new RefreshPlan({ clock: options.clock, random: options.random, jitter: options.snapshots.jitter });
  }

  localIndex(type: string): IndexSnapshot {
    let s = this.localIndexes.get(type);
    if (!s) this.localIndexes.set(type, (s = new IndexSnapshot(this.local, registryIndexSoul(type))));
    return s;
  }
}

/** One cycle's working set: the cycle's views of the clients, its tally, and what failed so far. */
export interface CycleContext {
  readonly cycle: Cycle;
  readonly caches: WorkerCaches;
  readonly options: ResolvedOipSyncWorkerOptions;
  readonly events: SafeEmitter<OipSyncWorkerEvents>;
  readonly tally: CycleTally;
  /** The local relay through the cycle. */
  readonly local: GunRelayClient;
  /** Each peer through the cycle, by position. */
  readonly peers: readonly GunRelayClient[];
  /** A peer's relay-level failure this cycle: its remaining work waits for the next. */
  readonly peerErrors: Map<number, unknown>;
  /** Types whose local index could not be read this cycle (nothing of them is copied). */
  readonly localUnreadable: Set<string>;
  /** Re-reads this cycle may still send (index re-reads spent first, then re-reads of records a peer lacked). */
  rereadBudget: number;
}

/**
 * True for an error that is the relay's (or the transport's), not one soul's. An
 * `UNCONFIRMED_MISS` is about one soul on a relay that answers: that soul's read failed, not the relay.
 */
export function isRelayLevel(error: unknown): boolean {
  return !isGunRelayError(error) || (error.scope === 'relay' && error.code !== 'UNCONFIRMED_MISS');
}

/** Runs `fn` over `items`, at most `limit` at a time. */
export async function eachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const run = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
}
