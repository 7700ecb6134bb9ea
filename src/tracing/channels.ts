/**
 * The SDK's `node:diagnostics_channel` tracing channels: names and payloads, in one place.
 * Each is a `TracingChannel` (`start`, `end`, `asyncStart`, `asyncEnd`, `error` sub-channels).
 * Nothing is published, and no payload is built, while a channel has no subscriber.
 *
 * ```ts
 * import diagnostics_channel from 'node:diagnostics_channel';
 * diagnostics_channel.tracingChannel('gun-relay-client:call').subscribe({ start(ctx) {}, asyncEnd(ctx) {}, error(ctx) {} });
 * ```
 */
import diagnostics_channel from 'node:diagnostics_channel';
import type { Operation } from '../errors.js';
import type { SuspectReadEvent } from '../events.js';
import type { CycleReport } from '../sync/report.js';

/** Channel names. */
export const TRACING_CHANNELS = {
  /** One per client call (`put`, `get`, `delete`, `list`), skipped calls included. Payload {@link CallTrace}. */
  call: 'gun-relay-client:call',
  /** One per HTTP attempt (a retry is another attempt). Payload {@link AttemptTrace}. */
  attempt: 'gun-relay-client:attempt',
  /** One per `SyncLoop` cycle. Payload {@link CycleTrace}. */
  cycle: 'gun-relay-client:cycle',
  /** One per re-read of a suspect answer (option `readGuard`): the pause and the read. Payload {@link RereadTrace}. */
  reread: 'gun-relay-client:reread',
} as const;

/** Names of the plain channels (`diagnostics_channel.channel`, one message each). */
export const DIAGNOSTIC_CHANNELS = {
  /** One message each time a relay's `classify` hook threw or answered an unknown verdict. Payload `ClassifierProblem`. */
  classifier: 'gun-relay-client:classifier',
  /** One message per read answer that held cross-linked keys (dropped from what the read returns). Payload `CrossLinkEvent`. */
  crossLink: 'gun-relay-client:cross-link',
} as const;

/** The cycle a call was made through, if any. */
export interface CycleRef {
  /** The loop's name. */
  name: string;
  /** The cycle's number. */
  number: number;
}

/**
 * Payload of `gun-relay-client:call`. Published at `start` with `op`, `soul`, `cycle`; at
 * `asyncEnd` `result` holds what the call resolved with, or `error` (a `GunRelayError`) what it
 * rejected with (also published on `error`).
 */
export interface CallTrace {
  op: 'put' | 'get' | 'delete' | 'list';
  /** The soul, or the publisher hash for `list`. */
  soul: string;
  cycle: CycleRef | undefined;
  result?: unknown;
  error?: unknown;
}

/**
 * Payload of `gun-relay-client:attempt`. Published at `start` when the request is created (with
 * `attempt`: 0 for the first, 1 for the first retry), `end` right after; `asyncEnd` when the
 * request closed, with `status` when an answer arrived, or `error` (a plain `Error` with the
 * failure's `name`, `code` and message, credentials removed; also published on `error`) when none did.
 */
export interface AttemptTrace {
  op: Operation;
  soul: string | undefined;
  /** The relay's base URL with credentials removed. */
  relay: string;
  method: 'GET' | 'POST';
  /** `/put`, `/get`, `/list` or `/peers/status`. */
  path: string;
  attempt: number;
  status?: number;
  error?: Error;
}

/**
 * Payload of `gun-relay-client:cycle`. Published at `start` with `name`, `number`, `startedAt`
 * (epoch ms); at `asyncEnd` `result` is the cycle's {@link CycleReport}; when its outcome is not
 * `ok`, `error` is the report's `error` (`{ code, message }`, also published on `error`).
 */
export interface CycleTrace {
  name: string;
  number: number;
  startedAt: number;
  result?: CycleReport;
  error?: unknown;
}

/**
 * Payload of `gun-relay-client:reread`. Published at `start` with why the answer was suspect (the
 * fields of the `suspectRead` event that announced it, `relay` being the one that answered it); at
 * `asyncEnd` `result` holds what the re-read answered (`keys`: its live keys, `found`: false for
 * a miss), or `error` what it failed with (also published on `error`).
 */
export interface RereadTrace extends Pick<SuspectReadEvent, 'op' | 'soul' | 'relay' | 'reason' | 'keys' | 'expectedKeys' | 'delayMs'> {
  /** 1 for the first re-read of the call. */
  attempt: number;
  result?: { found: boolean; keys: number; relay: string };
  error?: unknown;
}

/** @internal */
export const callChannel = diagnostics_channel.tracingChannel<unknown, CallTrace>(TRACING_CHANNELS.call);
/** @internal */
export const attemptChannel = diagnostics_channel.tracingChannel<unknown, AttemptTrace>(TRACING_CHANNELS.attempt);
/** @internal */
export const cycleChannel = diagnostics_channel.tracingChannel<unknown, CycleTrace>(TRACING_CHANNELS.cycle);

/** @internal */
export const rereadChannel = diagnostics_channel.tracingChannel<unknown, RereadTrace>(TRACING_CHANNELS.reread);
export const classifierChannel = diagnostics_channel.channel(DIAGNOSTIC_CHANNELS.classifier);
/** @internal */
export const crossLinkChannel = diagnostics_channel.channel(DIAGNOSTIC_CHANNELS.crossLink);

/** @internal True when anyone subscribes to any part of `channel`. */
export function isTraced(channel: diagnostics_channel.TracingChannel<unknown, object>): boolean {
  return (
    channel.start.hasSubscribers ||
    channel.end.hasSubscribers ||
    channel.asyncStart.hasSubscribers ||
    channel.asyncEnd.hasSubscribers ||
    channel.error.hasSubscribers
  );
}

/** @internal Runs a client call, inside a `call` trace when someone subscribes (otherwise nothing is built). */
export function traceCall<A extends unknown[], T>(
  op: CallTrace['op'],
  soul: string,
  cycle: CycleRef | undefined,
  fn: (...args: A) => Promise<T>,
  self: object,
  ...args: A
): Promise<T> {
  if (!isTraced(callChannel)) return fn.apply(self, args);
  return callChannel.tracePromise(fn, { op, soul, cycle }, self, ...args);
}
