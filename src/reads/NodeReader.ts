import { GunRelayError, type Operation } from '../errors.js';
import type { PoolResponse } from '../client/RelayPool.js';
import { endpointMissing, isSoulNotFound, readGetResponse, type RelayNode } from '../protocol/responses.js';
import type { SuspectReadEvent } from '../events.js';
import { isTraced, rereadChannel, type RereadTrace } from '../tracing/channels.js';
import type { MissCache } from './MissCache.js';
import { ReadCoalescer } from './ReadCoalescer.js';
import { liveKeyCount, type ReadGuard, type Suspicion } from './ReadGuard.js';

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
  /** Re-reads suspect answers, or `undefined` when the read guard is off. */
  guard: ReadGuard | undefined;
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
  /** Counts and reports a suspect answer (see {@link ReadGuard}). */
  suspect(event: SuspectReadEvent): void;
  /** The call's own limits (deadline, retries) when it has any: only reads with the same limits share a request. */
  limits?: string | undefined;
}

/**
 * The read path of the client: a `get` of a soul the first relay recently answered "Not found"
 * for is answered from the miss cache (when on); identical concurrent gets of one soul on one
 * relay share one request, each caller decoding its own copy. A delete's read never uses either.
 * An answer the {@link ReadGuard} does not believe (a miss, or fewer keys, for a soul expected
 * present) is read again after a pause before it is returned, and such a miss is never cached.
 */
export class NodeReader {
  private readonly coalescer = new ReadCoalescer<PoolResponse>();

  constructor(private readonly parts: NodeReaderParts) {}

  /** Reads `soul` for `op`; `signal` is the caller's (it may give up while a shared request goes on). */
  async read(soul: string, op: Operation, pin: string | undefined, signal: AbortSignal | undefined, io: ReadIo): Promise<ReadAnswer> {
    const { parts } = this;
    const guard = parts.guard;
    const cache = op === 'get' ? parts.missCache : undefined;
    const relay = parts.target(pin, op, soul);
    if (cache?.has(relay, soul) && !guard?.expects(relay, soul)) {
      io.cacheHit();
      return { node: null, relay };
    }
    const token = cache?.begin() ?? 0;
    const since = guard?.begin() ?? 0;
    let answer = await this.send(soul, op, pin, signal, io);
    const suspicion = guard?.judge(answer.relay, soul, answer.node, since);
    if (guard && suspicion) answer = await this.reread(guard, soul, op, pin, signal, io, answer, suspicion);
    guard?.settled(answer.relay, soul, answer.node);
    if (answer.node === null && !guard?.expects(answer.relay, soul)) cache?.remember(answer.relay, soul, token);
    return answer;
  }

  /**
   * A write of `soul` landed on `relay` (it answered 200) with `live` keys set and `tombstones`
   * nulled: the guard expects the node to have them.
   */
  landed(relay: string, soul: string, live: number, tombstones: number): void {
    this.parts.guard?.wrote(relay, soul, live, tombstones);
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


  /** One read on the wire, shared with identical gets in flight (a delete's read is never shared). */
  private async send(soul: string, op: Operation, pin: string | undefined, signal: AbortSignal | undefined, io: ReadIo): Promise<ReadAnswer> {
    const { parts } = this;
    if (op !== 'get' || !parts.coalesce) return parts.decode(soul, op, await io.send({ soul, op, relay: pin, signal }));
    const relay = parts.target(pin, op, soul);
    const joinedBefore = this.coalescer.joined;
    const shared = this.coalescer.run(
      `${pin === undefined ? '' : relay}\u0001${io.limits ?? ''}${SEP}${soul}`,
      signal,
      (own) => io.send({ soul, op, relay: pin, signal: own }),
      () => new GunRelayError('ABORTED', `${op}: aborted`, { op, soul }),
    );
    if (this.coalescer.joined > joinedBefore) io.coalesced();
    return parts.decode(soul, op, await shared);
  }

  /**
   * Reads a suspect answer again, up to `rereads` times, each after `rereadDelayMs` on the
   * client's clock, until an answer has the keys expected. Resolves the answer with the most
   * live keys (a node beats a miss); a re-read's failure is the call's failure.
   */
  private async reread(
    guard: ReadGuard,
    soul: string,
    op: Operation,
    pin: string | undefined,
    signal: AbortSignal | undefined,
    io: ReadIo,
    first: ReadAnswer,
    suspicion: Suspicion,
  ): Promise<ReadAnswer> {
    const { rereads, rereadDelayMs, clock } = guard.options;
    let best = first;
    let bestKeys = liveKeyCount(first.node);
    let suspect = first;
    let why = suspicion;
    for (let attempt = 1; attempt <= rereads; attempt++) {
      io.suspect({ op, soul, relay: suspect.relay, ...why, attempt: attempt - 1, action: 'reread', delayMs: rereadDelayMs });
      const again = async (): Promise<ReadAnswer> => {
        await clock.sleep(rereadDelayMs, signal).catch((reason: unknown) => {
          throw reason instanceof GunRelayError ? reason : new GunRelayError('ABORTED', `${op}: aborted`, { op, soul });
        });
        return this.send(soul, op, pin, signal, io);
      };
      const trace: RereadTrace | undefined = isTraced(rereadChannel)
        ? { op, soul, relay: suspect.relay, ...why, attempt, delayMs: rereadDelayMs }
        : undefined;
      const since = guard.begin();
      let answer: ReadAnswer;
      if (trace) {
        // The trace's `result` is what the traced promise resolves with: a summary, not the node.
        await rereadChannel.tracePromise(async () => summary((answer = await again())), trace);
      }
      answer ??= await again();
      const keys = liveKeyCount(answer.node);
      if (keys > bestKeys || (best.node === null && answer.node !== null)) {
        best = answer;
        bestKeys = keys;
      }
      const next = guard.judge(answer.relay, soul, answer.node, since);
      if (!next) return answer;
      suspect = answer;
      why = next;
    }
    const final = guard.judge(best.relay, soul, best.node, Number.POSITIVE_INFINITY) ?? why;
    io.suspect({ op, soul, relay: best.relay, ...final, attempt: rereads, action: 'confirmed', delayMs: 0 });
    return best;
  }
}

/** What a re-read answered, as its trace's `result`. */
function summary(answer: ReadAnswer): NonNullable<RereadTrace['result']> {
  return { found: answer.node !== null, keys: liveKeyCount(answer.node), relay: answer.relay };
}
