import { GunRelayError, type Operation } from '../errors.js';
import { redactLoose } from '../optionsMessages.js';

/**
 * Which relays a call may move to when one fails at the relay level. `none`: only the first relay
 * (or the pinned one). `reads` (default): a `get` or `list` may be answered by the next relay;
 * writes, and a delete's read, stay on the first. `all`: writes move too (only for relays that
 * replicate each other: otherwise a write lands in another store).
 */
export type FailoverMode = 'none' | 'reads' | 'all';

/** What the policy needs to know about a request. */
export interface FailoverRequest {
  op: Operation;
  method: 'GET' | 'POST';
  /** A relay label or URL the call is pinned to. */
  relay?: string | undefined;
}

/** Chooses, in order, the relays one request may try. */
export class FailoverPolicy<R extends { readonly url: string; readonly label: string }> {
  constructor(
    private readonly relays: readonly R[],
    readonly mode: FailoverMode,
  ) {}

  /** The relays this request may try, in order (never empty). */
  candidates(request: FailoverRequest): readonly R[] {
    if (request.relay !== undefined) return [this.pinned(request.relay, request.op)];
    if (this.mayMove(request)) return this.relays;
    return this.relays.slice(0, 1);
  }

  /** The relay named by `pin` (its label, or its URL with or without a trailing `/`); INVALID_INPUT if none. */
  pinned(pin: string, op: Operation, soul?: string): R {
    const wanted = pin.trim().replace(/\/+$/, '');
    const relay = this.relays.find((r) => r.label === wanted || r.url === wanted);
    if (relay) return relay;
    throw new GunRelayError('INVALID_INPUT', `${op}: relay ${JSON.stringify(redactLoose(wanted).slice(0, 200))} is not one of the client's relays`, {
      op,
      soul,
      field: 'relay',
    });
  }

  private mayMove(request: FailoverRequest): boolean {
    if (this.mode === 'all') return true;
    if (this.mode === 'none') return false;
    return request.method === 'GET' && request.op !== 'delete';
  }
}
