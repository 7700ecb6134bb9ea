import type { RecordRead } from '../../client/records.js';

/**
 * What `onCopied` gets: a record copied from a peer into the local relay (written, not yet
 * registered in the local type index). The indexer would index it into Elasticsearch here.
 */
export interface OipCopiedEvent {
  soul: string;
  did: string;
  /** The type index it was listed in. */
  recordType: string;
  /** The record as read from the peer (`data`, `oip`, `meta`). */
  record: RecordRead;
  /** The peer it came from, credentials removed. */
  peer: string;
  /** The cycle's number. */
  cycle: number;
  /** Aborts when the cycle ends early (timeout, stop, lost lease). */
  signal: AbortSignal;
}

/** What `onDeleted` gets: a record a peer deleted, removed from the local relay (or never held). */
export interface OipDeletedEvent {
  soul: string;
  did: string;
  /** The local type indexes it was removed from (empty when the local relay never had it). */
  recordTypes: string[];
  /** The peer whose deletion registry lists it. */
  peer: string;
  cycle: number;
  signal: AbortSignal;
}

/** The `hookFailed` event: a hook threw; the ledger counted it against the soul (op `onCopied` or `onDeleted`). */
export interface OipHookFailedEvent {
  hook: 'onCopied' | 'onDeleted';
  soul: string;
  code: string;
  message: string;
  /** The soul's consecutive failures of this hook. */
  failures: number;
  /** True when the soul is now skipped for this hook until the ledger's TTL runs out. */
  quarantined: boolean;
  cycle: number;
}

/** The ledger's code for a hook failure: the error's own string `code`, else `HOOK_FAILED`. */
export function hookFailureCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.length > 0 && code.length <= 64 ? code : 'HOOK_FAILED';
}
