import { Option, type Command } from 'commander';
import { isGunRelayError, redactUrl, type GunRelayClient } from 'gun-relay-client';
import { DeletionRegistry, IndexSnapshot, registryIndexSoul } from 'gun-relay-client/oip';
import { EXIT, printResult, usage, type Io } from '../io.js';
import { openClient, positiveInt, withCommon, type CommonOptions } from '../options.js';
import { defaultRecordTypes, peerKind, recordTypesOption } from '../peers.js';

interface DiagnoseOptions extends CommonOptions {
  peer?: string[];
  local?: string;
  types?: string[];
  concurrency: number;
  samples: number;
}

/** One side's index of one type. */
interface IndexSide {
  /** `found`: the relay has the index; `missing`: it does not; `error`: its read failed (the code). */
  state: 'found' | 'missing' | 'error';
  entries: number;
  error?: string;
}

/** One record type, one peer against the local relay. */
export interface TypeDiagnosis {
  type: string;
  peer: IndexSide;
  local: IndexSide;
  /** Listed by the peer, not deleted there, not listed locally: the next sync should copy them. */
  missingLocally: number;
  /** Listed locally, not by the peer (written here or by another peer). */
  onlyLocal: number;
  /** Listed by the peer but in its deletion registry. */
  deletedOnPeer: number;
  /** Listed locally but in the peer's deletion registry: the next sync should remove them. */
  pendingDeletions: number;
  /** A few of the souls missing locally. */
  sample: string[];
}

/** What `diagnose` prints for one peer. */
export interface PeerDiagnosis {
  peer: string;
  local: string;
  deletions: { peer: IndexSide; local: IndexSide };
  types: TypeDiagnosis[];
  totals: { peerEntries: number; localEntries: number; missingLocally: number; onlyLocal: number; pendingDeletions: number };
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

async function readIndex(client: GunRelayClient, soul: string): Promise<{ side: IndexSide; keys: Set<string> }> {
  try {
    const snapshot = await IndexSnapshot.load(client, soul);
    return { side: { state: snapshot.exists ? 'found' : 'missing', entries: snapshot.size }, keys: new Set(snapshot.keys()) };
  } catch (error) {
    return { side: { state: 'error', entries: 0, error: isGunRelayError(error) ? error.code : 'FAILED' }, keys: new Set() };
  }
}

async function readDeletions(client: GunRelayClient): Promise<{ side: IndexSide; registry: DeletionRegistry }> {
  const registry = new DeletionRegistry(client);
  try {
    await registry.refresh();
    const n = registry.deleted().length;
    return { side: { state: n > 0 ? 'found' : 'missing', entries: n }, registry };
  } catch (error) {
    return { side: { state: 'error', entries: 0, error: isGunRelayError(error) ? error.code : 'FAILED' }, registry };
  }
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping the order of results. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

async function diagnosePeer(peer: GunRelayClient, local: GunRelayClient, labels: { peer: string; local: string }, types: readonly string[], opts: DiagnoseOptions): Promise<PeerDiagnosis> {
  const [peerDeleted, localDeleted] = await Promise.all([readDeletions(peer), readDeletions(local)]);
  const diagnosed = await mapLimit(types, opts.concurrency, async (type): Promise<TypeDiagnosis> => {
    const soul = registryIndexSoul(type);
    const [p, l] = await Promise.all([readIndex(peer, soul), readIndex(local, soul)]);
    const missing: string[] = [];
    let deletedOnPeer = 0;
    for (const key of p.keys) {
      if (peerDeleted.registry.isDeleted(key)) deletedOnPeer++;
      else if (!l.keys.has(key)) missing.push(key);
    }
    let onlyLocal = 0;
    let pendingDeletions = 0;
    for (const key of l.keys) {
      if (!p.keys.has(key)) onlyLocal++;
      if (peerDeleted.registry.isDeleted(key)) pendingDeletions++;
    }
    return { type, peer: p.side, local: l.side, missingLocally: missing.length, onlyLocal, deletedOnPeer, pendingDeletions, sample: missing.slice(0, opts.samples) };
  });
  const sum = (f: (t: TypeDiagnosis) => number): number => diagnosed.reduce((n, t) => n + f(t), 0);
  return {
    ...labels,
    deletions: { peer: peerDeleted.side, local: localDeleted.side },
    types: diagnosed,
    totals: {
      peerEntries: sum((t) => t.peer.entries),
      localEntries: sum((t) => t.local.entries),
      missingLocally: sum((t) => t.missingLocally),
      onlyLocal: sum((t) => t.onlyLocal),
      pendingDeletions: sum((t) => t.pendingDeletions),
    },
  };
}

function sideText(s: IndexSide): string {
  return s.state === 'found' ? String(s.entries) : s.state === 'missing' ? '-' : `error ${s.error}`;
}

function humanReport(d: PeerDiagnosis, all: boolean): string {
  const lines = [`peer ${d.peer} against local ${d.local}`, `deletion registry: peer ${sideText(d.deletions.peer)}, local ${sideText(d.deletions.local)}`];
  lines.push(['type', 'peer', 'local', 'missing here', 'only here', 'deleted on peer', 'to delete here'].join('\t'));
  for (const t of d.types) {
    if (!all && t.peer.state === 'missing' && t.local.state === 'missing') continue;
    lines.push([t.type, sideText(t.peer), sideText(t.local), t.missingLocally, t.onlyLocal, t.deletedOnPeer, t.pendingDeletions].join('\t'));
    for (const soul of t.sample) lines.push(`  missing here: ${soul}`);
  }
  const x = d.totals;
  lines.push(`total: peer ${x.peerEntries}, local ${x.localEntries}; ${x.missingLocally} missing here, ${x.onlyLocal} only here, ${x.pendingDeletions} to delete here`);
  return lines.join('\n');
}

/** `diagnose`: per record type, the index sizes on each side and what is missing where. */
export function registerDiagnoseCommand(program: Command, io: Io, done: (code: number) => void): void {
  withCommon(
    program
      .command('diagnose')
      .description('per record type: the registry index on each peer and on the local relay, and what is missing where (exit 1 when anything is)'),
  )
    .option('--peer <url>', 'a peer: its /gun-relay proxy URL, or a relay URL (repeatable)', collect)
    .option('--local <url>', 'the local relay')
    .addOption(recordTypesOption())
    .option('--concurrency <n>', 'index reads in flight at once', positiveInt('--concurrency'), 8)
    .option('--samples <n>', 'souls listed per type among those missing locally', positiveInt('--samples'), 3)
    .addOption(new Option('--all', 'list every type, also those neither side has'))
    .action(async (opts: DiagnoseOptions & { all?: boolean }) => {
      if (!opts.peer?.length) throw usage('missing --peer <url>');
      if (opts.local === undefined) throw usage('missing --local <url>');
      const types = opts.types ?? defaultRecordTypes();
      // Every URL is checked before anything is sent: a bad --peer is a usage error, not a late failure.
      const local = openClient([opts.local], 'relay', opts, {}, '--local');
      const clients: GunRelayClient[] = [local];
      try {
        for (const url of opts.peer) clients.push(openClient([url], peerKind(url), opts, {}, '--peer'));
        let anyMissing = false;
        for (const [i, url] of opts.peer.entries()) {
          const peer = clients[i + 1]!;
          const labels = { peer: redactUrl(url), local: redactUrl(opts.local) };
          const d = await diagnosePeer(peer, local, labels, types, opts);
          if (d.totals.missingLocally > 0 || d.totals.pendingDeletions > 0 || d.types.some((t) => t.peer.state === 'error' || t.local.state === 'error')) anyMissing = true;
          printResult(io, Boolean(opts.json), d, humanReport(d, Boolean(opts.all)));
        }
        done(anyMissing ? EXIT.negative : EXIT.ok);
      } finally {
        for (const c of clients) c.close();
      }
    });
}
