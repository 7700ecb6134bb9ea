import type { Clock } from '../clock.js';
import { GunRelayError, ownGunRelayError } from '../errors.js';
import type { ClientEvents, CountedOperation, StatsSnapshot } from '../events.js';
import type { LedgerOperation } from '../ledger/types.js';
import type { AttributionKind, HeldRefusal } from '../relays/Attribution.js';
import type { Quarantine } from '../ledger/Quarantine.js';
import { withWrite } from '../ledger/writeKey.js';
import type { Counters, Tallies } from './Counters.js';
import type { SafeEmitter } from './SafeEmitter.js';

/** What a {@link CallAccounting} counts with and reports to. */
export interface CallAccountingParts {
  clock: Clock;
  quarantine: Quarantine;
  counters: Counters;
  events: SafeEmitter<ClientEvents>;
  /** `countReadFailures` and `statsEvery` of the client's options. */
  options: { readonly countReadFailures: boolean; readonly statsEvery: number };
  /** Attribution of relay `label`'s soul-level refusals (see `RelayPool.refused`). */
  evidence: {
    refused(label: string | undefined, kind: AttributionKind, refusal: HeldRefusal): true | 'new' | 'again';
    succeeded(label: string, kind: AttributionKind, op: string, key: string): void;
  };
  /** True once the client was closed. */
  isClosed(): boolean;
  /** The `stats()` snapshot, for the `stats` event. */
  snapshot(): StatsSnapshot;
}

/**
 * The bookkeeping around every call of the client: counting it in `tallies` (the client's, plus a
 * sync cycle's), skipping a quarantined soul, settling it in the ledger and emitting `skip`,
 * `failure`, `settle` and `stats`. It sends nothing.
 */
export class CallAccounting {
  constructor(private readonly parts: CallAccountingParts) {}

  /** Counts a call about to send; returns its start time for `durationMs`. */
  begin(tallies: Tallies, op: CountedOperation): number {
    for (const t of tallies) {
      const c = t.byOperation[op];
      c.calls++;
      c.attempts++;
    }
    return this.parts.clock.now();
  }

  /** With `countReadFailures`: a read of a quarantined soul throws `SKIPPED` without a request. */
  refuseIfQuarantined(tallies: Tallies, op: 'get' | 'getRecord', soul: string, relay: string): void {
    const failures = this.skipIfQuarantined(tallies, op, soul, 'get', relay);
    if (failures > 0) {
      throw new GunRelayError('SKIPPED', `${op}: soul is quarantined after ${failures} failed reads`, { op: 'get', soul });
    }
  }

  /** The failures that make `key` (the ledger key when it is not the soul: a put's write key) skipped for `op`, counting and emitting the skip; 0 when it is not. */
  skipIfQuarantined(tallies: Tallies, op: LedgerOperation, soul: string, counted: CountedOperation, relay: string, key = soul): number {
    const { quarantine, counters, events, options } = this.parts;
    const failures = quarantine.ledger.skipCount(op, key);
    if (failures === 0) return 0;
    for (const t of tallies) {
      const c = t.byOperation[counted];
      c.calls++;
      c.skipped++;
    }
    const skippedTotal = ++counters.skippedTotal;
    if (events.has('skip')) events.emit('skip', withWrite({ op, soul: key, failures, skippedTotal, relay }));
    if (events.has('settle')) events.emit('settle', { op: counted, soul, outcome: 'skipped', code: undefined, durationMs: 0, relay });
    if (skippedTotal % options.statsEvery === 0 && events.has('stats')) events.emit('stats', this.parts.snapshot());
    return failures;
  }

  /** Counts a success, clears the soul's (or write's) failures for `op`, emits `settle`. */
  succeeded(tallies: Tallies, op: CountedOperation, soul: string | undefined, started: number, outcome: string, relay: string, key = soul): void {
    const { quarantine, events, options, clock } = this.parts;
    for (const t of tallies) t.byOperation[op].successes++;
    if (key !== undefined && (op === 'put' || op === 'delete' || (op === 'get' && options.countReadFailures))) {
      quarantine.succeed(op, key);
      this.parts.evidence.succeeded(relay, op === 'get' ? 'read' : op, op, key);
    }
    if (events.has('settle')) {
      events.emit('settle', { op, soul, outcome, code: undefined, durationMs: Math.round(clock.now() - started), relay });
    }
  }

  /** Classifies a failure: counts it against the soul when it is about the soul, emits, returns the error to throw. */
  failed(tallies: Tallies, op: CountedOperation, soul: string | undefined, raw: unknown, started: number, key = soul): GunRelayError {
    const { quarantine, events, options, clock } = this.parts;
    // A GunRelayError of another bundle of the package (a sink's, e.g. IndexSnapshot's parser) keeps its code.
    let error = ownGunRelayError(raw) ?? new GunRelayError('RELAY_ERROR', `${op}: ${String(raw)}`, { op, soul });
    if (this.parts.isClosed() && error.scope === 'relay') error = new GunRelayError('CLIENT_CLOSED', `${op}: client closed during the call`, { op, soul });
    for (const t of tallies) {
      t.byOperation[op].failures++;
      // A call refused by a full queue sent nothing: it was never an attempt.
      if (error.code === 'QUEUE_FULL') t.byOperation[op].attempts--;
    }
    let failures = 0;
    let first = false;
    let counted: boolean | 'pending' = false;
    // Reads count only with countReadFailures, and only an oversized 2xx: an oversized error page is the relay's.
    const readFailure = op === 'get' && options.countReadFailures && error.code === 'RESPONSE_TOO_LARGE' && (error.status === undefined || error.status < 300);
    if (soul !== undefined && ((error.scope === 'soul' && (op === 'put' || op === 'delete')) || readFailure)) {
      const ledgerKey = key ?? soul;
      const refusal: HeldRefusal = { op, soul, key: ledgerKey, code: error.code, status: error.status, at: clock.now() };
      // A refusal is evidence against the soul once its relay accepts another soul's request of the same kind (Attribution).
      const held = this.parts.evidence.refused(error.relay, op === 'get' ? 'read' : op, refusal);
      if (held === true) {
        const recorded = quarantine.fail(op, ledgerKey, error.code, error.status);
        counted = true;
        failures = recorded.failures;
        first = recorded.first;
      } else {
        counted = 'pending';
        first = held === 'new' && quarantine.ledger.count(op, ledgerKey) === 0;
      }
    }
    const relay = error.relay;
    events.emit('failure', { op, soul, code: error.code, scope: error.scope, status: error.status, counted, failures, first, relay });
    if (events.has('settle')) {
      events.emit('settle', { op, soul, outcome: 'error', code: error.code, durationMs: Math.round(clock.now() - started), relay });
    }
    return error;
  }

  /** Counts refusals their relay's acceptance of another soul confirmed (held since their `failure` event said `'pending'`). */
  confirmed(refusals: HeldRefusal[]): void {
    if (this.parts.isClosed()) return;
    for (const r of refusals) this.parts.quarantine.fail(r.op, r.key, r.code, r.status);
  }
}
