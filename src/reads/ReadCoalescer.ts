/** One request shared by every caller that asked for the same key while it was in flight. */
interface Shared<T> {
  readonly promise: Promise<T>;
  readonly controller: AbortController;
  /** Callers still waiting for it; when the last one gives up, the request is aborted. */
  waiters: number;
}

/**
 * Shares one in-flight request among identical concurrent calls (same key). Each caller waits on
 * its own signal: a caller that gives up leaves the others waiting, and the request is aborted
 * only when every caller gave up. What the request resolves is shared; callers copy what they
 * keep (the client decodes its own node from the shared answer text).
 */
export class ReadCoalescer<T> {
  private readonly inFlight = new Map<string, Shared<T>>();
  /** Calls that joined a request already in flight instead of sending their own. */
  joined = 0;

  /**
   * Runs `start(signal)` for `key`, or joins the run in flight for it. `aborted()` builds the error
   * a caller rejects with when its own `signal` fires first.
   */
  run(key: string, signal: AbortSignal | undefined, start: (signal: AbortSignal) => Promise<T>, aborted: () => Error): Promise<T> {
    if (signal?.aborted) return Promise.reject(aborted());
    let shared = this.inFlight.get(key);
    if (shared) {
      shared.waiters++;
      this.joined++;
    } else {
      const controller = new AbortController();
      const promise = start(controller.signal).finally(() => {
        if (this.inFlight.get(key) === created) this.inFlight.delete(key);
      });
      const created: Shared<T> = { promise, controller, waiters: 1 };
      shared = created;
      this.inFlight.set(key, created);
    }
    return signal ? this.waitFor(key, shared, signal, aborted) : shared.promise;
  }

  /**
   * Stops later calls joining the requests in flight whose key matches (their callers keep
   * waiting for them): what they answer may predate a write, and a call asked after it must not get it.
   */
  detach(matches: (key: string) => boolean): void {
    for (const key of [...this.inFlight.keys()]) if (matches(key)) this.inFlight.delete(key);
  }

  /** Requests in flight right now. */
  get size(): number {
    return this.inFlight.size;
  }

  private waitFor(key: string, shared: Shared<T>, signal: AbortSignal, aborted: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        if (--shared.waiters > 0) return reject(aborted());
        // Nobody wants it any more: a later caller must not join an aborted request, and the last
        // caller settles once the request has let go of its slot (as an unshared call would).
        if (this.inFlight.get(key) === shared) this.inFlight.delete(key);
        shared.controller.abort();
        const settle = (): void => reject(aborted());
        shared.promise.then(settle, settle);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      shared.promise.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }
}
