import type { GunRelayClient } from '../client/GunRelayClient.js';
import type { DeleteResult } from '../client/results.js';
import type { EncryptionMetaFields, OipRecord } from '../oip/recordSchemas.js';
import type { EncryptionKey } from '../oip/envelope.js';
import type { KeyProvider } from '../oip/recordCodec.js';
import { systemClock, type Clock } from '../clock.js';
import { isGunRelayError, redactUrl } from '../errors.js';
import { INSPECT, inspectSummary } from '../client/redactedView.js';
import { logSafely } from '../client/logging.js';
import type { InspectOptions } from 'node:util';
import { toDid } from '../oip/did.js';
import { computeSoul as computeRecordSoul, publisherHash } from '../oip/souls.js';
import type { Logger } from '../options.js';
import { renameOption } from '../optionsMessages.js';
import type { GunNode } from '../protocol/input.js';
import { legacyBaseUrl, legacyMaxBodyBytes, legacyPutTimeoutMs, legacyThrowOnSkip } from './config.js';
import { partialRecordNode, readLegacyNode } from './legacyRecords.js';
import { GunSkippedError, inFacadeTerms, toLegacyError } from './legacyErrors.js';
import { LegacyMissMemory } from './missMemory.js';
import { closeSharedClients, sharedClient, type SharedClient } from './sharedClients.js';

/** How long `checkConnection` waits for the relay's `/peers/status`. */
const CHECK_TIMEOUT_MS = 5_000;

/** Options of `new GunHelper(options?)`; every field is optional, as callers pass none. */
export interface GunHelperOptions {
  /**
   * Where the legacy lines go: a pino-style logger, `console` (the default), or `null` for none.
   * Set per relay URL (instances share one client): the last instance given a logger wins.
   */
  logger?: Logger | null | undefined;
  /** A skipped delete throws {@link GunSkippedError} instead of resolving `true`. Default: env `GUN_SKIP_THROWS=1`. */
  throwOnSkip?: boolean | undefined;
  /**
   * Largest request and response body in bytes. Default: env `GUN_MAX_BODY_BYTES`, else 64 MiB.
   * Set per relay URL (instances share one client): the first instance for a URL fixes it.
   */
  maxBodyBytes?: number | undefined;
  /**
   * Forget a remembered "Not found" for a soul as soon as this instance writes it. Default `false`,
   * as helpers/gun.js: a miss is answered from memory for one to two hours whatever is written
   * (no more requests than the old module). Another instance's writes never clear this one's memory.
   */
  forgetMissesOnWrite?: boolean | undefined;
  /**
   * The clock of this instance's miss memory and, for the first instance of a relay URL, of the
   * shared client (tests inject one). Default: the system clock.
   */
  clock?: Clock | undefined;
}

/** Options of `putRecord`, as helpers/gun.js callers pass them; unknown keys are ignored. */
export interface LegacyPutRecordOptions {
  /** Stored as `meta.localId`. */
  localId?: string | null | undefined;
  /** `true` (with `encryptionKey`) or `{ key, meta }`: encrypt `data` with AES-256-GCM. No key is ever derived. */
  encrypt?: boolean | { key: EncryptionKey; meta?: EncryptionMetaFields } | undefined;
  /** The 32-byte key used with `encrypt: true`. */
  encryptionKey?: EncryptionKey | undefined;
  /** Who the record is encrypted for (flat scalars, e.g. `encryptedBy`), with `encrypt: true`. */
  encryptionMeta?: EncryptionMetaFields | undefined;
  [legacyOption: string]: unknown;
}

/** Options of `getRecord`: how to decrypt. Without a key an encrypted record comes back locked. */
export interface LegacyGetRecordOptions {
  /** Returns the 32-byte key for a record's meta. */
  keyProvider?: KeyProvider | undefined;
  /** A fixed 32-byte key (used when `keyProvider` is absent). */
  decryptionKey?: EncryptionKey | undefined;
  [legacyOption: string]: unknown;
}

/** A record as `getRecord` returns it: `data`/`oip` parsed, `meta` resolved, other node keys kept. */
export interface LegacyRecord {
  /** The parsed data (plaintext when decrypted, the envelope when locked). */
  data: unknown;
  /** The parsed OIP header. */
  oip: unknown;
  /** The `meta` child node, read and resolved. */
  meta: unknown;
  [key: string]: unknown;
}

/** Options of `listRecordsByPublisher`. */
export interface LegacyListOptions {
  /** Page size (relay default 50). */
  limit?: number | string | undefined;
  /** Entries to skip (default 0). */
  offset?: number | string | undefined;
  /** Keep only this record type (filtered here; the relay's filter never matches). */
  recordType?: string | undefined;
}

/** One entry of `listRecordsByPublisher`: the relay's entry plus its DID. */
export interface LegacyListEntry {
  /** The record's soul. */
  soul: string;
  /** `did:gun:<soul>`. */
  did: string;
  /** The node as the relay lists it (`data`/`oip` usually JSON strings). */
  data: Record<string, unknown>;
  /** The relay's record type, when it has one. */
  recordType: string | null;
  /** When the relay stored it (may be its restart time). */
  storedAt: number | string | undefined;
}

/**
 * Drop-in replacement for helpers/gun.js's `GunHelper`, with the same methods and return/throw
 * contracts, over one shared {@link GunRelayClient} per relay URL. Deletes really delete; see
 * "Migrating from helpers/gun.js" in README.md for every difference.
 */
export class GunHelper {
  /** The relay base URL, from `GUN_PEERS` (first entry, trimmed, no trailing `/`). */
  readonly apiUrl: string;
  /** The shared typed client: subscribe to its events, or call its typed methods directly. Do not close it. */
  readonly client: GunRelayClient;
  private readonly shared: SharedClient;
  private readonly throwOnSkip: boolean;
  private readonly misses: LegacyMissMemory;
  private readonly forgetMissesOnWrite: boolean;

  /** Reads `GUN_PEERS` and `GUN_REGISTRY_TIMEOUT_MS`; cheap: reuses the relay's shared client, starts no timer. */
  constructor(options: GunHelperOptions = {}) {
    this.apiUrl = legacyBaseUrl();
    try {
      this.shared = sharedClient(this.apiUrl, { putTimeoutMs: legacyPutTimeoutMs(), maxBodyBytes: options.maxBodyBytes ?? legacyMaxBodyBytes(), clock: options.clock ?? systemClock }, console);
    } catch (error) {
      // The URL came from the environment (or its default): name GUN_PEERS, not an option never set.
      throw isGunRelayError(error) ? renameOption(error, 'baseUrl', 'GUN_PEERS', 'GUN_PEERS') : error;
    }
    if (options.logger !== undefined) this.shared.sink.logger = options.logger;
    this.client = this.shared.client;
    this.throwOnSkip = options.throwOnSkip ?? legacyThrowOnSkip();
    this.misses = new LegacyMissMemory({ clock: options.clock ?? systemClock });
    this.forgetMissesOnWrite = options.forgetMissesOnWrite ?? false;
  }

  /** A small summary for logs: the relay URL without credentials (`apiUrl` itself keeps them, as helpers/gun.js did). */
  toJSON(): { helper: 'GunHelper'; apiUrl: string; rememberedMisses: number } {
    return { helper: 'GunHelper', apiUrl: redactUrl(this.apiUrl), rememberedMisses: this.misses.size };
  }

  /** What `util.inspect(helper)` shows: the same summary as `toJSON()`. */
  [INSPECT](_depth: number, options: InspectOptions): string {
    const { apiUrl, rememberedMisses } = this.toJSON();
    return inspectSummary('GunHelper', { apiUrl, rememberedMisses }, options);
  }

  /** Souls this instance remembers the relay answered "Not found" for (its own 404 memory, as helpers/gun.js had). */
  get rememberedMisses(): number {
    return this.misses.size;
  }

  /** Closes every shared client (all URLs), e.g. at shutdown or between tests. Later instances open new ones. */
  static closeAll(): void {
    closeSharedClients();
  }

  /** Writes a flat node. Resolves `{ soul, success: true }`; throws on any failure (also when the soul is skipped). */
  async putSimple(data: GunNode, soul: string): Promise<{ soul: string; success: true }> {
    this.wrote(soul);
    try {
      const result = await this.client.put(soul, data);
      if (result.outcome === 'skipped') throw new GunSkippedError('put', soul, result.failures);
    } catch (error) {
      throw toLegacyError(error);
    }
    return { soul, success: true };
  }

  /**
   * Writes an OIP record `{ data, oip }` as `{ data, oip: JSON strings, meta }`. Resolves
   * `{ soul, did, encrypted }`; throws on failure, with the legacy messages for a refused
   * connection and a timeout. `encrypt: true` without `encryptionKey` throws `MISSING_KEY`.
   */
  async putRecord(recordData: OipRecord, soul: string, options: LegacyPutRecordOptions = {}): Promise<{ soul: string; did: string; encrypted: boolean }> {
    this.wrote(soul);
    try {
      const encrypt = encryptOption(options);
      // A record without `data` (or `oip`) is stored as the old module stored it: that field absent.
      const partial = encrypt === undefined ? partialRecordNode(recordData, options.localId, Date.now()) : undefined;
      if (partial !== undefined) {
        const written = await this.client.put(soul, partial);
        if (written.outcome === 'skipped') throw new GunSkippedError('put', soul, written.failures);
        return { soul, did: toDid(soul), encrypted: false };
      }
      const result = await this.client.putRecord(recordData, soul, { localId: options.localId, encrypt });
      if (result.outcome === 'skipped') throw new GunSkippedError('put', soul, result.failures);
      return { soul, did: result.did, encrypted: result.encrypted };
    } catch (error) {
      throw toLegacyError(error);
    }
  }

  /**
   * The record with `data`/`oip` parsed and `meta` resolved (decrypted when a key is given), or
   * `null` when absent. Never throws: any failure is logged once and resolves `null`. Use
   * `client.getRecord` to tell missing from broken.
   */
  async getRecord(soul: string, options: LegacyGetRecordOptions = {}): Promise<LegacyRecord | null> {
    const keyProvider = options.keyProvider ?? (options.decryptionKey ? () => options.decryptionKey : undefined);
    // A remembered miss answers without a request, as helpers/gun.js's 404 cache did. Only misses
    // the read guard believed are remembered (never one of a soul written or seen present recently).
    if (this.misses.has(soul)) return null;
    try {
      // A node streamed because it is over the client's bounds holds no value larger than the body limit.
      const bound = { maxValueBytes: this.shared.maxBodyBytes, maxValueOption: 'GUN_MAX_BODY_BYTES (GunHelper option maxBodyBytes)' };
      const node = (await readLegacyNode(this.client, soul, keyProvider, bound)) as LegacyRecord | null;
      if (node === null && !this.client.expectsPresent(soul)) this.misses.remember(soul);
      return node;
    } catch (error) {
      this.logSwallowed(`getRecord(${soul})`, error, 'null');
      return null;
    }
  }

  /**
   * Deletes a record by tombstoning its keys. Resolves `true` when deleted or already absent
   * (the goal, "nothing live", holds). A skipped delete resolves `true` too, as before, unless
   * `throwOnSkip`/`GUN_SKIP_THROWS=1`; the `skip` event fires and it is logged. Other failures throw.
   */
  async deleteRecord(soul: string): Promise<true> {
    let result: DeleteResult;
    this.wrote(soul);
    try {
      result = await this.client.delete(soul);
    } catch (error) {
      throw toLegacyError(error);
    }
    if (result.outcome === 'skipped' && this.throwOnSkip) throw new GunSkippedError('delete', soul, result.failures);
    return true;
  }

  /**
   * The records of a publisher (souls `<publisherHash(publicKey)>:…`) as `{ soul, did, data,
   * recordType, storedAt }`, deleted ones left out. Never throws: a failure is logged once and resolves `[]`.
   */
  async listRecordsByPublisher(publicKey: string, options: LegacyListOptions = {}): Promise<LegacyListEntry[]> {
    try {
      const entries = await this.client.list(publisherHash(publicKey), {
        limit: toCount(options.limit),
        offset: toCount(options.offset),
        recordType: options.recordType || undefined,
      });
      return entries
        .filter((e) => !e.tombstoned)
        .map((e) => ({ soul: e.soul, did: toDid(e.soul), data: e.data, recordType: e.recordType, storedAt: e.storedAt }));
    } catch (error) {
      this.logSwallowed('listRecordsByPublisher', error, '[]');
      return [];
    }
  }

  /** Alias of {@link GunHelper.listRecordsByPublisher}, as helpers/gun.js had. */
  listUserRecords(publicKey: string, options: LegacyListOptions = {}): Promise<LegacyListEntry[]> {
    return this.listRecordsByPublisher(publicKey, options);
  }

  /**
   * `<hash12>:<localId>`, `<hash12>:h:<hex12>` or `<hash12>:t:<base36 ms>`. Unlike helpers/gun.js,
   * `h:` souls are deterministic (same record, same soul) and `t:` souls never repeat.
   */
  computeSoul(publicKey: string, localId?: string | null, recordData?: unknown): string {
    return computeRecordSoul(publicKey, localId, recordData);
  }

  /** Probes the relay (`GET /peers/status`). True when it answers; never throws. */
  async checkConnection(): Promise<boolean> {
    try {
      const health = await this.client.health({ timeoutMs: CHECK_TIMEOUT_MS });
      return health.some((h) => h.ok);
    } catch {
      return false;
    }
  }

  /** A write of `soul` through this instance: with `forgetMissesOnWrite`, its remembered miss goes. */
  private wrote(soul: string): void {
    if (this.forgetMissesOnWrite) this.misses.forget(soul);
  }

  /** One line for an error the legacy contract swallows, so it is not silent. */
  private logSwallowed(what: string, error: unknown, returned: string): void {
    const detail = inFacadeTerms(isGunRelayError(error) ? `${error.code}: ${error.message}` : String(error));
    logSafely(this.shared.sink.logger, 'warn', `⚠️ [GUN] ${what} failed (${detail}); returning ${returned}`);
  }
}

function encryptOption(options: LegacyPutRecordOptions): { key: EncryptionKey; meta?: EncryptionMetaFields } | undefined {
  const encrypt = options.encrypt;
  if (encrypt === undefined || encrypt === false) return undefined;
  if (encrypt !== true) return encrypt;
  // A null key reaches encodeRecord, which throws MISSING_KEY: no key is derived from anything.
  const key = (options.encryptionKey ?? null) as EncryptionKey;
  return options.encryptionMeta ? { key, meta: options.encryptionMeta } : { key };
}

function toCount(value: number | string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'string' ? Number(value) : value;
  return Number.isInteger(n) && n > 0 ? n : undefined;
}
