import type { CycleReport } from '../../sync/report.js';

/**
 * Why a record listed in a peer's index was not copied, or a deletion not applied, this cycle.
 * - `deleted`: the peer's deletion registry lists it.
 * - `deletedLocally`: the local deletion registry lists it (copying would bring it back).
 * - `quarantined`: the local client's failure ledger skipped the write (no request).
 * - `refused`: the local relay refused the write this cycle (the ledger counts it).
 * - `unreadable`: the peer refused or could not answer the record's read (a soul-level error).
 * - `absent`: the peer's index lists it but the peer has no such record.
 * - `identityMismatch`: the peer answered it, twice, with another soul's data (`IDENTITY_MISMATCH`); not copied.
 * - `invalid`: the peer's node is not an OIP record (no `data`/`oip`, or its `meta` unreadable).
 * - `hookFailed`: the application's hook threw; the record is tried again next cycle.
 * - `hookQuarantined`: the hook failed `failureThreshold` times; skipped until the ledger's TTL runs out.
 * - `peerUnavailable`: the peer failed at relay level during the cycle; its remaining work waits.
 */
export type OipSkipReason =
  | 'deleted'
  | 'deletedLocally'
  | 'quarantined'
  | 'refused'
  | 'unreadable'
  | 'absent'
  | 'identityMismatch'
  | 'invalid'
  | 'hookFailed'
  | 'hookQuarantined'
  | 'peerUnavailable';

/**
 * How an index was known this cycle. `found`: read, the relay has it. `missing`: read, the relay
 * does not have it. `cachedMissing`: not read (known absent; re-checked later, see the refresh
 * rule). `cached`: not read (a local index trusted between reads). `failed`: its read failed.
 */
export type OipIndexState = 'found' | 'missing' | 'cachedMissing' | 'cached' | 'failed';

/** One record type on one peer, in one cycle. */
export interface OipTypeReport {
  /** The peer's index for this type. */
  index: OipIndexState;
  /** Entries the peer's index lists. */
  entries: number;
  /** Records copied, registered and handed to `onCopied`. */
  copied: number;
  /** Entries the local relay already has (no request). */
  present: number;
  /** Local records removed because this peer deleted them. */
  deleted: number;
  /** Entries not copied (or deletions not applied), by reason. */
  skipped: Partial<Record<OipSkipReason, number>>;
}

/** One peer, in one cycle. */
export interface OipPeerReport {
  /** The peer's URL, credentials removed. */
  peer: string;
  /** Set when the peer failed at relay level this cycle (unreachable, proxy in maintenance, ...). */
  error?: { code: string | undefined; message: string } | undefined;
  /** The peer's deletion registry index. */
  deletionIndex: OipIndexState;
  /** DIDs its deletion registry lists. */
  deletionsListed: number;
  /** Per record type (every configured type). */
  types: Record<string, OipTypeReport>;
}

/** One record the cycle did not copy or delete, for an operator to look at. */
export interface OipCycleProblem {
  peer: string;
  type: string | undefined;
  soul: string;
  reason: OipSkipReason;
  /** The error's `code`, when there was an error. */
  code?: string | undefined;
  message?: string | undefined;
}

/**
 * An index whose read failed this cycle with an error about that index, not its relay (its relay
 * answered): e.g. `UNCONFIRMED_MISS`, the relay answering "Not found", on every re-read, for an
 * index read before. The entries read before are still used, and the index is read again next cycle.
 */
export interface OipIndexFailure {
  /** The peer's URL, credentials removed, or `local` for the local relay. */
  peer: string;
  /** The index's soul. */
  soul: string;
  /** Its record type; `undefined` for a deletion registry index. */
  type: string | undefined;
  code: string | undefined;
  message: string;
}

/**
 * What one cycle of an `OipSyncWorker` did: plain data (JSON-serialisable). `number`, `startedAt`,
 * `durationMs`, `outcome`, `error`, `requests` (peers and local relay), `misses`, `failures` (calls
 * that failed) and `retries` are the loop's cycle report's.
 */
export interface OipSyncCycleReport extends Pick<CycleReport, 'number' | 'startedAt' | 'durationMs' | 'outcome' | 'error' | 'requests' | 'misses' | 'failures' | 'retries'> {
  /** Of them, index reads (peer and local type indexes, deletion indexes). */
  indexReads: number;
  /** Calls answered from a failure ledger without a request. */
  skippedCalls: number;
  /** Per peer, per type. */
  peers: OipPeerReport[];
  /** The peers' deletions applied to the local relay this cycle. */
  deletions: {
    /** DIDs the peers list that the local deletion registry did not have yet. */
    pending: number;
    /** Records removed from the local relay. */
    applied: number;
    /** Deletions mirrored into the local deletion registry (records not held locally included). */
    mirrored: number;
    skipped: Partial<Record<OipSkipReason, number>>;
  };
  /** Sums over peers and types. */
  totals: { entries: number; copied: number; present: number; deleted: number; skipped: number };
  /** The first records skipped for a reason worth a look (not `deleted`), bounded. */
  problems: OipCycleProblem[];
  /** Problems left out of `problems` by its bound. */
  problemsDropped: number;
  /** Index reads that failed with an error about the index, not the relay (a relay-level failure is the peer's `error`). */
  indexFailures: OipIndexFailure[];
}

/** Most problems one report lists. */
export const MAX_REPORTED_PROBLEMS = 50;

/** Reasons that are routine (listed in counts, never as problems). */
const ROUTINE: ReadonlySet<OipSkipReason> = new Set(['deleted', 'deletedLocally']);

/** Fills one cycle's report as the cycle runs. */
export class CycleTally {
  readonly peers: OipPeerReport[];
  readonly deletions: OipSyncCycleReport['deletions'] = { pending: 0, applied: 0, mirrored: 0, skipped: {} };
  readonly problems: OipCycleProblem[] = [];
  readonly indexFailures: OipIndexFailure[] = [];
  problemsDropped = 0;
  indexReads = 0;

  constructor(peerLabels: readonly string[], types: readonly string[]) {
    this.peers = peerLabels.map((peer) => ({
      peer,
      deletionIndex: 'cached' as OipIndexState,
      deletionsListed: 0,
      types: Object.fromEntries(types.map((t) => [t, { index: 'cachedMissing' as OipIndexState, entries: 0, copied: 0, present: 0, deleted: 0, skipped: {} }])),
    }));
  }

  type(peer: number, type: string): OipTypeReport {
    return this.peers[peer]!.types[type]!;
  }

  /** Counts a skip, and keeps it as a problem unless it is routine. */
  skip(peer: number, type: string | undefined, soul: string, reason: OipSkipReason, error?: unknown): void {
    const bucket = type === undefined ? this.deletions.skipped : this.type(peer, type).skipped;
    bucket[reason] = (bucket[reason] ?? 0) + 1;
    if (ROUTINE.has(reason)) return;
    if (this.problems.length >= MAX_REPORTED_PROBLEMS) {
      this.problemsDropped++;
      return;
    }
    const described = error === undefined ? {} : describeError(error);
    this.problems.push({ peer: this.peers[peer]?.peer ?? 'local', type, soul, reason, ...described });
  }

  /** Records an index read that failed with an error about the index (`peer` undefined: the local relay). */
  indexFailed(peer: number | undefined, soul: string, type: string | undefined, error: unknown): void {
    const label = peer === undefined ? 'local' : this.peers[peer]!.peer;
    this.indexFailures.push({ peer: label, soul, type, ...describeError(error) });
  }

  /** Sums over peers and types. */
  totals(): OipSyncCycleReport['totals'] {
    const t = { entries: 0, copied: 0, present: 0, deleted: 0, skipped: 0 };
    for (const p of this.peers) {
      for (const r of Object.values(p.types)) {
        t.entries += r.entries;
        t.copied += r.copied;
        t.present += r.present;
        t.deleted += r.deleted;
        for (const n of Object.values(r.skipped)) t.skipped += n ?? 0;
      }
    }
    return t;
  }
}

/** `{ code, message }` of any thrown value, message cut to 300 characters. */
export function describeError(error: unknown): { code: string | undefined; message: string } {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return { code: typeof code === 'string' ? code : undefined, message: message.length > 300 ? `${message.slice(0, 300)}…` : message };
}

/**
 * `describeError` of a peer's failure: the client's hints name its `baseUrl`, which for a worker is
 * the `peers[i]` option, so the message says that instead.
 */
export function describePeerError(error: unknown, position: number): { code: string | undefined; message: string } {
  const described = describeError(error);
  return { ...described, message: described.message.replace(/\bbaseUrl\b/g, `peers[${position}]`) };
}
