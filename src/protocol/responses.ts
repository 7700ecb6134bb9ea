import { z } from 'zod';
import { GunRelayError, type GunRelayErrorCode, type Operation } from '../errors.js';
import type { GunValue } from './input.js';
import { parseJsonSafe } from './safeJson.js';

/** A node as read back from the relay: `_` removed, nested objects as links, `data`/`oip` possibly parsed. */
export type RelayNode = Record<string, GunValue | unknown>;

/** One entry of `GET /list`, normalised from either of the relay's two entry shapes. */
export interface ListEntry {
  soul: string;
  /** The node's fields: JSON-string fields as sent, or decoded from a raw GUN node (links kept). */
  data: Record<string, unknown>;
  recordType: string | undefined;
  storedAt: number | string | undefined;
  /** True when every field of the node is null (the soul was deleted but stays listed). */
  tombstoned: boolean;
}

const putOk = z.object({ success: z.literal(true) });
const getOk = z.object({ success: z.literal(true), data: z.record(z.string(), z.unknown()) });
const listOk = z.object({
  success: z.literal(true),
  records: z.array(
    z.object({
      soul: z.string(),
      data: z.record(z.string(), z.unknown()).nullable().optional(),
      recordType: z.string().nullable().optional(),
      storedAt: z.union([z.number(), z.string()]).nullable().optional(),
    }),
  ),
});

/** Parses a JSON body; `__proto__`, `constructor` and `prototype` keys are dropped at every depth. Throws if not JSON. */
export function parseJson(text: string): unknown {
  const parsed = parseJsonSafe(text);
  if (!parsed.ok) throw new SyntaxError('not JSON');
  return parsed.value;
}

function badResponse(op: Operation, soul: string | undefined, status: number, text: string, why: string): GunRelayError {
  return new GunRelayError('BAD_RESPONSE', `${op}: unexpected relay response (${why})`, {
    op,
    soul,
    status,
    bodyExcerpt: text,
  });
}

function parseOrThrow<T>(schema: z.ZodType<T>, op: Operation, soul: string | undefined, status: number, text: string): T {
  let body: unknown;
  try {
    body = parseJson(text);
  } catch {
    throw badResponse(op, soul, status, text, 'body is not JSON');
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    const success = (body as { success?: unknown } | null)?.success;
    throw badResponse(op, soul, status, text, success === false ? 'success: false' : 'unexpected shape');
  }
  return result.data;
}

/** Checks a 200 answer to `POST /put`. */
export function readPutResponse(soul: string, op: Operation, status: number, text: string): void {
  parseOrThrow(putOk, op, soul, status, text);
}

/** Decodes a 200 answer to `GET /get` into the node's fields (without `_`). */
export function readGetResponse(soul: string, op: Operation, status: number, text: string): RelayNode {
  const { data } = parseOrThrow(getOk, op, soul, status, text);
  delete data['_'];
  return data;
}

/** Decodes a 200 answer to `GET /list`, tolerating both entry shapes the relay produces. */
export function readListResponse(status: number, text: string): ListEntry[] {
  const { records } = parseOrThrow(listOk, 'list', undefined, status, text);
  return records.map((r) => {
    const data = { ...(r.data ?? {}) };
    delete data['_'];
    const values = Object.values(data);
    return {
      soul: r.soul,
      data,
      recordType: r.recordType ?? undefined,
      storedAt: r.storedAt ?? undefined,
      tombstoned: values.length > 0 && values.every((v) => v === null),
    };
  });
}

/**
 * Reads what a non-2xx answer's `error` field is: a string (GUN's message about the data), an
 * object (an internal relay failure such as a disk error), or absent. Large bodies are sniffed
 * from their first characters instead of parsed.
 */
export function errorFieldKind(text: string): 'string' | 'object' | 'none' {
  if (text.length < 16_384) {
    try {
      const body = JSON.parse(text) as { error?: unknown } | null;
      const e = body?.error;
      if (typeof e === 'string') return 'string';
      if (typeof e === 'object' && e !== null) return 'object';
      return 'none';
    } catch {
      return 'none';
    }
  }
  const m = /^\s*\{\s*"error"\s*:\s*(["{])/.exec(text.slice(0, 64));
  if (!m) return 'none';
  return m[1] === '"' ? 'string' : 'object';
}

/**
 * Classifies an HTTP answer that is not a success. Soul-level (`SOUL_REJECTED`): 400, or 500 whose
 * `error` is GUN's message about the data. Everything else is about the relay.
 */
export function classifyStatus(status: number, text: string): GunRelayErrorCode {
  if (status === 400) return 'SOUL_REJECTED';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 500) return errorFieldKind(text) === 'string' ? 'SOUL_REJECTED' : 'RELAY_ERROR';
  if (status >= 500) return 'RELAY_ERROR';
  return 'BAD_RESPONSE';
}

/** True when a 404 body is the relay's `{"error":"Not found"}` (a missing soul), not a missing endpoint. */
export function isSoulNotFound(text: string): boolean {
  try {
    return (parseJson(text) as { error?: unknown } | null)?.error === 'Not found';
  } catch {
    return false;
  }
}

/** The error for a 404 that is not about a soul: the base URL points at no relay endpoint. */
export function endpointMissing(op: Operation, soul: string | undefined, status: number, text: string): GunRelayError {
  return new GunRelayError('BAD_RESPONSE', `${op}: the relay has no such endpoint (check baseUrl: no path, no trailing slash)`, {
    op,
    soul,
    status,
    bodyExcerpt: text,
  });
}
