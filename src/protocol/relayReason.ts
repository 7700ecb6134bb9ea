import { redactUrl } from '../errors.js';

/** Longest relay reason quoted in an error message, in characters. */
export const REASON_LIMIT = 120;

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;
const URL_WITH_USERINFO = /\b[a-z][a-z0-9+.-]*:\/\/[^\s/?#]*@/gi;

/** Bodies longer than this are sniffed, not parsed, for their reason (the reason is ~120 characters). */
const PARSE_LIMIT = 4_096;
/** Characters of raw reason cleaned up; the line is cut to {@link REASON_LIMIT} anyway. */
const RAW_LIMIT = 1_024;
const LEADING_MESSAGE = /^\s*\{\s*"(?:error|message)"\s*:\s*"((?:[^"\\]|\\.){0,300})/;

/** The reason at the head of a large body: a leading `{"error":"…` string, else its visible text. */
function sniffed(text: string): string | undefined {
  const head = text.slice(0, RAW_LIMIT);
  const m = LEADING_MESSAGE.exec(head);
  if (m) {
    try {
      return JSON.parse(`"${m[1]}"`) as string;
    } catch {
      return m[1];
    }
  }
  return visibleText(head);
}

function visibleText(head: string): string | undefined {
  const visible = head.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ');
  return visible.trim() === '' ? undefined : visible;
}

/** What the relay said, from its JSON `error` (a string, or an object such as a disk error) or `message`. */
function said(text: string, whole: boolean): string | undefined {
  // A failure path must stay cheap: a large body (a 64 KiB GUN message) is sniffed, not parsed.
  if (!whole || text.length > PARSE_LIMIT) return sniffed(text);
  const head = text;
  let body: unknown;
  try {
    body = JSON.parse(head);
  } catch {
    // Not JSON (a proxy's HTML page, a plain-text error): its visible text.
    return visibleText(head.slice(0, RAW_LIMIT));
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const { error, message } = body as { error?: unknown; message?: unknown };
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null) {
    const e = error as Record<string, unknown>;
    const parts = [e.code, e.syscall, e.message].filter((p): p is string => typeof p === 'string');
    return parts.length > 0 ? parts.join(' ') : undefined;
  }
  return typeof message === 'string' ? message : undefined;
}

/**
 * A short excerpt of why the relay refused, safe to put into an error message and a log line:
 * one line, no control characters, no `user:password@` in URLs, at most {@link REASON_LIMIT}
 * characters, quoted. `undefined` when the body says nothing.
 */
export function relayReason(text: string, whole = true): string | undefined {
  const full = said(text, whole);
  if (full === undefined) return undefined;
  const raw = full.length > RAW_LIMIT ? full.slice(0, RAW_LIMIT) : full;
  const visible = raw.replace(CONTROL_CHARS, ' ');
  // The credentials pattern backtracks over every word: run it only where it can match.
  const redacted = visible.includes('@') && visible.includes('://') ? visible.replace(URL_WITH_USERINFO, (m) => redactUrl(m)) : visible;
  const line = redacted.replace(/\s+/g, ' ').trim();
  if (line === '') return undefined;
  return JSON.stringify(line.length > REASON_LIMIT ? `${line.slice(0, REASON_LIMIT - 1)}…` : line);
}

/** `: "<reason>"` to append to a message, or nothing. `whole: false`: `text` is the head of a larger body. */
export function reasonSuffix(text: string, whole = true): string {
  const reason = relayReason(text, whole);
  return reason === undefined ? '' : `: ${reason}`;
}
