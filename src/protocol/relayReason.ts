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
const LEADING_MESSAGE = /^\s*\{\s*"(?:error|message)"\s*:\s*"((?:[^"\\]|\\.){0,300})(")?/;
/**
 * A URL at the end of text that was cut short, its authority unfinished: the cut may have taken
 * the `@` that marks a user and password, so the authority is dropped.
 */
const UNFINISHED_AUTHORITY = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]*$/i;

/** What the relay said, and whether it was cut short on the way (see {@link UNFINISHED_AUTHORITY}). */
interface Said {
  said: string;
  cut: boolean;
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' };

/** A JSON string's content that does not parse (a stray escape): its escapes decoded as far as they go. */
function leniently(escaped: string): string {
  return escaped.replace(/\\(u[0-9a-fA-F]{4}|[^])?/g, (_m, e: string | undefined) =>
    e === undefined ? '' : e.length === 5 ? String.fromCharCode(parseInt(e.slice(1), 16)) : (SIMPLE_ESCAPES[e] ?? e),
  );
}

/** The reason at the head of a large body: a leading `{"error":"…` string, else its visible text. */
function sniffed(text: string, whole: boolean): Said | undefined {
  const head = text.slice(0, RAW_LIMIT);
  const headCut = !whole || text.length > RAW_LIMIT;
  const m = LEADING_MESSAGE.exec(head);
  if (m) {
    const content = m[1]!;
    // Unclosed: the string went on past the 300 characters read, or past the head.
    const cut = m[2] === undefined;
    try {
      return { said: JSON.parse(`"${content}"`) as string, cut };
    } catch {
      return { said: leniently(content), cut };
    }
  }
  return visibleText(head, headCut);
}

function visibleText(head: string, cut: boolean): Said | undefined {
  const visible = head.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ');
  return visible.trim() === '' ? undefined : { said: visible, cut };
}

/** What the relay said, from its JSON `error` (a string, or an object such as a disk error) or `message`. */
function said(text: string, whole: boolean): Said | undefined {
  // A failure path must stay cheap: a large body (a 64 KiB GUN message) is sniffed, not parsed.
  if (!whole || text.length > PARSE_LIMIT) return sniffed(text, whole);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: a leading `{"error":"…` whose escapes do not parse, a proxy's HTML page, a plain-text error.
    return sniffed(text, true);
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const { error, message } = body as { error?: unknown; message?: unknown };
  if (typeof error === 'string') return { said: error, cut: false };
  if (typeof error === 'object' && error !== null) {
    const e = error as Record<string, unknown>;
    const parts = [e.code, e.syscall, e.message].filter((p): p is string => typeof p === 'string');
    return parts.length > 0 ? { said: parts.join(' '), cut: false } : undefined;
  }
  return typeof message === 'string' ? { said: message, cut: false } : undefined;
}

/**
 * A short excerpt of why the relay refused, safe to put into an error message and a log line:
 * one line, no control characters, no `user:password@` in URLs (nor the unfinished authority of a
 * URL the excerpt cut), at most {@link REASON_LIMIT} characters, quoted. `undefined` when the body
 * says nothing. `whole: false`: `text` is only the head of a larger body.
 */
export function relayReason(text: string, whole = true): string | undefined {
  const found = said(text, whole);
  if (found === undefined) return undefined;
  const { said: full } = found;
  const cut = found.cut || full.length > RAW_LIMIT;
  const raw = full.length > RAW_LIMIT ? full.slice(0, RAW_LIMIT) : full;
  const visible = raw.replace(CONTROL_CHARS, ' ');
  // The credentials pattern backtracks over every word: run it only where it can match.
  const redacted = visible.includes('@') && visible.includes('://') ? visible.replace(URL_WITH_USERINFO, (m) => redactUrl(m)) : visible;
  const finished = cut && visible.includes('://') ? redacted.replace(UNFINISHED_AUTHORITY, '$1…') : redacted;
  const line = finished.replace(/\s+/g, ' ').trim();
  if (line === '') return undefined;
  return JSON.stringify(line.length > REASON_LIMIT ? `${line.slice(0, REASON_LIMIT - 1)}…` : line);
}

/** `: "<reason>"` to append to a message, or nothing. `whole: false`: `text` is the head of a larger body. */
export function reasonSuffix(text: string, whole = true): string {
  const reason = relayReason(text, whole);
  return reason === undefined ? '' : `: ${reason}`;
}
