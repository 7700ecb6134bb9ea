import { setMaxListeners } from 'node:events';
import { thrownMessage } from '../thrownMessage.js';
import { GunRelayError, isGunRelayError } from '../errors.js';

/** Options of `getMany`, `putMany` and `deleteMany`. */
export interface BatchOptions {
  /** Calls in flight at once; also the most input items held in memory. Default 8, at most 1,024. */
  concurrency?: number | undefined;
  /** Stops the batch: no further item is started, calls in flight end `ABORTED`. */
  signal?: AbortSignal | undefined;
  /** Called after each item settles, with the running totals. */
  onProgress?: ((progress: BatchProgress) => void) | undefined;
}

/** Running totals of a batch, given to `onProgress`. */
export interface BatchProgress {
  /** Items taken from the input and started. */
  started: number;
  /** Items settled (succeeded + failed). */
  settled: number;
  succeeded: number;
  failed: number;
  /** Calls running right now. */
  inFlight: number;
}

/**
 * One item's outcome. `index` is the item's position in the input; outcomes are yielded in
 * completion order, so use `index` to match them with the input.
 */
export type BatchOutcome<T> =
  | { index: number; soul: string; ok: true; value: T }
  | { index: number; soul: string; ok: false; error: GunRelayError };

const MAX_CONCURRENCY = 1_024;

/**
 * Runs `call` for every item of `input` with at most `concurrency` calls in flight, and yields each
 * outcome as it settles (completion order). The input is pulled lazily, only when a slot is free
 * and the consumer has taken the outcomes already settled: memory stays bounded by `concurrency`
 * whatever the input size. Ending the iteration early aborts the calls still running.
 */
export async function* runBatch<I, T>(
  input: Iterable<I> | AsyncIterable<I>,
  call: (item: I, signal: AbortSignal) => Promise<T>,
  soulOf: (item: I) => string,
  options: BatchOptions = {},
): AsyncGenerator<BatchOutcome<T>, void, undefined> {
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw new GunRelayError('INVALID_INPUT', `batch: concurrency must be an integer from 1 to ${MAX_CONCURRENCY}`, { field: 'concurrency' });
  }
  const own = new AbortController();
  // Every call in flight listens on this one signal (queue, backoff, request): no leak warning for that.
  setMaxListeners(0, own.signal);
  const stop = (): void => own.abort();
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) own.abort();
  const source = iteratorOf(input);
  const settled: Array<BatchOutcome<T>> = [];
  const progress: BatchProgress = { started: 0, settled: 0, succeeded: 0, failed: 0, inFlight: 0 };
  let exhausted = false;
  /** The input threw: thrown once every outcome already started has been yielded. */
  let inputFailure: GunRelayError | undefined;
  /** Set when a call found the client closed: the items its abort ends are `CLIENT_CLOSED` too. */
  let closed: GunRelayError | undefined;
  const closedOr = (error: GunRelayError, soul: string): GunRelayError =>
    closed !== undefined && error.code === 'ABORTED' && !options.signal?.aborted
      ? new GunRelayError('CLIENT_CLOSED', 'batch: the client was closed while this item ran', { soul })
      : error;
  let wake: (() => void) | undefined;
  const wakeUp = (): void => wake?.();
  own.signal.addEventListener('abort', wakeUp, { once: true });
  /** The input's next item being awaited: outcomes are yielded meanwhile, and an abort stops waiting for it. */
  let pulling: Promise<void> | undefined;
  let pulled: { next: IteratorResult<I> } | { error: unknown } | undefined;
  const start = (item: I): void => {
    const index = progress.started++;
    progress.inFlight++;
    let soul: string;
    try {
      soul = soulOf(item);
    } catch {
      soul = '';
    }
    void Promise.resolve()
      .then(() => call(item, own.signal))
      .then(
        (value): BatchOutcome<T> => ({ index, soul, ok: true, value }),
        (error: unknown): BatchOutcome<T> => ({ index, soul, ok: false, error: closedOr(asRelayError(error, soul), soul) }),
      )
      .then((outcome) => {
        progress.inFlight--;
        progress.settled++;
        if (outcome.ok) progress.succeeded++;
        else progress.failed++;
        settled.push(outcome);
        // A closed client answers every later item CLIENT_CLOSED: stop pulling the input.
        if (!outcome.ok && outcome.error.code === 'CLIENT_CLOSED') {
          closed ??= outcome.error;
          own.abort();
        }
        try {
          options.onProgress?.({ ...progress });
        } catch {
          // A throwing progress listener must not break the batch.
        }
        wakeUp();
      });
  };
  try {
    for (;;) {
      if (pulled) {
        const result = pulled;
        pulled = undefined;
        pulling = undefined;
        if ('error' in result) {
          exhausted = true; // an input that threw is not asked again; the calls it started finish
          inputFailure = inputError(result.error);
        } else if (result.next.done) exhausted = true;
        else if (!own.signal.aborted) start(result.next.value);
      }
      if (!pulling && !exhausted && !own.signal.aborted && progress.inFlight + settled.length < concurrency) {
        pulling = Promise.resolve()
          .then(() => source.next())
          .then(
            (next) => void (pulled = { next }),
            (error: unknown) => void (pulled = { error }),
          )
          .then(wakeUp);
        continue;
      }
      const outcome = settled.shift();
      if (outcome) {
        yield outcome;
        continue;
      }
      if (progress.inFlight === 0 && (!pulling || own.signal.aborted)) {
        if (inputFailure) throw inputFailure;
        return;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (pulled || settled.length > 0 || (own.signal.aborted && progress.inFlight === 0)) resolve();
      });
      wake = undefined;
    }
  } finally {
    options.signal?.removeEventListener('abort', stop);
    own.signal.removeEventListener('abort', wakeUp);
    if (progress.inFlight > 0 || !exhausted) own.abort();
    if (!exhausted) {
      // An input still computing its next item is not waited for (it may never give one).
      const closing = Promise.resolve().then(() => (source as { return?: () => unknown }).return?.());
      if (pulling) void closing.catch(() => undefined);
      else await closing;
    }
  }
}

/** The input's iterator; `INVALID_INPUT` for a value that is not iterable. */
function iteratorOf<I>(input: Iterable<I> | AsyncIterable<I>): Iterator<I> | AsyncIterator<I> {
  const value = input as unknown as Record<symbol, unknown> | null | undefined;
  const asyncIterator = value?.[Symbol.asyncIterator];
  const syncIterator = value?.[Symbol.iterator];
  const open = typeof asyncIterator === 'function' ? asyncIterator : typeof syncIterator === 'function' ? syncIterator : undefined;
  if (open === undefined || typeof input === 'string') {
    const what = value === null ? 'null' : typeof input === 'string' ? 'a string' : typeof input;
    throw new GunRelayError('INVALID_INPUT', `batch: the input must be an array, an iterable or an async iterable of items, got ${what}`, { field: 'input' });
  }
  try {
    return (open as () => Iterator<I> | AsyncIterator<I>).call(input);
  } catch (error) {
    throw inputError(error);
  }
}

/** The batch's input threw: a typed error naming it (calls still in flight are aborted). */
function inputError(error: unknown): GunRelayError {
  if (error instanceof GunRelayError) return error;
  return new GunRelayError('INVALID_INPUT', `batch: the input threw: ${thrownMessage(error)}`, { field: 'input' });
}

function asRelayError(error: unknown, soul: string): GunRelayError {
  if (error instanceof GunRelayError) return error;
  if (isGunRelayError(error)) return new GunRelayError(error.code, error.message, error.details());
  return new GunRelayError('INVALID_INPUT', `batch: ${thrownMessage(error)}`, { soul });
}
