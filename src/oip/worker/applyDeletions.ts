import { epochNow } from '../../clock.js';
import { fromDid } from '../did.js';
import { eachLimit, isRelayLevel, type CycleContext } from './context.js';
import { hookFailed } from './copyRecords.js';
import { LOCAL_DELETIONS } from './indexReads.js';

/** The keys of a record node as `putRecord` writes it. */
const RECORD_KEYS = ['data', 'oip', 'meta'];

/**
 * Applies the peers' deletions the local deletion registry does not have yet: the record and its
 * `meta` child are tombstoned and its local index entries removed, `onDeleted` is called, then the
 * deletion is mirrored into the local registry. A deletion whose hook failed is not mirrored, so
 * the next cycle calls the hook again, until the ledger quarantines it for the hook.
 */
export async function applyDeletions(ctx: CycleContext): Promise<void> {
  const { caches, tally, options, cycle, local } = ctx;
  if (ctx.localUnreadable.has(LOCAL_DELETIONS)) return;
  const { signal } = cycle;
  const pending = new Map<string, number>();
  for (const peer of caches.peers) {
    if (tally.peers[peer.position]!.deletionIndex === 'failed') continue;
    for (const did of peer.deletions.deleted()) if (!caches.localDeletions.isDeleted(did) && !pending.has(did)) pending.set(did, peer.position);
  }
  tally.deletions.pending = pending.size;
  let done = 0;
  await eachLimit([...pending], options.concurrency, async ([did, p]) => {
    const soul = fromDid(did);
    try {
      if (options.onDeleted && local.isQuarantined('onDeleted', soul)) return tally.skip(p, undefined, soul, 'hookQuarantined');
      const held = options.recordTypes.filter((type) => caches.localIndexes.get(type)?.has(soul));
      if (held.length > 0) {
        // The record's keys are known (it was written as a record): one request, no read first.
        const removed = await local.delete(soul, { keys: RECORD_KEYS, signal });
        await local.delete(`${soul}/meta`, { signal });
        for (const type of held) {
          await caches.localIndex(type).remove(soul, { via: local, signal });
          tally.type(p, type).deleted++;
        }
        if (removed.outcome === 'deleted') tally.deletions.applied++;
      }
      if (options.onDeleted) {
        try {
          await options.onDeleted({ soul, did, recordTypes: held, peer: tally.peers[p]!.peer, cycle: cycle.number, signal });
        } catch (error) {
          if (signal.aborted) throw error;
          hookFailed(ctx, 'onDeleted', soul, error);
          return tally.skip(p, undefined, soul, 'hookFailed', error);
        }
        local.recordSuccess('onDeleted', soul);
      }
      await caches.localDeletions.markDeleted(did, `sync:${options.nodeId}`, { via: local, signal, at: epochNow(options.clock) });
      tally.deletions.mirrored++;
    } catch (error) {
      if (signal.aborted || isRelayLevel(error)) throw error;
      tally.skip(p, undefined, soul, 'refused', error);
    } finally {
      ctx.events.emit('progress', { cycle: cycle.number, phase: 'deletions', done: ++done, total: pending.size });
    }
  });
}
