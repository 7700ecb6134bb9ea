import { EventEmitter } from 'eventemitter3';
import type { ListenerErrorEvent } from '../events.js';

/** An event map (event name → listener); every map has `listenerError`. */
export type EventMap<Events> = { [K in keyof Events]: (payload: never) => void } & {
  listenerError: (event: ListenerErrorEvent) => void;
};
type Name<Events> = keyof Events & string;
type Listener = (payload: unknown) => void;
type Wrapped = Listener & { original?: unknown };

/**
 * eventemitter3 with listener isolation: a listener that throws is reported on `listenerError`
 * and never breaks the call that emitted, nor the listeners after it.
 */
export class SafeEmitter<Events extends EventMap<Events>> {
  private readonly ee = new EventEmitter();

  /** Adds a listener; returns a function that removes it. */
  on<E extends Name<Events>>(event: E, listener: Events[E]): () => void {
    return this.add(event, listener, false);
  }

  /** Adds a listener that runs once; returns a function that removes it. `off(event, listener)` removes it too. */
  once<E extends Name<Events>>(event: E, listener: Events[E]): () => void {
    return this.add(event, listener, true);
  }

  private add<E extends Name<Events>>(event: E, listener: Events[E], once: boolean): () => void {
    const wrapped: Wrapped = (payload) => {
      if (once) this.ee.removeListener(event, wrapped);
      try {
        (listener as unknown as Listener)(payload);
      } catch (error) {
        if (event !== 'listenerError') this.ee.emit('listenerError', { event, error } satisfies ListenerErrorEvent);
      }
    };
    // What off() matches: the caller's own function, for on() and once() alike.
    wrapped.original = listener;
    this.ee.on(event, wrapped);
    return () => {
      this.ee.removeListener(event, wrapped);
    };
  }

  /** Removes every registration of `listener` for `event`. */
  off<E extends Name<Events>>(event: E, listener: Events[E]): void {
    for (const fn of this.ee.listeners(event) as Wrapped[]) {
      if (fn.original === listener || (fn as unknown) === listener) this.ee.removeListener(event, fn);
    }
  }

  /** True when someone listens, so callers can skip building a payload. */
  has(event: Name<Events>): boolean {
    return this.ee.listenerCount(event) > 0;
  }

  emit<E extends Name<Events>>(event: E, payload: Parameters<Events[E]>[0]): void {
    this.ee.emit(event, payload);
  }

  removeAll(): void {
    this.ee.removeAllListeners();
  }
}
