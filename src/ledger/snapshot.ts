import * as z from 'zod/mini';
import { soulProblem } from '../protocol/soul.js';
import { splitWriteKey } from './writeKey.js';
import type { SharedLedgerEntry } from '../stores/LedgerStore.js';

/** Longest app-defined operation name and failure code, in characters. */
export const MAX_LEDGER_NAME_LENGTH = 64;
/** Most distinct operation names one ledger tracks (put, delete, get, getRecord and the app's own). */
export const MAX_LEDGER_OPERATIONS = 32;
/** Longest app failure reason kept in the ledger, in characters (longer reasons are cut). */
export const MAX_LEDGER_REASON_LENGTH = 256;

const ledgerName = z.string().check(z.minLength(1), z.maxLength(MAX_LEDGER_NAME_LENGTH));

/** Current version of the exported ledger format. */
export const LEDGER_SNAPSHOT_VERSION = 1;

/** Why a snapshot entry's key is not a valid soul, or a put's write key (soul + 16 hex digits of digest). */
function ledgerKeyProblem(key: string): string | undefined {
  const { soul, write } = splitWriteKey(key);
  return soulProblem(soul) ?? (write === undefined || /^[0-9a-f]{16}$/.test(write) ? undefined : 'write digest must be 16 hex characters');
}

const entrySchema = z.strictObject({
  /** `put`, `delete`, `get` or an app-defined operation. */
  op: ledgerName,
  /** The soul; for a put, its write key (the soul, U+0001, the write's digest). */
  soul: z.string().check(z.refine((s: string) => ledgerKeyProblem(s) === undefined, { error: (issue) => ledgerKeyProblem(String(issue.input)) ?? 'invalid soul' })),
  failures: z.int().check(z.positive()),
  /** Wall-clock time (epoch ms) of the first failure in the run. */
  firstFailureAt: z.number(),
  /** Wall-clock time (epoch ms) of the latest failure; the TTL runs from here. */
  lastFailureAt: z.number(),
  /** A GunRelayErrorCode, or the app's code for an app-defined failure. */
  lastCode: ledgerName,
  lastStatus: z.optional(z.int()),
  lastReason: z.optional(z.string().check(z.maxLength(MAX_LEDGER_REASON_LENGTH))),
});

/**
 * The versioned JSON form of a failure ledger, as `exportLedger()` writes it and
 * `importLedger()` validates it. Times are epoch milliseconds so a snapshot survives a restart.
 */
export const ledgerSnapshotSchema = z.strictObject({
  format: z.literal('gun-relay-client/ledger'),
  version: z.literal(LEDGER_SNAPSHOT_VERSION),
  exportedAt: z.number(),
  entries: z.array(entrySchema),
});

/** A ledger snapshot. */
export type LedgerSnapshot = z.infer<typeof ledgerSnapshotSchema>;
/** One soul × operation in a snapshot. */
export type LedgerSnapshotEntry = z.infer<typeof entrySchema>;

/** What `importLedger()` did. */
export interface LedgerImportResult {
  /** Entries now in the ledger. */
  imported: number;
  /** Entries dropped because their TTL had run out (or the ledger was full). */
  dropped: number;
}

const finiteOr0 = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) ? n : 0);

/**
 * A fleet entry as the ledger may keep it, or `undefined` when its key cannot be one: a store's
 * values are not trusted (a code that is not a name becomes `SOUL_REJECTED`, a reason is cut,
 * a status that is not an integer dropped), so an export stays importable whatever Redis held.
 */
export function trustedFleetEntry(e: SharedLedgerEntry): SharedLedgerEntry | undefined {
  if (!ledgerName.safeParse(e.op).success || typeof e.soul !== 'string' || ledgerKeyProblem(e.soul) !== undefined) return undefined;
  if (!Number.isInteger(e.failures) || e.failures < 1 || typeof e.remainingMs !== 'number' || !(e.remainingMs > 0)) return undefined;
  return {
    op: e.op,
    soul: e.soul,
    failures: e.failures,
    workers: Number.isInteger(e.workers) && e.workers > 0 ? e.workers : 1,
    remainingMs: e.remainingMs,
    lastCode: ledgerName.safeParse(e.lastCode).success ? e.lastCode : 'SOUL_REJECTED',
    lastStatus: Number.isInteger(e.lastStatus) ? e.lastStatus : undefined,
    lastReason: typeof e.lastReason === 'string' ? e.lastReason.slice(0, MAX_LEDGER_REASON_LENGTH) : undefined,
    firstFailureAt: finiteOr0(e.firstFailureAt),
    lastFailureAt: finiteOr0(e.lastFailureAt),
  };
}
