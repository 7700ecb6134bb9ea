import { GunRelayError, type Operation } from '../errors.js';
import type { PoolResponse } from '../client/RelayPool.js';
import { endpointMissing, isSoulNotFound, readGetResponse, type RelayNode } from '../protocol/responses.js';
import type { SuspectReadEvent } from '../events.js';
import { isTraced, rereadChannel, type RereadTrace } from '../tracing/channels.js';
import type { MissCache } from './MissCache.js';
import { ReadCoalescer } from './ReadCoalescer.js';
import { CycleReads, isKeyOfSoul } from './CycleReads.js';
import { liveKeyCount, type ReadGuard, type Suspicion } from './ReadGuard.js';
import { dropCrossLinks, type CrossLinks } from '../protocol/crossLinks.js';

const SEP = '\u0000';

/** One node read: the node (`null` for a miss) and the relay that answered. */
export interface ReadAnswer {
  node: RelayNode | null;
  relay: string;
  /** Keys dropped from `node` as cross-linked (see `crossLinks.ts`), when there were any. */
  crossLinks?: CrossLinks | undefined;
}

/** One `GET /get` to send. `signal` is the request's own (shared requests get theirs from the coalescer). */
export interface ReadRequest {
  soul: string;
  op: Operation;
  /** A relay pin, or `undefined` for the failover policy's choice. */
  relay: string | undefined;
  signal: AbortSignal | undefined;
}

/**
 * Decodes a `GET /get` answer: a node of its own for this caller, `null` for "Not found". Its
 * cross-linked keys are dropped, and named in `crossLinks`.
 */
export function decodeRead(soul: string, op: Operation, response: PoolResponse, maxEntries: number): ReadAnswer {
  const { status, text, relay } = response;
  if (status === 404) {
    if (!isSoulNotFound(text)) throw endpointMissing(op, soul, status, text, relay);
    return { node: null, relay };
  }
  const node = readGetResponse(soul, op, status, text, maxEntries);
  const crossLinks = dropCrossLinks(soul, node);
  return crossLinks ? { node, relay, crossLinks } : { node, relay };
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
  /** Always ask the relay: neither the miss cache nor the cycle's earlier answers (`compare()`). */
  fresh?: boolean | undefined;
  /** Sends one read to the relays. */
  send(request: ReadRequest): Promise<PoolResponse>;
  /** Counts a read answered from the miss cache. */
  cacheHit(): void;
  /** Counts a read that joined an identical one in flight. */
  coalesced(): void;
  /** Counts and reports a suspect answer (see {@link ReadGuard}). */
  suspect(event: SuspectReadEvent): void;
  /** Counts and reports the cross-linked keys dropped from the answer a read returns. */
  crossLinked?(soul: string, op: Operation, relay: string, found: CrossLinks): void;
  /** The call's own limits (deadline, retries) when it has any: only reads with the same limits share a request. */
  limits?: string | undefined;
  /** The sync cycle's reads through this reader, when the call came through a cycle's client. */
  cycle?: CycleReads | undefined;
  /** Counts a get answered from its cycle's earlier read of the soul. */
  cycleHit?(): void;
  /** The call's own answer size limit, if any: such a call is never answered from its cycle's reads. */
  maxContentLength?: number | undefined;
}

/** One read on the wire: the answer decoded for this caller, and the response it came from. */
interface Read {
  answer: ReadAnswer;
  response: PoolResponse;
}

/**
 * The read path of the client: a `get` of a soul the first relay recently answered "Not found"
 * for is answered from the miss cache (when on); identical concurrent gets of one soul on one
 * relay share one request, each caller decoding its own copy. A delete's read never uses either.
 * An answer the {@link ReadGuard} does not believe (a miss, or fewer keys, for a soul expected
 * present) is read again after a pause before it is returned, and such a miss is never cached.
 * A get through a sync cycle's client is answered from what that cycle already read of the soul
 * ({@link CycleReads}), until the soul is written.
 */
export class NodeReader {
  private readonly coalescer = new ReadCoalescer<PoolResponse>();
  /** The open sync cycles' reads: a write forgets what they read of its soul. */
  private readonly cycles = new Set<CycleReads>();

  constructor(private readonly parts: NodeReaderParts) {}

  /** Reads `soul` for `op`; `signal` is the caller's (it may give up while a shared request goes on). */
  async read(soul: string, op: Operation, pin: string | undefined, signal: AbortSignal | undefined, io: ReadIo): Promise<ReadAnswer> {
    const { parts } = this;
    // A call already aborted (an ended cycle's view included) is refused, never answered from memory.
    if (signal?.aborted) throw new GunRelayError('ABORTED', `${op}: aborted`, { op, soul });
    const guard = parts.guard;
    const cache = op === 'get' && !io.fresh ? parts.missCache : undefined;
    const cycle = op === 'get' && !io.fresh ? io.cycle : undefined;
    const relay = parts.target(pin, op, soul);
    const cycleKey = pin === undefined ? '' : relay;
    const kept = io.maxContentLength === undefined ? cycle?.get(cycleKey, soul) : undefined;
    if (kept) {
      io.cycleHit?.();
      return parts.decode(soul, op, kept);
    }
    if (cache?.has(relay, soul) && !guard?.expects(relay, soul)) {
      io.cacheHit();
      return { node: null, relay };
    }
    const token = cache?.begin() ?? 0;
    const since = guard?.begin() ?? 0;
    const cycleToken = cycle?.begin() ?? 0;
    let read = await this.send(soul, op, pin, signal, io);
    const suspicion = guard?.judge(read.answer.relay, soul, read.answer.node, since);
    if (guard && suspicion) read = await this.reread(guard, soul, op, pin, signal, io, read, suspicion);
    const { answer } = read;
    guard?.settled(answer.relay, soul, answer.node);
    if (answer.node === null && !guard?.expects(answer.relay, soul)) cache?.remember(answer.relay, soul, token);
    cycle?.set(cycleKey, soul, read.response, cycleToken);
    if (answer.crossLinks) io.crossLinked?.(soul, op, answer.relay, answer.crossLinks);
    return answer;
  }

  /** A streamed read (never decoded here) found `soul` on `relay`: the guard expects it there. */
  streamedPresent(relay: string, soul: string): void {
    this.parts.guard?.present(relay, soul);
  }

  /** A new record of what one sync cycle reads through this reader; `close()` it when the cycle ends. */
  cycleReads(maxChars: number): CycleReads {
    const reads = new CycleReads(maxChars, (r) => this.cycles.delete(r));
    this.cycles.add(reads);
    return reads;
  }

  /**
   * For a streamed read (never decoded here) that missed `soul` on `relay`: when the guard
   * expects the soul there and re-read `attempt` (1-based) is within its re-reads, reports the
   * suspicion, waits the guard's pause and resolves true (read again); past the re-reads, reports
   * it confirmed and throws `UNCONFIRMED_MISS`. False when the miss is believed.
   */
  async rereadMiss(relay: string, soul: string, attempt: number, signal: AbortSignal | undefined, suspect: (event: SuspectReadEvent) => void): Promise<boolean> {
    const guard = this.parts.guard;
    const why = guard?.judge(relay, soul, null, Number.POSITIVE_INFINITY);
    if (!guard || !why) return false;
    const { rereads, rereadDelayMs, clock } = guard.options;
    const again = attempt <= rereads;
    suspect({ op: 'get', soul, relay, ...why, attempt: attempt - 1, action: again ? 'reread' : 'confirmed', delayMs: again ? rereadDelayMs : 0 });
    if (!again) throw unconfirmedMiss('get', soul, relay, guard);
    await clock.sleep(rereadDelayMs, signal).catch((reason: unknown) => {
      throw reason instanceof GunRelayError ? reason : new GunRelayError('ABORTED', 'get: aborted', { op: 'get', soul });
    });
    return true;
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
  /** True when the read guard expects `soul` present on one of `relays` (a miss of it is re-read, never remembered). */
  expectsPresent(relays: readonly string[], soul: string): boolean {
    const guard = this.parts.guard;
    return guard !== undefined && relays.some((relay) => guard.expects(relay, soul));
  }

  written(soul: string): void {
    this.parts.missCache?.written(soul);
    for (const cycle of this.cycles) cycle.forget(soul);
    if (this.coalescer.size > 0) this.coalescer.detach((key) => isKeyOfSoul(key, soul));
  }


  /** One read on the wire, shared with identical gets in flight (a delete's read is never shared). */
  private async send(soul: string, op: Operation, pin: string | undefined, signal: AbortSignal | undefined, io: ReadIo): Promise<Read> {
    const { parts } = this;
    if (op !== 'get' || !parts.coalesce) return decoded(parts, soul, op, await io.send({ soul, op, relay: pin, signal }));
    const relay = parts.target(pin, op, soul);
    const joinedBefore = this.coalescer.joined;
    const shared = this.coalescer.run(
      `${pin === undefined ? '' : relay}\u0001${io.limits ?? ''}${SEP}${soul}`,
      signal,
      (own) => io.send({ soul, op, relay: pin, signal: own }),
      () => new GunRelayError('ABORTED', `${op}: aborted`, { op, soul }),
    );
    if (this.coalescer.joined > joinedBefore) io.coalesced();
    return decoded(parts, soul, op, await shared);
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
    first: Read,
    suspicion: Suspicion,
  ): Promise<Read> {
    const { rereads, rereadDelayMs, clock } = guard.options;
    let best = first;
    let bestKeys = liveKeyCount(first.answer.node);
    let suspect = first.answer;
    let why = suspicion;
    for (let attempt = 1; attempt <= rereads; attempt++) {
      io.suspect({ op, soul, relay: suspect.relay, ...why, attempt: attempt - 1, action: 'reread', delayMs: rereadDelayMs });
      const again = async (): Promise<Read> => {
        await clock.sleep(rereadDelayMs, signal).catch((reason: unknown) => {
          throw reason instanceof GunRelayError ? reason : new GunRelayError('ABORTED', `${op}: aborted`, { op, soul });
        });
        return this.send(soul, op, pin, signal, io);
      };
      const trace: RereadTrace | undefined = isTraced(rereadChannel)
        ? { op, soul, relay: suspect.relay, ...why, attempt, delayMs: rereadDelayMs }
        : undefined;
      const since = guard.begin();
      let read: Read | undefined;
      if (trace) {
        // The trace's `result` is what the traced promise resolves with: a summary, not the node.
        await rereadChannel.tracePromise(async () => summary((read = await again()).answer), trace);
      }
      read ??= await again();
      const { answer } = read;
      const keys = liveKeyCount(answer.node);
      if (keys > bestKeys || (best.answer.node === null && answer.node !== null)) {
        best = read;
        bestKeys = keys;
      }
      const next = guard.judge(answer.relay, soul, answer.node, since);
      if (!next) return read;
      suspect = answer;
      why = next;
    }
    const final = guard.judge(best.answer.relay, soul, best.answer.node, Number.POSITIVE_INFINITY) ?? why;
    io.suspect({ op, soul, relay: best.answer.relay, ...final, attempt: rereads, action: 'confirmed', delayMs: 0 });
    // A miss every re-read agreed with, of a soul still expected present: not "absent" (see UNCONFIRMED_MISS).
    if (best.answer.node === null && final.reason === 'miss') throw unconfirmedMiss(op, soul, best.answer.relay, guard);
    return best;
  }
}

/** The error for a miss of a soul the guard expects present that every re-read agreed with. */
function unconfirmedMiss(op: Operation, soul: string, relay: string, guard: ReadGuard): GunRelayError {
  const { rereads, rereadDelayMs } = guard.options;
  return new GunRelayError(
    'UNCONFIRMED_MISS',
    `${op}: the relay answered "Not found" for ${JSON.stringify(soul)} ${rereads + 1} times, ${rereadDelayMs} ms apart, ` +
      'but this client saw it present or wrote it within readGuard.rememberMs. A relay that misreads a large node ' +
      '(whole to its first reader, then 404 for seconds) cannot be told from a delete by another writer: not answered ' +
      'as absent, no miss cached. Read again later, or raise readGuard.rereadDelayMs.',
    { op, soul, relay, status: 404 },
  );
}

/** Decodes `response` into the caller's own answer, keeping the response it came from. */
function decoded(parts: NodeReaderParts, soul: string, op: Operation, response: PoolResponse): Read {
  return { answer: parts.decode(soul, op, response), response };
}

/** What a re-read answered, as its trace's `result`. */
function summary(answer: ReadAnswer): NonNullable<RereadTrace['result']> {
  return { found: answer.node !== null, keys: liveKeyCount(answer.node), relay: answer.relay };
}
