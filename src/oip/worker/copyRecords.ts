import { epochNow } from '../../clock.js';
import { registryNodeSoul } from '../registrySouls.js';
import { eachLimit, isRelayLevel, type CycleContext, type PeerSide } from './context.js';
import { hookFailureCode } from './hooks.js';
import { describeError } from './report.js';

/** A record a peer lists that the local relay lacks. */
interface Candidate {
  type: string;
  soul: string;
}

/**
 * Copies what each peer lists and the local relay lacks, peer by peer (a record two peers list is
 * copied once). Per record: read it from the peer, write it locally, hand it to `onCopied`, then
 * register it (node registry entry, single-field type index write). A record whose hook failed is
 * not registered, so the next cycle tries it again, until the ledger quarantines it for the hook.
 */
export async function copyRecords(ctx: CycleContext): Promise<void> {
  const claimed = new Set<string>();
  for (const peer of ctx.caches.peers) {
    if (ctx.peerErrors.has(peer.position)) continue;
    await copyFrom(ctx, peer, candidatesOf(ctx, peer, claimed));
  }
}

function candidatesOf(ctx: CycleContext, peer: PeerSide, claimed: Set<string>): Candidate[] {
  const { caches, options, tally } = ctx;
  const p = peer.position;
  const candidates: Candidate[] = [];
  const now = options.clock.now();
  for (const type of options.recordTypes) {
    if (!peer.has(type) || ctx.localUnreadable.has(type)) continue;
    const report = tally.type(p, type);
    const local = caches.localIndex(type);
    for (const soul of peer.index(type).keys()) {
      report.entries++;
      if (peer.deletions.isDeleted(soul)) tally.skip(p, type, soul, 'deleted');
      else if (local.has(soul) || claimed.has(soul)) report.present++;
      else if (caches.localDeletions.isDeleted(soul)) tally.skip(p, type, soul, 'deletedLocally');
      else if (ctx.local.isQuarantined('put', soul)) tally.skip(p, type, soul, 'quarantined');
      else if (options.onCopied && ctx.local.isQuarantined('onCopied', soul)) tally.skip(p, type, soul, 'hookQuarantined');
      else if (peer.absentUntil.has(soul) && (peer.absentUntil.get(soul)! > now || ctx.rereadBudget <= 0)) tally.skip(p, type, soul, 'absent');
      else {
        if (peer.absentUntil.has(soul)) ctx.rereadBudget--;
        claimed.add(soul);
        candidates.push({ type, soul });
      }
    }
  }
  return candidates;
}

async function copyFrom(ctx: CycleContext, peer: PeerSide, candidates: Candidate[]): Promise<void> {
  const { tally, options, cycle } = ctx;
  const p = peer.position;
  let done = 0;
  const progress = (): void => ctx.events.emit('progress', { cycle: cycle.number, phase: 'copy', done: ++done, total: candidates.length });
  await eachLimit(candidates, options.concurrency, async ({ type, soul }) => {
    if (ctx.peerErrors.has(p)) tally.skip(p, type, soul, 'peerUnavailable');
    else await copyOne(ctx, peer, type, soul);
    progress();
  });
}

async function copyOne(ctx: CycleContext, peer: PeerSide, type: string, soul: string): Promise<void> {
  const { tally, options, cycle, local } = ctx;
  const { signal } = cycle;
  const p = peer.position;
  let record;
  try {
    record = await ctx.peers[p]!.getRecord(soul, { signal, onLocked: 'keep' });
  } catch (error) {
    if (signal.aborted) throw error;
    // The peer answered with another soul's data, also when read again: never copied under this soul.
    if ((error as { code?: string }).code === 'IDENTITY_MISMATCH') return tally.skip(p, type, soul, 'identityMismatch', error);
    if (isRelayLevel(error)) {
      ctx.peerErrors.set(p, error);
      tally.skip(p, type, soul, 'peerUnavailable', error);
    } else {
      tally.skip(p, type, soul, (error as { scope?: string }).scope === 'caller' ? 'invalid' : 'unreadable', error);
    }
    return;
  }
  if (record === null) {
    // Listed but not there (each read of a missing soul costs its relay 3 s): not read again for a while.
    peer.absentUntil.set(soul, options.clock.now() + options.snapshots.missingTtlMs);
    return tally.skip(p, type, soul, 'absent');
  }
  peer.absentUntil.delete(soul);
  const meta = record.meta;
  if (!meta || '#' in meta) return tally.skip(p, type, soul, 'invalid');

  try {
    const written = await local.putRecord({ data: record.data, oip: record.oip }, soul, {
      signal,
      localId: meta.localId ?? null,
      ...(typeof meta.created === 'number' ? { created: meta.created } : {}),
    });
    if (written.outcome === 'skipped') return tally.skip(p, type, soul, 'quarantined');

    if (options.onCopied) {
      try {
        await options.onCopied({ soul, did: record.did, recordType: type, record, peer: peer.label, cycle: cycle.number, signal });
      } catch (error) {
        if (signal.aborted) throw error;
        hookFailed(ctx, 'onCopied', soul, error);
        return tally.skip(p, type, soul, 'hookFailed', error);
      }
      local.recordSuccess('onCopied', soul);
    }

    const timestamp = epochNow(options.clock);
    const creator = (record.oip as { creator?: { publicKey?: unknown } } | null)?.creator?.publicKey;
    await local.put(registryNodeSoul(options.nodeId, soul), {
      did: record.did,
      soul,
      recordType: type,
      nodeId: options.nodeId,
      timestamp,
      ...(typeof creator === 'string' ? { creatorPubKey: creator } : {}),
    }, { signal });
    const added = await ctx.caches.localIndex(type).add(soul, { soul, nodeId: options.nodeId, timestamp }, { via: local, signal });
    if (added.outcome !== 'written') return tally.skip(p, type, soul, 'quarantined');
    tally.type(p, type).copied++;
  } catch (error) {
    if (signal.aborted || isRelayLevel(error)) throw error;
    tally.skip(p, type, soul, 'refused', error);
  }
}

/** Counts a hook's failure in the local ledger (op = the hook's name) and tells listeners. */
export function hookFailed(ctx: CycleContext, hook: 'onCopied' | 'onDeleted', soul: string, error: unknown): void {
  const { message } = describeError(error);
  const code = hookFailureCode(error);
  const counted = ctx.local.recordFailure(hook, soul, { code, reason: message });
  ctx.events.emit('hookFailed', { hook, soul, code, message, failures: counted.failures, quarantined: counted.quarantined, cycle: ctx.cycle.number });
}
