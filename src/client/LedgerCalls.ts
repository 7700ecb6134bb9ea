import { epochNow, type Clock } from '../clock.js';
import { GunRelayError } from '../errors.js';
import { checkAppFailure, checkLedgerOperation, checkLedgerSoul, type AppFailure, type AppFailureResult } from '../ledger/appFailures.js';
import type { QuarantinedSoul } from '../ledger/FailureLedger.js';
import type { Quarantine } from '../ledger/Quarantine.js';
import { ledgerSnapshotSchema, MAX_LEDGER_OPERATIONS, type LedgerImportResult, type LedgerSnapshot } from '../ledger/snapshot.js';
import { isWriteKeyOf, withWrite } from '../ledger/writeKey.js';
import { issueInWords } from '../optionsMessages.js';

/** What {@link LedgerCalls} works with. */
export interface LedgerCallsParts {
  clock: Clock;
  quarantine: Quarantine;
  /** The client's `failureThreshold` and `failureTtlMs`. */
  options: { readonly failureThreshold: number; readonly failureTtlMs: number };
  /** Drops the refusals of `soul` held for attribution (`forgive`). */
  forgiveHeld(soul: string): void;
}

/**
 * The client's public ledger methods (listing, forgiving, app-recorded failures, export and
 * import), apart from the calls that send: the client delegates to it.
 */
export class LedgerCalls {
  constructor(private readonly parts: LedgerCallsParts) {}

  /** See `GunRelayClient.quarantined`. */
  quarantined(): QuarantinedSoul[] {
    const { quarantine, clock } = this.parts;
    // A put is quarantined per write: such entries carry the write's digest in `write`.
    return quarantine.ledger.quarantined(clock.now(), epochNow(clock)).map(withWrite);
  }

  /** See `GunRelayClient.forgive`. */
  forgive(soul: string): boolean {
    const { quarantine } = this.parts;
    this.parts.forgiveHeld(soul);
    let had = quarantine.forgive(soul, quarantine.ledger.operations());
    for (const e of this.exportLedger().entries) {
      if (e.op === 'put' && isWriteKeyOf(e.soul, soul)) had = quarantine.forgive(e.soul, ['put']) || had;
    }
    return had;
  }

  /** See `GunRelayClient.recordFailure`. */
  recordFailure(op: string, soul: string, failure: AppFailure): AppFailureResult {
    const checked = checkAppFailure(op, soul, failure);
    const { quarantine, options } = this.parts;
    if (!quarantine.ledger.acceptsOperation(checked.op)) {
      throw new GunRelayError('INVALID_INPUT', `recordFailure: the ledger already tracks ${MAX_LEDGER_OPERATIONS} operation names`, { field: 'op' });
    }
    const { failures } = quarantine.fail(checked.op, soul, checked.code, undefined, checked.reason);
    return { op: checked.op, soul, failures, quarantined: failures >= options.failureThreshold };
  }

  /** See `GunRelayClient.recordSuccess`. */
  recordSuccess(op: string, soul: string): boolean {
    checkLedgerOperation(op, 'recordSuccess');
    checkLedgerSoul(soul, 'recordSuccess');
    return this.parts.quarantine.succeed(op, soul) > 0;
  }

  /** See `GunRelayClient.isQuarantined`. */
  isQuarantined(op: string, soul: string): boolean {
    const ledger = this.parts.quarantine.ledger;
    if (ledger.skipCount(op, soul) > 0) return true;
    // Puts are quarantined per write: the soul is, for puts, when one of its writes is.
    return op === 'put' && ledger.quarantinedCount > 0 && this.quarantined().some((q) => q.op === 'put' && q.soul === soul);
  }

  /** See `GunRelayClient.exportLedger`. */
  exportLedger(): LedgerSnapshot {
    const { quarantine, clock } = this.parts;
    return quarantine.ledger.toSnapshot(clock.now(), epochNow(clock));
  }

  /** See `GunRelayClient.importLedger`. */
  importLedger(snapshot: unknown): LedgerImportResult {
    const parsed = ledgerSnapshotSchema.safeParse(snapshot);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new GunRelayError('INVALID_INPUT', `importLedger: not a ledger snapshot: ${issueInWords(issue, snapshot)}`, {
        field: `snapshot${issue?.path.length ? '.' + issue.path.join('.') : ''}`,
      });
    }
    const { quarantine, clock, options } = this.parts;
    const imported = quarantine.ledger.load(parsed.data, clock.now(), epochNow(clock), options.failureTtlMs);
    return { imported, dropped: parsed.data.entries.length - imported };
  }
}
