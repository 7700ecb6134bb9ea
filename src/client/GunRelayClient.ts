import type { Clock } from '../clock.js';
import { GunRelayError, redactUrl, type Operation } from '../errors.js';
import { INSPECT, inspectSummary } from './redactedView.js';
import type { InspectOptions } from 'node:util';
import type { ClientEvents, CrossLinkEvent, StatsSnapshot, SuspectReadEvent } from '../events.js';
import type { AppFailure, AppFailureResult } from '../ledger/appFailures.js';
import type { FailureLedger, QuarantinedSoul } from '../ledger/FailureLedger.js';
import { Quarantine } from '../ledger/Quarantine.js';
import type { OipRecord } from '../oip/recordSchemas.js';
import { resolveOptions, type ClientOptions, type ResolvedOptions } from '../options.js';
import type { LedgerImportResult, LedgerSnapshot } from '../ledger/snapshot.js';
import { assertDeleteKeys, assertListCount, assertSoul, type GunNode } from '../protocol/input.js';
import { prepareWrite, serialise, type PreparedWrite } from '../protocol/preparedWrite.js';
import { nodeKeyProblem } from '../protocol/wireSafe.js';
import { endpointMissing, isSoulNotFound, readListResponse, readPutResponse } from '../protocol/responses.js';
import { AxiosTransport } from '../transport/AxiosTransport.js';
import type { Transport } from '../transport/Transport.js';
import { Counters, type CallScope, type Tallies } from './Counters.js';
import { attachLogger, logSafely } from './logging.js';
import { rememberLogger, unitWarnings } from './unitWarnings.js';
import { RelayPool, type RelayHealth } from './RelayPool.js';
import { LINK_READ_CONCURRENCY, resolveLinks } from '../reads/linkResolver.js';
import { readOwnData, VERIFY_IDENTITY, type IdentityProblem } from '../reads/identity.js';
import { planWrite, type PlannedWrite } from '../protocol/nestedWrite.js';
import { finishListEntry, isChildSoul } from './listEntries.js';
import { checkLinkKeys, checkResolveLinks, readRecord, writeRecord } from './records.js';
import type { GetOptions, GetRecordOptions, PutRecordOptions, PutRecordResult, RecordRead } from './records.js';
import type { CallOptions, DeleteOptions, DeleteResult, GetResult, ListEntry, ListOptions, PutEntry, PutResult, ReadLimitOptions, RelayNode } from './results.js';
import { compareRelays, type Comparison } from '../relays/compare.js';
import { SafeEmitter } from './SafeEmitter.js';
import { CallAccounting } from './CallAccounting.js';
import { checkCallOptions } from './callOptions.js';
import { checkCallLimits, type CallLimits } from './callLimits.js';
import { withWrite, WRITE_IDENTITY, writeKey } from '../ledger/writeKey.js';
import { LedgerCalls } from './LedgerCalls.js';
import { runBatch, type BatchOptions, type BatchOutcome } from '../batch/runBatch.js';
import { crossLinkChannel, traceCall } from '../tracing/channels.js';
import { crossLinksOf, linkTarget } from '../protocol/crossLinks.js';
import { MissCache } from '../reads/MissCache.js';
import { ReadGuard } from '../reads/ReadGuard.js';
import type { CycleReads } from '../reads/CycleReads.js';
import { decodeRead, NodeReader, type ReadAnswer, type ReadRequest } from '../reads/NodeReader.js';
import type { PoolResponse } from './RelayPool.js';
import { countingSink, DEFAULT_STREAM_LIMIT, feedText, type StreamGetOptions, type StreamGetResult } from './streamedRead.js';
import type { BodySink } from '../transport/Transport.js';

/** A read that asks the relay whatever the miss cache or the cycle remembers (`compare()`). */
const FRESH_READ: unique symbol = Symbol('gun-relay-client.freshRead');

/**
 * A typed client for the GUN HTTP relay. Soul-level failures are counted per soul and, past
 * `failureThreshold`, answered `skipped` without a request; relay-level failures never count
 * against a soul. Errors are {@link GunRelayError}s holding nothing from the HTTP layer.
 */
export class GunRelayClient {
  private readonly options: ResolvedOptions;
  private readonly clock: Clock;
  private readonly transport: Transport;
  private readonly pool: RelayPool;
  private readonly quarantine: Quarantine;
  private readonly ledger: FailureLedger;
  private readonly missCache: MissCache | undefined;
  private readonly reader: NodeReader;
  private readonly calls: CallAccounting;
  private readonly ledgerCalls: LedgerCalls;
  private readonly counters = new Counters();
  private readonly ownTallies: Tallies = [this.counters];
  private readonly events = new SafeEmitter<ClientEvents>();
  /** Set only on a sync cycle's view of this client (see `sync/cycleView.ts`): its calls also count there. */
  private readonly scope: CallScope | undefined = undefined;
  private closed = false;

  /** Validates `options` (throws `INVALID_OPTIONS` naming the field) and creates the client. No timer starts. */
  constructor(options: ClientOptions) {
    this.options = resolveOptions(options);
    this.clock = this.options.clock;
    this.transport =
      this.options.transport ??
      new AxiosTransport({
        maxSockets: this.options.maxInFlight,
        maxContentLength: this.options.maxContentLength,
        maxBodyLength: this.options.maxBodyLength,
        headers: this.options.headers,
      });
    this.pool = new RelayPool(this.options, this.transport, {
      retry: (e) => this.events.emit('retry', e),
      breaker: (e) => this.events.emit('breaker', e),
      confirmed: (refusals) => this.calls.confirmed(refusals),
      classifierProblem: (e) => this.events.emit('classifierError', e),
    });
    this.quarantine = new Quarantine({
      threshold: this.options.failureThreshold,
      ttlMs: this.options.failureTtlMs,
      maxEntries: this.options.maxTrackedSouls,
      clock: this.clock,
      store: this.options.ledgerStore,
      emit: {
        quarantine: (e) => this.events.emit('quarantine', withWrite(e)),
        recover: (e) => this.events.emit('recover', withWrite(e)),
        junk: (e) => this.events.emit('ledgerStoreJunk', e),
      },
    });
    this.ledger = this.quarantine.ledger;
    const miss = this.options.missCache;
    this.missCache = miss === false ? undefined : new MissCache({ ...miss, clock: this.clock });
    const guard = this.options.readGuard;
    this.reader = new NodeReader({
      missCache: this.missCache,
      guard: guard === false ? undefined : new ReadGuard({ ...guard, clock: this.clock }),
      coalesce: this.options.coalesceReads,
      decode: (soul, op, res) => decodeRead(soul, op, res, this.options.maxListEntries),
      target: (pin, op, soul) => this.pool.target(pin, op, soul),
    });
    this.calls = new CallAccounting({
      clock: this.clock,
      quarantine: this.quarantine,
      counters: this.counters,
      events: this.events,
      options: this.options,
      evidence: this.pool,
      isClosed: () => this.closed,
      snapshot: () => this.snapshot(),
    });
    this.ledgerCalls = new LedgerCalls({
      clock: this.clock,
      quarantine: this.quarantine,
      options: this.options,
      forgiveHeld: (soul) => this.pool.forgive(soul),
    });
    const logger = this.options.logger;
    if (logger) {
      attachLogger(this, logger);
      rememberLogger(this, logger);
      const { timeouts } = this.options;
      const durations = { 'timeouts.get': timeouts.get, 'timeouts.put': timeouts.put, 'timeouts.delete': timeouts.delete, 'timeouts.list': timeouts.list };
      for (const warning of unitWarnings(durations, ['timeouts.get'])) logSafely(logger, 'warn', { option: warning.split(':')[0] }, `gun relay: ${warning}`);
    }
  }

  /** Subscribes to an event; returns a function that unsubscribes. */
  on<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): () => void {
    return this.events.on(event, listener);
  }

  /** Subscribes for one event; returns a function that unsubscribes. */
  once<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): () => void {
    return this.events.once(event, listener);
  }

  /** Removes a listener added with `on`. */
  off<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): void {
    this.events.off(event, listener);
  }

  /**
   * Writes (merges) `node` into `soul`. Resolves `written`, or `skipped` when the soul is
   * quarantined for puts. `node` is validated and serialised before this returns its promise:
   * changing the object afterwards does not change what is sent.
   */
  put(soul: string, node: GunNode, opts: CallOptions = {}): Promise<PutResult> {
    return traceCall('put', soul, this.scope?.cycle, this.putCall, this, soul, node, opts);
  }

  private async putCall(soul: string, node: GunNode, given: CallOptions): Promise<PutResult> {
    const opts = checkCallOptions<CallOptions>(given, 'put');
    this.assertOpen('put', soul);
    const prepared = prepareWrite(soul, node, 'put', this.options.maxBodyLength);
    // One request; every nested object names its own node's soul: the relay never has to resolve one.
    const planned = planWrite(soul, prepared.node!, 'put', this.options.maxBodyLength);
    checkCallLimits(opts, 'put');
    const target = this.pool.target(opts.relay, 'put', soul);
    const key = writeKey(soul, (opts as { [WRITE_IDENTITY]?: string })[WRITE_IDENTITY] ?? prepared.body);
    const skipped = this.calls.skipIfQuarantined(this.tallies(), 'put', soul, 'put', target, key);
    if (skipped) return { soul, outcome: 'skipped', failures: skipped, relay: target };
    const started = this.calls.begin(this.tallies(), 'put');
    let relay: string;
    try {
      relay = await this.write(planned, 'put', opts);
    } catch (error) {
      throw this.calls.failed(this.tallies(), 'put', soul, error, started, key);
    }
    this.calls.succeeded(this.tallies(), 'put', soul, started, 'written', relay, key);
    return { soul, outcome: 'written', relay };
  }

  /**
   * Reads a node, resolving `opts.resolveLinks` levels of links. Resolves `null` when the relay
   * answers 404 (`UNCONFIRMED_MISS` when the soul was seen present or written recently and every
   * re-read missed too); every other failure throws.
   */
  get(soul: string, opts: GetOptions = {}): Promise<RelayNode | null> {
    return traceCall('get', soul, this.scope?.cycle, this.getCall, this, soul, opts);
  }

  private async getCall(soul: string, opts: GetOptions): Promise<RelayNode | null> {
    return (await this.lookupCall(soul, opts)).node;
  }

  /** Like `get`, but also says which relay answered: `{ outcome: 'found' | 'missing', node, relay }`. */
  lookup(soul: string, opts: GetOptions = {}): Promise<GetResult> {
    return traceCall('get', soul, this.scope?.cycle, this.lookupCall, this, soul, opts);
  }

  private async lookupCall(soul: string, given: GetOptions): Promise<GetResult> {
    const opts = checkCallOptions<GetOptions>(given, 'get');
    this.assertOpen('get', soul);
    assertSoul(soul, 'get');
    const depth = checkResolveLinks(opts.resolveLinks);
    checkCallLimits(opts, 'get');
    const keys = checkLinkKeys(opts.linkKeys);
    const target = this.pool.target(opts.relay, 'get', soul);
    if (this.options.countReadFailures) this.calls.refuseIfQuarantined(this.tallies(), 'get', soul, target);
    const started = this.calls.begin(this.tallies(), 'get');
    let answer: ReadAnswer;
    try {
      // One deadline for the whole call: the node and every link read (and one read again).
      const deadlineAt = this.clock.now() + (opts.timeoutMs ?? this.options.timeouts.get);
      const verify = (opts as { [VERIFY_IDENTITY]?: (node: RelayNode) => IdentityProblem | undefined })[VERIFY_IDENTITY];
      answer = await readOwnData('get', async (onForeign) => {
        const read = await this.read(soul, 'get', opts, opts.timeoutMs === undefined ? undefined : deadlineAt);
        if (read.node && depth > 0) {
          // Links are read from the relay that answered: relays may be separate stores.
          const pinned = { ...opts, relay: read.relay };
          // Never more link reads at once than the client runs: they would wait in (and could fill) its queue.
          const options = { depth, keys, maxReads: this.options.maxLinkReads, concurrency: Math.min(LINK_READ_CONCURRENCY, this.options.maxInFlight), onForeign };
          read.node = await resolveLinks(read.node, soul, options, async (s) => (await this.read(s, 'get', pinned, deadlineAt)).node);
        }
        return read;
      }, verify as ((node: Record<string, unknown>) => IdentityProblem | undefined) | undefined, (_, confirmed) => this.tallies().forEach((t) => (confirmed ? t.identityMismatches++ : t.identityRereads++)));
    } catch (error) {
      throw this.calls.failed(this.tallies(), 'get', soul, error, started);
    }
    const { node, relay } = answer;
    this.calls.succeeded(this.tallies(), 'get', soul, started, node ? 'found' : 'missing', relay);
    return node ? { soul, outcome: 'found', node, relay } : { soul, outcome: 'missing', node: null, relay };
  }

  /**
   * Reads a node without building it: the 2xx answer's body goes to `sink` chunk by chunk as it
   * arrives (e.g. the streaming parser of an `IndexSnapshot`), so a node of any size costs what
   * the sink keeps, not the body. Its limit is `opts.maxContentLength`, default 1 GiB. Resolves
   * `missing` for the relay's "Not found" (`UNCONFIRMED_MISS` as for `get`); neither the miss
   * cache nor read sharing is used.
   */
  streamGet(soul: string, sink: BodySink, opts: StreamGetOptions = {}): Promise<StreamGetResult> {
    return traceCall('get', soul, this.scope?.cycle, this.streamGetCall, this, soul, sink, opts);
  }

  private async streamGetCall(soul: string, sink: BodySink, given: StreamGetOptions): Promise<StreamGetResult> {
    const opts = checkCallOptions<StreamGetOptions>(given, 'get');
    this.assertOpen('get', soul);
    assertSoul(soul, 'get');
    const limits = checkCallLimits(opts, 'get');
    const tallies = this.tallies();
    const counted = countingSink(sink);
    const started = this.calls.begin(tallies, 'get');
    let result: StreamGetResult;
    try {
      for (let attempt = 1; ; attempt++) {
        const res = await this.pool.send({
          op: 'get', soul, method: 'GET', path: '/get', params: { soul }, sink: counted, tallies, relay: opts.relay,
          timeoutMs: opts.timeoutMs ?? this.options.timeouts.get, signal: this.callSignal(opts.signal),
          ...limits, maxContentLength: limits.maxContentLength ?? DEFAULT_STREAM_LIMIT,
        });
        // The sink refused the answer (malformed, or past its own bound): one request, never retried.
        if (res.refused) throw res.refused;
        if (res.status !== 404) {
          if (!res.streamed) feedText(counted, res.text);
          result = { soul, outcome: 'found', relay: res.relay, bytes: counted.bytes };
          this.reader.streamedPresent(res.relay, soul);
          const dropped = crossLinksOf(sink);
          if (dropped && dropped.count > 0) this.crossLinked(tallies, { op: 'get', soul, relay: res.relay, count: dropped.count, keys: dropped.examples.map((e) => ({ ...e })) });
          break;
        }
        if (!isSoulNotFound(res.text)) throw endpointMissing('get', soul, res.status, res.text, res.relay);
        // A miss of a soul this client saw present or wrote is read again first (the read guard).
        if (await this.reader.rereadMiss(res.relay, soul, attempt, this.callSignal(opts.signal), (e) => this.suspectRead(tallies, e))) continue;
        for (const t of tallies) t.misses++;
        result = { soul, outcome: 'missing', relay: res.relay, bytes: 0 };
        break;
      }
    } catch (error) {
      throw this.calls.failed(tallies, 'get', soul, error, started);
    }
    this.calls.succeeded(tallies, 'get', soul, started, result.outcome, result.relay);
    return result;
  }

  /**
   * True when the read guard remembers `soul` as present on, or written to, one of this client's
   * relays: a miss of it would be read again, never cached. For callers that keep their own miss
   * memory (the legacy facade) and must not answer such a soul from it.
   */
  expectsPresent(soul: string): boolean {
    return this.reader.expectsPresent(this.pool.labels, soul);
  }

  /**
   * Reads `soul` on every relay (each pinned, no failover) and reports each answer and whether
   * they agree: replication lag between separate stores made visible. Never throws for a relay's
   * failure; it is reported as that relay's answer.
   */
  async compare(soul: string, given: CallOptions = {}): Promise<Comparison> {
    const opts = checkCallOptions<CallOptions>(given, 'get');
    this.assertOpen('get', soul);
    assertSoul(soul, 'get');
    const read = { signal: opts.signal, timeoutMs: opts.timeoutMs, [FRESH_READ]: true };
    return compareRelays(soul, this.pool.labels, (relay) => this.get(soul, { ...read, relay }));
  }

  /**
   * Deletes a node by tombstoning every key (`{k: null}`), never with a root `null` (which the
   * relay always rejects). Keys come from `opts.keys`, or from reading the node first.
   */
  delete(soul: string, opts: DeleteOptions = {}): Promise<DeleteResult> {
    return traceCall('delete', soul, this.scope?.cycle, this.deleteCall, this, soul, opts);
  }

  private async deleteCall(soul: string, given: DeleteOptions): Promise<DeleteResult> {
    const opts = checkCallOptions<DeleteOptions>(given, 'delete');
    this.assertOpen('delete', soul);
    assertSoul(soul, 'delete');
    const givenKeys = opts.keys === undefined ? undefined : assertDeleteKeys(opts.keys, soul);
    checkCallLimits(opts, 'delete');
    const target = this.pool.target(opts.relay, 'delete', soul);
    const skipped = this.calls.skipIfQuarantined(this.tallies(), 'delete', soul, 'delete', target);
    if (skipped) return { soul, outcome: 'skipped', failures: skipped, relay: target };
    const started = this.calls.begin(this.tallies(), 'delete');
    let result: DeleteResult;
    try {
      result = await this.tombstone(soul, givenKeys, opts);
    } catch (error) {
      throw this.calls.failed(this.tallies(), 'delete', soul, error, started);
    }
    this.calls.succeeded(this.tallies(), 'delete', soul, started, result.outcome, result.relay);
    return result;
  }

  /**
   * Reads many souls with at most `concurrency` (default 8) in flight; yields `{ index, soul, ok,
   * value | error }` per soul in completion order (`index` is the input position). The input, an
   * iterable or async iterable, is pulled lazily: memory stays bounded whatever its size.
   */
  getMany(souls: Iterable<string> | AsyncIterable<string>, opts: BatchOptions & Pick<CallOptions, 'relay'> = {}): AsyncIterable<BatchOutcome<GetResult>> {
    return runBatch(souls, (soul, signal) => this.lookup(soul, { signal, relay: opts.relay }), String, opts);
  }

  /** Writes many `{ soul, node }` entries, as {@link GunRelayClient.getMany} reads: bounded, lazy, completion order. */
  putMany(entries: Iterable<PutEntry> | AsyncIterable<PutEntry>, opts: BatchOptions & Pick<CallOptions, 'relay'> = {}): AsyncIterable<BatchOutcome<PutResult>> {
    return runBatch(entries, (e, signal) => this.put(e.soul, e.node, { signal, relay: opts.relay }), (e) => String(e.soul), opts);
  }

  /** Deletes many souls, as {@link GunRelayClient.getMany} reads: bounded, lazy, completion order. */
  deleteMany(souls: Iterable<string> | AsyncIterable<string>, opts: BatchOptions & Pick<CallOptions, 'relay'> = {}): AsyncIterable<BatchOutcome<DeleteResult>> {
    return runBatch(souls, (soul, signal) => this.delete(soul, { signal, relay: opts.relay }), String, opts);
  }

  /** Lists the records of a publisher (souls starting `<publisherHash>:`), tolerant of both entry shapes. */
  list(publisherHash: string, opts: ListOptions = {}): Promise<ListEntry[]> {
    return traceCall('list', publisherHash, this.scope?.cycle, this.listCall, this, publisherHash, opts);
  }

  private async listCall(publisherHash: string, given: ListOptions): Promise<ListEntry[]> {
    const opts = checkCallOptions<ListOptions>(given, 'list');
    this.assertOpen('list', undefined);
    assertSoul(publisherHash, 'list');
    const params: Record<string, string | number> = { publisherHash };
    if (opts.limit !== undefined) params['limit'] = assertListCount(opts.limit, 'limit', 1);
    if (opts.offset !== undefined) params['offset'] = assertListCount(opts.offset, 'offset', 0);
    this.pool.target(opts.relay, 'list');
    const started = this.calls.begin(this.tallies(), 'list');
    let entries: ListEntry[];
    let relay: string;
    try {
      const res = await this.pool.send({
        op: 'list',
        method: 'GET',
        path: '/list',
        params,
        timeoutMs: opts.timeoutMs ?? this.options.timeouts.list,
        ...checkCallLimits(opts, 'list'),
        signal: this.callSignal(opts.signal),
        tallies: this.tallies(),
        gate: this.scope?.gate,
        relay: opts.relay,
      });
      if (res.status === 404) throw endpointMissing('list', undefined, res.status, res.text, res.relay);
      entries = readListResponse(res.status, res.text, this.options.maxListEntries);
      relay = res.relay;
    } catch (error) {
      throw this.calls.failed(this.tallies(), 'list', undefined, error, started);
    }
    // Nested objects are written as their own nodes (`<soul>/<key>`): they are parts of a listed node, not entries.
    entries = entries.filter((e) => !isChildSoul(e.soul));
    for (const entry of entries) finishListEntry(entry, opts.decode === true);
    if (opts.recordType !== undefined) entries = entries.filter((e) => e.recordType === opts.recordType);
    this.calls.succeeded(this.tallies(), 'list', undefined, started, 'listed', relay);
    return entries;
  }

  /**
   * Writes an OIP record as the legacy node (`data`/`oip` JSON strings, `meta` child), encrypting
   * `data` when `opts.encrypt` gives a key. Encoding errors throw before anything is sent.
   */
  putRecord(record: OipRecord, soul: string, opts: PutRecordOptions = {}): Promise<PutRecordResult> {
    return writeRecord(this, record, soul, opts);
  }

  /**
   * Reads and decodes a record, resolving its links (`resolveLinks`, default 1) and decrypting
   * with `opts.keyProvider`. `null` when absent; a wrong key is `DECRYPTION_FAILED`, never retried.
   */
  getRecord<TData = unknown, TOip = unknown>(soul: string, opts: GetRecordOptions = {}): Promise<RecordRead<TData, TOip> | null> {
    if (!this.options.countReadFailures) return readRecord<TData, TOip>(this, soul, opts);
    return this.readRecordCounted<TData, TOip>(soul, opts);
  }

  /** Probes every relay at its `healthPath` (a relay: `GET /peers/status`; a proxy: a get) without touching the soul ledger or the breakers. */
  async health(opts: { timeoutMs?: number } = {}): Promise<RelayHealth[]> {
    this.assertOpen('health', undefined);
    return this.pool.health(opts.timeoutMs ?? this.options.timeouts.get);
  }

  /** A snapshot of every counter, the ledger's size and the relays' state. */
  stats(): StatsSnapshot {
    this.ledger.purgeExpired();
    return this.snapshot();
  }

  /** The souls currently skipped, with their failure counts and time left. */
  quarantined(): QuarantinedSoul[] {
    return this.ledgerCalls.quarantined();
  }

  /**
   * Clears a soul's failures for every operation (app-defined ones too) and every write of it, and
   * its refusals held for attribution, so its next call is sent. Returns true if it had any.
   */
  forgive(soul: string): boolean {
    return this.ledgerCalls.forgive(soul);
  }

  /**
   * Counts a failure of an operation the app defines (`'index'`, `'es'`, …) against `soul` at
   * once (the app is the evidence), with the same threshold, TTL, bound, `quarantine` event and
   * export as put and delete. Throws `INVALID_INPUT` for a bad op, soul or code, or when the
   * ledger already tracks 32 operation names.
   */
  recordFailure(op: string, soul: string, failure: AppFailure): AppFailureResult {
    return this.ledgerCalls.recordFailure(op, soul, failure);
  }

  /** Clears `soul`'s failures for the app's `op` after it succeeded (emits `recover`). Returns true if it had any. */
  recordSuccess(op: string, soul: string): boolean {
    return this.ledgerCalls.recordSuccess(op, soul);
  }

  /**
   * True when `soul` has reached the failure threshold for `op` within the TTL: the app should skip
   * it. For `'put'`, true when any write of the soul is quarantined. Synchronous, no request.
   */
  isQuarantined(op: string, soul: string): boolean {
    return this.ledgerCalls.isQuarantined(op, soul);
  }

  /** The failure ledger as versioned JSON, so a restarted worker keeps skipping its poisoned souls. Held refusals are not in it. */
  exportLedger(): LedgerSnapshot {
    return this.ledgerCalls.exportLedger();
  }

  /**
   * Loads a snapshot from `exportLedger()`, validated with zod (`INVALID_INPUT` if malformed).
   * Entries whose TTL ran out while the worker was down are dropped.
   */
  importLedger(snapshot: unknown): LedgerImportResult {
    return this.ledgerCalls.importLedger(snapshot);
  }

  /** Frees sockets and listeners. Queued calls and later calls reject with `CLIENT_CLOSED`. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pool.close();
    this.transport.close();
    this.quarantine.close();
    this.events.removeAll();
  }

  /**
   * A small summary for logs: the relays (credentials removed) and whether the client is closed.
   * `JSON.stringify(client)` gives this, never the options (no password, no header value).
   */
  toJSON(): { client: 'GunRelayClient'; relays: string[]; closed: boolean } {
    return { client: 'GunRelayClient', relays: this.options.baseUrl.map((r) => redactUrl(r.url)), closed: this.closed };
  }

  /** What `util.inspect(client)` and `console.log(client)` show: the same summary as `toJSON()`. */
  [INSPECT](_depth: number, options: InspectOptions): string {
    const { relays, closed } = this.toJSON();
    return inspectSummary('GunRelayClient', { relays, closed }, options);
  }

  /** True once `close()` was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  // ---- internals -------------------------------------------------------------------------

  /** @internal Sends one prepared write; shared by put, delete and record writes. Resolves the relay that took it. */
  protected async write(prepared: PreparedWrite | PlannedWrite, op: Operation, opts: CallOptions): Promise<string> {
    const timeoutMs = opts.timeoutMs ?? this.options.timeouts[op === 'delete' ? 'delete' : 'put'];
    const soul = prepared.soul;
    const nested = 'nested' in prepared ? prepared.nested : [];
    // Whatever its outcome (a timed-out write may have landed), a write ends any remembered miss,
    // of its node and of every nested node it writes.
    this.reader.written(soul);
    for (const child of nested) this.reader.written(child.soul);
    try {
      const res = await this.pool.send({
        op,
        soul,
        method: 'POST',
        path: '/put',
        body: prepared.body,
        timeoutMs,
        signal: this.callSignal(opts.signal),
        tallies: this.tallies(),
        gate: this.scope?.gate,
        relay: opts.relay,
        ...checkCallLimits(opts, op),
      });
      if (res.status === 404) throw endpointMissing(op, soul, res.status, res.text, res.relay);
      readPutResponse(soul, op, res.status, res.text);
      this.reader.landed(res.relay, soul, prepared.liveKeys, prepared.tombstones);
      for (const child of nested) this.reader.landed(res.relay, child.soul, child.liveKeys, child.tombstones);
      return res.relay;
    } finally {
      this.reader.written(soul);
      for (const child of nested) this.reader.written(child.soul);
    }
  }

  /** @internal Reads one node; `null` for the relay's "Not found". */
  protected read(soul: string, op: Operation, opts: CallOptions & ReadLimitOptions, deadlineAt?: number): Promise<ReadAnswer> {
    // Built per call from `this`: a sync cycle's view counts its reads in its own tallies.
    const tallies = this.tallies();
    const gate = this.scope?.gate;
    const limits = checkCallLimits(opts, op);
    const { retries, attemptTimeoutMs, maxContentLength } = limits;
    const own = deadlineAt !== undefined || retries !== undefined || attemptTimeoutMs !== undefined || maxContentLength !== undefined;
    return this.reader.read(soul, op, opts.relay, this.callSignal(opts.signal), {
      limits: own ? `${deadlineAt ?? ''}/${retries ?? ''}/${attemptTimeoutMs ?? ''}/${maxContentLength ?? ''}` : undefined,
      fresh: (opts as { [FRESH_READ]?: boolean })[FRESH_READ] === true,
      send: (request) => this.sendRead(request, tallies, deadlineAt, limits, gate),
      cacheHit: () => tallies.forEach((t) => t.missCacheHits++),
      coalesced: () => tallies.forEach((t) => t.coalescedReads++),
      cycle: this.cycleReads(),
      maxContentLength,
      cycleHit: () => tallies.forEach((t) => t.cycleReadHits++),
      suspect: (event) => this.suspectRead(tallies, event),
      crossLinked: (soul, op, relay, found) => this.crossLinked(tallies, { op, soul, relay, count: found.count, keys: found.examples.map((e) => ({ ...e })) }),
    });
  }

  /** What this call's sync cycle has read through this client (`undefined` outside a cycle). */
  private cycleReads(): CycleReads | undefined {
    const reads = this.scope?.reads;
    if (!reads) return undefined;
    let mine = reads.get(this.reader) as CycleReads | undefined;
    if (!mine) reads.set(this.reader, (mine = this.reader.cycleReads(this.options.maxContentLength)));
    return mine;
  }

  /** Sends one `GET /get` (the reader may share it among callers). */
  private async sendRead(
    { soul, op, relay, signal }: ReadRequest,
    tallies: Tallies,
    deadlineAt: number | undefined,
    limits: CallLimits,
    gate: (() => string | undefined) | undefined,
  ): Promise<PoolResponse> {
    let timeoutMs = this.options.timeouts[op === 'delete' ? 'delete' : 'get'];
    if (deadlineAt !== undefined) {
      timeoutMs = deadlineAt - this.clock.now();
      if (timeoutMs <= 0) throw new GunRelayError('TIMEOUT', `${op}: the call's deadline passed while resolving links; nothing more was sent`, { op, soul });
    }
    const res = await this.pool.send({ op, soul, method: 'GET', path: '/get', params: { soul }, timeoutMs, signal, tallies, relay, gate, ...limits });
    if (res.status === 404 && isSoulNotFound(res.text)) for (const t of tallies) t.misses++;
    return res;
  }

  private async tombstone(soul: string, givenKeys: string[] | undefined, opts: DeleteOptions): Promise<DeleteResult> {
    let keys = givenKeys;
    let links: string[] = [];
    let requests = 0;
    let pin = opts.relay;
    const deadlineAt = opts.timeoutMs === undefined ? undefined : this.clock.now() + opts.timeoutMs;
    if (!keys) {
      const { node, relay, crossLinks } = await this.read(soul, 'delete', opts, deadlineAt);
      requests++;
      if (node === null) return { soul, outcome: 'absent', requests, relay };
      // Only keys a node may carry can be tombstoned; a key the relay stored otherwise is left alone.
      keys = Object.keys(node).filter((k) => node[k] !== null && nodeKeyProblem(k) === undefined);
      links = keys.map((k) => linkTarget(node[k])).filter((s): s is string => s !== undefined);
      // Cross-linked keys are tombstoned too (the relay's artifacts go with the node), but what
      // they link to is another key's child, never one of this node's links to delete.
      for (const key of crossLinks?.keys ?? []) if (nodeKeyProblem(key) === undefined) keys.push(key);
      if (keys.length === 0) return { soul, outcome: 'absent', requests, relay };
      // The tombstones go to the store the keys were read from.
      pin = relay;
    }
    const tombstones: GunNode = {};
    for (const k of keys) tombstones[k] = null;
    const prepared = serialise(soul, tombstones, 'delete', this.options.maxBodyLength);
    const left = deadlineAt === undefined ? undefined : deadlineAt - this.clock.now();
    if (left !== undefined && left <= 0) throw new GunRelayError('TIMEOUT', `delete: the call's ${opts.timeoutMs} ms deadline passed after the read; nothing was written`, { op: 'delete', soul });
    const relay = await this.write(prepared, 'delete', { signal: opts.signal, relay: pin, timeoutMs: left, retry: opts.retry, attemptTimeoutMs: opts.attemptTimeoutMs });
    requests++;
    return { soul, outcome: 'deleted', keys, links, requests, relay };
  }

  /** Counts and reports an answer the read guard did not believe at once. */
  private suspectRead(tallies: Tallies, event: SuspectReadEvent): void {
    for (const t of tallies) t.suspect(event.reason, event.action);
    this.events.emit('suspectRead', event);
  }

  /** Counts and reports the cross-linked keys a read dropped (see `reads/crossLinks.ts`). */
  private crossLinked(tallies: Tallies, event: CrossLinkEvent): void {
    for (const t of tallies) t.crossLinkedKeys += event.count;
    this.events.emit('crossLink', event);
    if (crossLinkChannel.hasSubscribers) crossLinkChannel.publish(event);
  }

  private assertOpen(op: Operation, soul: string | undefined): void {
    if (this.closed) throw new GunRelayError('CLIENT_CLOSED', `${op}: client is closed`, { op, soul });
  }

  /** The counters this call updates: the client's, plus its cycle's when called through a cycle view. */
  private tallies(): Tallies {
    return this.scope ? [this.counters, this.scope.tally] : this.ownTallies;
  }

  /** The caller's signal, joined with the cycle's when called through a cycle view. */
  private callSignal(signal: AbortSignal | undefined): AbortSignal | undefined {
    if (!this.scope) return signal;
    return signal ? AbortSignal.any([signal, this.scope.signal]) : this.scope.signal;
  }


  /** Reads and decodes a record, counting an undecodable record against the soul (op `getRecord`). */
  private async readRecordCounted<TData, TOip>(soul: string, opts: GetRecordOptions): Promise<RecordRead<TData, TOip> | null> {
    this.calls.refuseIfQuarantined(this.tallies(), 'getRecord', soul, this.pool.target(opts.relay, 'get', soul));
    let read = false;
    const io = { put: this.put.bind(this), get: (s: string, o?: GetOptions) => this.get(s, o).then((n) => ((read = true), n)) };
    try {
      const record = await readRecord<TData, TOip>(io, soul, opts);
      if (record !== null) this.quarantine.succeed('getRecord', soul);
      return record;
    } catch (error) {
      if (read && error instanceof GunRelayError && error.code === 'BAD_RESPONSE') this.quarantine.fail('getRecord', soul, error.code, undefined);
      throw error;
    }
  }





  private sockets(): { open: number; idle: number } {
    return { open: this.transport.openSockets?.() ?? 0, idle: this.transport.idleSockets?.() ?? 0 };
  }

  private snapshot(): StatsSnapshot {
    const fleet = this.quarantine.stats();
    return {
      ...this.counters.totals(),
      requests: this.counters.requests,
      misses: this.counters.misses,
      missCacheHits: this.counters.missCacheHits,
      coalescedReads: this.counters.coalescedReads,
      cycleReadHits: this.counters.cycleReadHits,
      ...this.counters.guard(),
      identityRereads: this.counters.identityRereads,
      identityMismatches: this.counters.identityMismatches,
      crossLinkedKeys: this.counters.crossLinkedKeys,
      bytesIn: this.counters.bytesIn,
      bytesOut: this.counters.bytesOut,
      sockets: this.sockets(),
      trackedSouls: this.ledger.size,
      quarantinedSouls: this.ledger.quarantinedCount,
      byOperation: this.counters.copy(),
      ...this.pool.snapshot(),
      ...(fleet === undefined ? {} : { ledgerStore: fleet }),
    };
  }
}
