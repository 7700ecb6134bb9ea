import { GunRelayError, type Operation } from '../errors.js';
import type { PoolResponse } from '../client/RelayPool.js';
import { endpointMissing, isSoulNotFound, readGetResponse, type RelayNode } from '../protocol/responses.js';
import type { MissCache } from './MissCache.js';
import { ReadCoalescer } from './ReadCoalescer.js';

const SEP = '\u0000';

/** One node read: the node (`null` for a miss) and the relay that answered. */
export interface ReadAnswer {
  node: RelayNode | null;
  relay: string;
}

/** One `GET /get` to send. `signal` is the request's own (shared requests get theirs from the coalescer). */
export interface ReadRequest {
  soul: string;
  op: Operation;
  /** A relay pin, or `undefined` for the failover policy's choice. */
  relay: string | undefined;
  signal: AbortSignal | undefined;
}

/** Decodes a `GET /get` answer: a node of its own for this caller, `null` for "Not found". */
export function decodeRead(soul: string, op: Operation, response: PoolResponse, maxEntries: number): ReadAnswer {
  const { status, text, relay } = response;
  if (status === 404) {
    if (!isSoulNotFound(text)) throw endpointMissing(op, soul, status, text, relay);
    return { node: null, relay };
  }
  return { node: readGetResponse(soul, op, status, text, maxEntries), relay };
}

/** What a {@link NodeReader} is built from. */
export interface NodeReaderParts {
  /** Remembers misses, or `undefined` when the miss cache is off. */
  missCache: MissCache | undefined;
  /** Share identical concurrent gets of one soul on one relay. */
  coalesce: boolean;
  /** Decodes an answer into a node of the caller's own (a new object for each caller). */
  decode(soul: string, op: Operation, response: PoolResponse): ReadAnswer;
  /** The relay a call goes to first: its pin, else the first relay. */
  target(pin: string | undefined, op: Operation, soul: string): string;
}

/** The caller's side of one read: how to send it and where to count (a sync cycle counts its own). */
export interface ReadIo {
  /** Sends one read to the relays. */
  send(request: ReadRequest): Promise<PoolResponse>;
  /** Counts a read answered from the miss cache. */
  cacheHit(): void;
  /** Counts a read that joined an identical one in flight. */
  coalesced(): void;
  /** The call's own limits (deadline, retries) when it has any: only reads with the same limits share a request. */
  limits?: string | undefined;
}

/**
 * The read path of the client: a `get` of a soul the first relay recently answered "Not found"
 * for is answered from the miss cache (when on); identical concurrent gets of one soul on one
 * relay share one request, each caller decoding its own copy. A delete's read never uses either.
 */
export class NodeReader {
  private readonly coalescer = new ReadCoalescer<PoolResponse>();

  constructor(private readonly parts: NodeReaderParts) {}

  /** Reads `soul` for `op`; `signal` is the caller's (it may give up while a shared request goes on). */
  async read(soul: string, op: Operation, pin: string | undefined, signal: AbortSignal | undefined, io: ReadIo): Promise<ReadAnswer> {
    const { parts } = this;
    if (op !== 'get') return parts.decode(soul, op, await io.send({ soul, op, relay: pin, signal }));
    const relay = parts.target(pin, op, soul);
    const cache = parts.missCache;
    if (cache?.has(relay, soul)) {
      io.cacheHit();
      return { node: null, relay };
    }
    const token = cache?.begin() ?? 0;
    let response: PoolResponse;
    if (parts.coalesce) {
      const joinedBefore = this.coalescer.joined;
      const shared = this.coalescer.run(
        `${pin === undefined ? '' : relay}\u0001${io.limits ?? ''}${SEP}${soul}`,
        signal,
        (own) => io.send({ soul, op, relay: pin, signal: own }),
        () => new GunRelayError('ABORTED', `${op}: aborted`, { op, soul }),
      );
      if (this.coalescer.joined > joinedBefore) io.coalesced();
      response = await shared;
    } else {
      response = await io.send({ soul, op, relay: pin, signal });
    }
    const answer = parts.decode(soul, op, response);
    if (answer.node === null) cache?.remember(answer.relay, soul, token);
    return answer;
  }

  /**
   * A write of `soul` is starting or has ended (whatever its outcome): its remembered misses are
   * forgotten, and a get asked from now on never joins a read of it already in flight.
   */
  written(soul: string): void {
    this.parts.missCache?.written(soul);
    const suffix = SEP + soul;
    if (this.coalescer.size > 0) this.coalescer.detach((key) => key.endsWith(suffix) && key.indexOf(SEP) === key.length - suffix.length);
  }

}
