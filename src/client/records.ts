import { GunRelayError } from '../errors.js';
import { toDid } from '../oip/did.js';
import { decodeRecord, encodeRecord, type KeyProvider } from '../oip/recordCodec.js';
import type { DecodedRecord, EncryptionMetaFields, OipRecord } from '../oip/recordSchemas.js';
import type { EncryptionKey } from '../oip/envelope.js';
import type { GunNode } from '../protocol/input.js';
import { parseJson } from '../protocol/responses.js';
import { WRITE_IDENTITY } from '../ledger/writeKey.js';
import { recordIdentityProblem, VERIFY_IDENTITY, type IdentityProblem } from '../reads/identity.js';
import type { CallOptions, ListEntry, PutResult, ReadLimitOptions, RelayNode } from './results.js';

/** Deepest `resolveLinks` accepted: each level can cost one request per link. */
export const MAX_RESOLVE_DEPTH = 8;

/** Options of `get`. */
export interface GetOptions extends CallOptions, ReadLimitOptions {
  /**
   * Levels of links (`{"#": "<soul>/meta"}`) to replace by the child node they point to, one
   * `GET` per link; 0 (default) returns links as they are. At most {@link MAX_RESOLVE_DEPTH}.
   */
  resolveLinks?: number | undefined;
  /**
   * Only links under these keys are followed (at every level), e.g. `['meta', 'data']`; default
   * every key. Each soul is read at most once per call and at most `maxLinkReads` reads are made;
   * links beyond that stay links.
   */
  linkKeys?: readonly string[] | undefined;
}

/** Options of `putRecord`. */
export interface PutRecordOptions extends CallOptions {
  /** Stored as `meta.localId` (`null` when absent). */
  localId?: string | null | undefined;
  /** `meta.created`, epoch ms; default now. */
  created?: number | undefined;
  /** Encrypts `record.data` (AES-256-GCM) with this 32-byte key; `meta` adds who it is for. */
  encrypt?: { key: EncryptionKey; meta?: EncryptionMetaFields } | undefined;
}

/** Result of `putRecord`: the record's soul and DID, whether it was encrypted, and the put outcome. */
export type PutRecordResult =
  | { soul: string; did: string; encrypted: boolean; outcome: 'written'; relay: string }
  | { soul: string; did: string; encrypted: boolean; outcome: 'skipped'; failures: number; relay: string };

/** Options of `getRecord`. */
export interface GetRecordOptions extends CallOptions, ReadLimitOptions {
  /** Supplies the 32-byte key of an encrypted record; without one an encrypted record is `MISSING_KEY`. */
  keyProvider?: KeyProvider | undefined;
  /** Link levels to resolve (see {@link GetOptions.resolveLinks}); default 1, enough for `meta` and legacy `data`. */
  resolveLinks?: number | undefined;
  /** Only links under these keys are followed (see {@link GetOptions.linkKeys}). */
  linkKeys?: readonly string[] | undefined;
  /** `'keep'`: return an encrypted record still locked instead of throwing `MISSING_KEY`. */
  onLocked?: 'throw' | 'keep' | undefined;
}

/** A record read back by `getRecord`: the decoded record plus its soul and DID. */
export type RecordRead<TData = unknown, TOip = unknown> = DecodedRecord<TData, TOip> & {
  soul: string;
  did: string;
};


/** What the record functions need from the client. */
export interface RecordIo {
  /** The client's `put`. */
  put(soul: string, node: GunNode, opts?: CallOptions): Promise<PutResult>;
  /** The client's `get`. */
  get(soul: string, opts?: GetOptions): Promise<RelayNode | null>;
}

/** Checks a `resolveLinks` value (INVALID_INPUT unless an integer 0..{@link MAX_RESOLVE_DEPTH}); `undefined` → `fallback`. */
export function checkResolveLinks(value: unknown, fallback = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_RESOLVE_DEPTH) {
    throw new GunRelayError('INVALID_INPUT', `get: resolveLinks must be an integer from 0 to ${MAX_RESOLVE_DEPTH}`, {
      op: 'get',
      field: 'resolveLinks',
    });
  }
  return value;
}

/**
 * Encodes `record` as the legacy relay node (encrypted when `opts.encrypt` has a key) and puts it.
 * Encoding errors (INVALID_INPUT, MISSING_KEY) throw before anything is sent.
 */
export async function writeRecord(io: RecordIo, record: OipRecord, soul: string, opts: PutRecordOptions = {}): Promise<PutRecordResult> {
  const did = toDid(soul);
  const node = encodeRecord(record, {
    ...(opts.localId !== undefined ? { localId: opts.localId } : {}),
    ...(opts.created !== undefined ? { created: opts.created } : {}),
    ...(opts.encrypt !== undefined ? { encrypt: opts.encrypt } : {}),
  });
  const encrypted = node.meta.encrypted;
  // The same record written again is the same write, although its body carries a new `created`.
  const identity = JSON.stringify([record.data ?? null, record.oip ?? null, opts.localId ?? null, opts.encrypt ? 'encrypted' : 'plain']);
  // An own enumerable symbol: it survives the client's copy of the call options.
  const putOptions: CallOptions & { [WRITE_IDENTITY]?: string } = { signal: opts.signal, relay: opts.relay, [WRITE_IDENTITY]: identity };
  const result = await io.put(soul, node as unknown as GunNode, putOptions);
  const { relay } = result;
  return result.outcome === 'written'
    ? { soul, did, encrypted, outcome: 'written', relay }
    : { soul, did, encrypted, outcome: 'skipped', failures: result.failures, relay };
}

/**
 * Reads a record with its links resolved and decodes it (decrypting with `keyProvider`). `null`
 * when the relay has nothing for the soul; `IDENTITY_MISMATCH` when it answers, twice, with a
 * record that names another soul (`meta.localId`, `oip.did`) or links to another node's child. Decoding errors are thrown after the read, so a wrong
 * key (DECRYPTION_FAILED) never causes another request.
 */
export async function readRecord<TData = unknown, TOip = unknown>(
  io: RecordIo,
  soul: string,
  opts: GetRecordOptions = {},
): Promise<RecordRead<TData, TOip> | null> {
  const resolve = checkResolveLinks(opts.resolveLinks, 1);
  const { signal, relay, timeoutMs, retry, attemptTimeoutMs, maxContentLength, linkKeys } = opts;
  // The read checks that the record is this soul's own (meta.localId, oip.did) and reads it again once if not.
  const verify = (n: RelayNode): IdentityProblem | undefined => recordIdentityProblem(soul, n);
  const getOptions: GetOptions & { [VERIFY_IDENTITY]: typeof verify } = { signal, relay, timeoutMs, retry, attemptTimeoutMs, maxContentLength, resolveLinks: resolve, linkKeys, [VERIFY_IDENTITY]: verify };
  const node = await io.get(soul, getOptions);
  if (node === null) return null;
  let decoded: DecodedRecord;
  try {
    decoded = await decodeRecord(node, {
      soul,
      ...(opts.keyProvider ? { keyProvider: opts.keyProvider } : {}),
      ...(opts.onLocked ? { onLocked: opts.onLocked } : {}),
    });
  } catch (error) {
    throw storedRecordError(error, soul);
  }
  return { ...(decoded as DecodedRecord<TData, TOip>), soul, did: toDid(soul) };
}

/** Checks a `linkKeys` value (INVALID_INPUT unless an array of strings); returns a copy. */
export function checkLinkKeys(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((k) => typeof k === 'string')) {
    throw new GunRelayError('INVALID_INPUT', 'get: linkKeys must be an array of strings', { op: 'get', field: 'linkKeys' });
  }
  return [...(value as string[])];
}

/**
 * A decoding error about the stored record (its `node`, `meta`, `data` or `oip`) is the relay's
 * data, read after a request was sent: `BAD_RESPONSE`, not `INVALID_INPUT` ("nothing was sent").
 * Errors about the caller's key stay as they are.
 */
function storedRecordError(error: unknown, soul: string): unknown {
  if (!(error instanceof GunRelayError) || error.code !== 'INVALID_INPUT' || !/^(node|meta|data|oip)(\.|$)/.test(error.field ?? '')) return error;
  return new GunRelayError('BAD_RESPONSE', `getRecord: the stored record cannot be decoded: ${error.message}`, { ...error.details(), op: 'get', soul });
}

/** A list entry's record type: the relay's field, else `oip.recordType` from the stored data. */
export function recordTypeOf(entry: ListEntry): string | undefined {
  if (entry.recordType) return entry.recordType;
  let oip: unknown = entry.data['oip'];
  if (typeof oip === 'string') {
    try {
      oip = parseJson(oip);
    } catch {
      return undefined;
    }
  }
  const t = (oip as { recordType?: unknown } | null)?.recordType;
  return typeof t === 'string' ? t : undefined;
}
