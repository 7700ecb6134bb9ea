import type { RelayNode, ListEntry } from '../protocol/responses.js';

/** Per-call options shared by every operation. */
export interface CallOptions {
  /** Cancels the call, also while it waits in the queue or in a backoff; it then rejects with `ABORTED`. */
  signal?: AbortSignal | undefined;
}

/** Result of `put`: written, or skipped by the failure ledger (nothing was sent). */
export type PutResult =
  | { soul: string; outcome: 'written' }
  | { soul: string; outcome: 'skipped'; failures: number };

/** Options of `delete`. */
export interface DeleteOptions extends CallOptions {
  /** The node's keys, when known: the delete is then one request instead of a read and a write. */
  keys?: readonly string[] | undefined;
}

/**
 * Result of `delete`. `deleted`: every key was tombstoned. `absent`: the relay had nothing live
 * for the soul, so nothing was written. `skipped`: the soul is quarantined and no request was sent.
 */
export type DeleteResult =
  | {
      soul: string;
      outcome: 'deleted';
      /** Keys tombstoned. */
      keys: string[];
      /** Child souls the node linked to; they are separate nodes and were not deleted. */
      links: string[];
      /** Requests sent (1 with `keys`, 2 without). */
      requests: number;
    }
  | { soul: string; outcome: 'absent'; requests: number }
  | { soul: string; outcome: 'skipped'; failures: number };

/** Options of `list`. */
export interface ListOptions extends CallOptions {
  /** Page size; the relay's default is 50. */
  limit?: number | undefined;
  offset?: number | undefined;
  /** Keeps entries of this record type (filtered here: the relay's own filter never matches). */
  recordType?: string | undefined;
  /** Parses `data.data` and `data.oip` from the JSON strings the relay stores, as `get` returns them. Default false. */
  decode?: boolean | undefined;
}

export type { RelayNode, ListEntry };
