import { DELETED_INDEX_SOUL, registryIndexSoul } from '../registrySouls.js';
import { eachLimit, isRelayLevel, type CycleContext } from './context.js';

/** One planned index read. */
interface PlannedRead {
  key: string;
  /** Runs the read; `position` spreads the next reads of a batch read together. */
  run: (position: { index: number; count: number }) => Promise<void>;
}

/** Key of the local deletion index in the refresh plan, and in `localUnreadable` when its read failed. */
export const LOCAL_DELETIONS = '(deletions)';

/**
 * Reads the indexes this cycle needs, all of a batch at once (a never-written index costs its
 * relay 3 s: a batch pays that once, not once per index). Every cycle: the indexes each peer has
 * (type indexes, its deletion index). First reads: any index never read. Re-reads of cached
 * indexes (a peer's missing ones, the local ones) when due, within the cycle's budget, overdue
 * longest first; what the budget leaves is `ctx.rereadBudget`.
 */
export async function readIndexes(ctx: CycleContext): Promise<void> {
  const { caches, options, tally } = ctx;
  const { plan } = caches;
  const signal = ctx.cycle.signal;
  const types = options.recordTypes;
  const { missingTtlMs, localTtlMs } = options.snapshots;
  const budget = options.snapshots.maxIndexReadsPerCycle ?? types.length * caches.peers.length;

  const every: PlannedRead[] = [];
  const first: PlannedRead[] = [];
  const cached = new Map<string, PlannedRead>();

  for (const peer of caches.peers) {
    const p = peer.position;
    const deletionsKey = `peer:${p}:(deletions)`;
    const deletions: PlannedRead = {
      key: deletionsKey,
      run: async (position) => {
        if (ctx.peerErrors.has(p)) return;
        tally.indexReads++;
        try {
          await peer.deletions.refresh({ via: ctx.peers[p], signal });
          tally.peers[p]!.deletionsListed = peer.deletions.deleted().length;
          peer.deletionsFound = tally.peers[p]!.deletionsListed > 0;
          tally.peers[p]!.deletionIndex = peer.deletionsFound ? 'found' : 'missing';
          plan.read(deletionsKey, missingTtlMs, position);
        } catch (error) {
          if (signal.aborted) throw error;
          tally.peers[p]!.deletionIndex = 'failed';
          if (isRelayLevel(error)) ctx.peerErrors.set(p, error);
          else tally.indexFailed(p, DELETED_INDEX_SOUL, undefined, error);
        }
      },
    };
    // A deletion index with entries is read every cycle; one the peer does not have (it never
    // deleted anything) is re-checked as a missing type index is.
    if (plan.isNew(deletionsKey)) first.push(deletions);
    else if (peer.deletionsFound) every.push(deletions);
    else cached.set(deletionsKey, deletions);
    for (const type of types) {
      const key = `peer:${p}:${type}`;
      const read: PlannedRead = {
        key,
        run: async (position) => {
          const report = tally.type(p, type);
          if (ctx.peerErrors.has(p)) {
            report.index = 'failed';
            return;
          }
          tally.indexReads++;
          const snapshot = peer.index(type);
          try {
            await snapshot.refresh({ via: ctx.peers[p], signal });
            report.index = snapshot.exists ? 'found' : 'missing';
            plan.read(key, missingTtlMs, position);
          } catch (error) {
            if (signal.aborted) throw error;
            report.index = 'failed';
            if (isRelayLevel(error)) ctx.peerErrors.set(p, error);
            else tally.indexFailed(p, snapshot.soul, type, error);
          }
        },
      };
      if (plan.isNew(key)) first.push(read);
      else if (peer.has(type)) every.push(read);
      else cached.set(key, read);
    }
  }

  const localRead = (type: string): PlannedRead => {
    const key = type === LOCAL_DELETIONS ? 'local:(deletions)' : `local:${type}`;
    return {
      key,
      run: async (position) => {
        tally.indexReads++;
        try {
          if (type === LOCAL_DELETIONS) await caches.localDeletions.refresh({ via: ctx.local, signal });
          else await caches.localIndex(type).refresh({ via: ctx.local, signal });
          plan.read(key, localTtlMs, position);
        } catch (error) {
          if (signal.aborted || isRelayLevel(error)) throw error;
          ctx.localUnreadable.add(type);
          if (type === LOCAL_DELETIONS) tally.indexFailed(undefined, DELETED_INDEX_SOUL, undefined, error);
          else tally.indexFailed(undefined, registryIndexSoul(type), type, error);
        }
      },
    };
  };
  // The local indexes of the types some peer has (as of earlier cycles), and the local deletion index.
  for (const type of [LOCAL_DELETIONS, ...types.filter((t) => caches.peers.some((peer) => peer.has(t)))]) {
    const read = localRead(type);
    if (plan.isNew(read.key)) first.push(read);
    else cached.set(read.key, read);
  }

  const fixed = every.length + first.length;
  // At least one re-read per cycle, so no cached index waits forever when the fixed reads fill the budget.
  const chosen = plan.choose(cached.keys(), Math.max(1, budget - fixed)).map((key) => cached.get(key)!);
  ctx.rereadBudget = Math.max(0, budget - fixed - chosen.length);
  const batch = [...every, ...first, ...chosen];
  await runBatch(ctx, batch, batch.length);

  // The local indexes of types a peer has for the first time: read once before copying into them.
  const fresh = types.filter((t) => caches.peers.some((peer) => peer.has(t)) && plan.isNew(`local:${t}`)).map(localRead);
  await runBatch(ctx, fresh, batch.length + fresh.length);
  ctx.rereadBudget = Math.max(0, ctx.rereadBudget - fresh.length);
}

async function runBatch(ctx: CycleContext, reads: PlannedRead[], total: number): Promise<void> {
  let done = total - reads.length;
  await eachLimit(
    reads.map((read, index) => ({ read, index })),
    Math.max(1, reads.length),
    async ({ read, index }) => {
      await read.run({ index, count: reads.length });
      ctx.events.emit('progress', { cycle: ctx.cycle.number, phase: 'indexes', done: ++done, total });
    },
  );
}
