import { z } from 'zod';
import { ERROR_CODES } from '../errors.js';

/** Current version of the exported ledger format. */
export const LEDGER_SNAPSHOT_VERSION = 1;

const entrySchema = z.strictObject({
  op: z.enum(['put', 'delete']),
  soul: z.string().min(1),
  failures: z.number().int().positive(),
  /** Wall-clock time (epoch ms) of the first failure in the run. */
  firstFailureAt: z.number().finite(),
  /** Wall-clock time (epoch ms) of the latest failure; the TTL runs from here. */
  lastFailureAt: z.number().finite(),
  lastCode: z.enum(ERROR_CODES),
  lastStatus: z.number().int().optional(),
});

/**
 * The versioned JSON form of a failure ledger, as `exportLedger()` writes it and
 * `importLedger()` validates it. Times are epoch milliseconds so a snapshot survives a restart.
 */
export const ledgerSnapshotSchema = z.strictObject({
  format: z.literal('gun-relay-client/ledger'),
  version: z.literal(LEDGER_SNAPSHOT_VERSION),
  exportedAt: z.number().finite(),
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
