import { EventEmitter } from 'eventemitter3';
import type { ClientEvents } from '../events.js';

type EventName = keyof ClientEvents;
type Payload<E extends EventName> = Parameters<ClientEvents[E]>[0];
type Wrapped = ((payload: unknown) => void) & { original?: unknown };

/**
 * eventemitter3 with listener isolation: a listener that throws is reported on `listenerError`
 * and never breaks the call that emitted, nor the listeners after it.
 */
export class SafeEmitter {
  private readonly ee = new EventEmitter();

  /** Adds a listener; returns a function that removes it. */
  on<E extends EventName>(event: E, listener: ClientEvents[E]): () => void {
    const wrapped: Wrapped = (payload) => {
      try {
        (listener as (p: unknown) => void)(payload);
      } catch (error) {
        if (event !== 'listenerError') this.emit('listenerError', { event, error });
      }
    };
    wrapped.original = listener;
    this.ee.on(event, wrapped);
    return () => {
      this.ee.removeListener(event, wrapped);
    };
  }

  /** Adds a listener that runs once; returns a function that removes it. */
  once<E extends EventName>(event: E, listener: ClientEvents[E]): () => void {
    const off = this.on(event, ((payload: unknown) => {
      off();
      (listener as (p: unknown) => void)(payload);
    }) as ClientEvents[E]);
    return off;
  }

  /** Removes every registration of `listener` for `event`. */
  off<E extends EventName>(event: E, listener: ClientEvents[E]): void {
    for (const fn of this.ee.listeners(event) as Wrapped[]) {
      if (fn.original === listener || fn === listener) this.ee.removeListener(event, fn);
    }
  }

  /** True when someone listens, so callers can skip building a payload. */
  has(event: EventName): boolean {
    return this.ee.listenerCount(event) > 0;
  }

  emit<E extends EventName>(event: E, payload: Payload<E>): void {
    this.ee.emit(event, payload);
  }

  removeAll(): void {
    this.ee.removeAllListeners();
  }
}
