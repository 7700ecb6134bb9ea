import type { GunNode } from '../protocol/input.js';
import type { RelayNode, ListEntry } from '../protocol/responses.js';

/** Per-call options shared by every operation. */
export interface CallOptions {
  /** Cancels the call, also while it waits in the queue or in a backoff; it then rejects with `ABORTED`. */
  signal?: AbortSignal | undefined;
  /**
   * Sends the call to this relay only (its URL or label), never failing over: e.g. to read what one
   * peer has. An unknown relay is `INVALID_INPUT` before anything is sent.
   */
  relay?: string | undefined;
  /** This call's deadline in ms (queue, attempts, backoff and link reads included), instead of the operation's `timeouts` entry. */
  timeoutMs?: number | undefined;
  /** This call's retries: `false` for none, or `{ retries }` (0–10) with the client's backoff. Ignored when the client has `retry: false`. */
  retry?: false | { retries: number } | undefined;
  /** This call's deadline for one HTTP attempt (retried when it passes), instead of the client's `attemptTimeoutMs`. */
  attemptTimeoutMs?: number | undefined;
}

/** Options of a call that reads a body: its own answer size limit. */
export interface ReadLimitOptions {
  /** Largest answer body in bytes this call accepts, instead of the client's `maxContentLength`; larger is `RESPONSE_TOO_LARGE`. */
  maxContentLength?: number | undefined;
}

/**
 * Result of `put`: written, or skipped by the failure ledger (nothing was sent). `relay` is the
 * relay that answered (for a skip, the one the call was meant for).
 */
export type PutResult =
  | { soul: string; outcome: 'written'; relay: string }
  | { soul: string; outcome: 'skipped'; failures: number; relay: string };

/** One entry of `putMany`. */
export interface PutEntry {
  soul: string;
  node: GunNode;
}

/** Result of `lookup`: the node (or `null` for a miss) and the relay that answered. */
export type GetResult =
  | { soul: string; outcome: 'found'; node: RelayNode; relay: string }
  | { soul: string; outcome: 'missing'; node: null; relay: string };

/** Options of `delete`. */
export interface DeleteOptions extends CallOptions, ReadLimitOptions {
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
      /** The relay that read and tombstoned the node. */
      relay: string;
    }
  | { soul: string; outcome: 'absent'; requests: number; relay: string }
  | { soul: string; outcome: 'skipped'; failures: number; relay: string };

/** Options of `list`. */
export interface ListOptions extends CallOptions, ReadLimitOptions {
  /** Page size; the relay's default is 50. */
  limit?: number | undefined;
  offset?: number | undefined;
  /** Keeps entries of this record type (filtered here: the relay's own filter never matches). */
  recordType?: string | undefined;
  /** Parses `data.data` and `data.oip` from the JSON strings the relay stores, as `get` returns them. Default false. */
  decode?: boolean | undefined;
}

export type { RelayNode, ListEntry };
