import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { GunRelayError, redactUrl } from './errors.js';

/**
 * `INVALID_OPTIONS` messages that say what to do: the option as the user wrote it (`baseUrl`, not
 * `baseUrl.0`), the offending value (credentials removed; header values never echoed), the fix
 * when there is an obvious one, and no zod wording ("Invalid input: ...").
 */

// zod/mini carries no messages of its own: English ones, for the messages written from an issue's own.
z.config(en());

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

/** Option paths whose values are never echoed: they may hold secrets or are code. */
const NEVER_ECHO = new Set(['headers', 'clock', 'logger', 'transport', 'random']);
const EXAMPLE_URL = 'http://gun-relay:8765';
/** `http//`, `http:/`, `https:` before a host: an http(s) scheme missing its `:` or a `/`. */
const MISTYPED_SCHEME = /^(https?)(?::\/?|\/\/)(?!\/)/i;

/** The value at `path` in the raw input. */
function valueAt(input: unknown, path: Path): unknown {
  let v: unknown = input;
  for (const key of path) v = typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

/** A URL-like string without `user:password@`, whether or not it has a scheme. */
export function redactLoose(text: string): string {
  const trimmed = text.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) return redactUrl(trimmed);
  // `http//user:pw@host`: the scheme is mistyped, the credentials are still credentials.
  const mistyped = MISTYPED_SCHEME.exec(trimmed);
  if (mistyped) return mistyped[0] + redactLoose(trimmed.slice(mistyped[0].length));
  return /^[^/@\s]*@/.test(trimmed) ? redactUrl(`x://${trimmed}`).slice(4) : trimmed;
}

/** A short, safe rendering of a value for a message. */
function show(value: unknown): string {
  if (typeof value === 'string') {
    const clean = redactLoose(value);
    return JSON.stringify(clean.length > 80 ? `${clean.slice(0, 80)}…` : clean);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** The user-facing name of an option path: `retry.budget.ratio`, `baseUrl[1]`. */
function nameOf(path: Path): string {
  return path.reduce<string>((name, key) => (typeof key === 'number' ? `${name}[${key}]` : name ? `${name}.${String(key)}` : String(key)), '');
}

/** A fixed URL for a string that is not one: adds `http://`, drops spaces. */
function urlFix(value: string): string | undefined {
  const trimmed = value.trim();
  if (trimmed === '' || /\s/.test(trimmed)) return undefined;
  // A GUN websocket peer (`ws://host:8765/gun`): its relay is the same host over http(s).
  const ws = /^(wss?):\/\/([^/]+)(\/gun)?\/*$/i.exec(trimmed);
  if (ws) return redactUrl(`${ws[1]!.toLowerCase() === 'wss' ? 'https' : 'http'}://${ws[2]!}`);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) return undefined;
  // A mistyped scheme (`http//host`, `http:/host`, `https:host`) gets its `://`, not a second `http://`.
  const mistyped = MISTYPED_SCHEME.exec(trimmed);
  const rest = mistyped ? trimmed.slice(mistyped[0].length) : '';
  const candidate = mistyped && !/^\d+(\/|$)/.test(rest) ? `${mistyped[1]!.toLowerCase()}://${rest}` : `http://${trimmed}`;
  try {
    const url = new URL(candidate);
    return url.hostname !== '' ? redactUrl(candidate.replace(/\/+$/, '')) : undefined;
  } catch {
    return undefined;
  }
}

/** The closest known key within edit distance 2 (typos such as `timeout` for `timeoutMs` included). */
function closest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const d = name.toLowerCase().startsWith(lower) || lower.startsWith(name.toLowerCase()) ? 1 : distance(lower, name.toLowerCase());
    if (d <= 2 && (best === undefined || d < best.d)) best = { name, d };
  }
  return best?.name;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The keys an object schema accepts at `path`, looking through defaults, pipes and unions. */
function keysAt(schema: z.ZodMiniType, path: Path): string[] {
  let def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  const unwrap = (): void => {
    for (;;) {
      const next = (def.in ?? def.innerType) as { _zod: { def: Record<string, unknown> } } | undefined;
      if (def.type === 'union') {
        const object = (def.options as Array<{ _zod: { def: Record<string, unknown> } }>).find((o) => o._zod.def.type === 'object');
        if (!object) return;
        def = object._zod.def;
      } else if (next) {
        def = next._zod.def;
      } else {
        return;
      }
    }
  };
  unwrap();
  for (const key of path) {
    const shape = def.shape as Record<string, { _zod: { def: Record<string, unknown> } }> | undefined;
    const child = shape?.[String(key)];
    if (!child) return [];
    def = child._zod.def;
    unwrap();
  }
  return Object.keys((def.shape as object | undefined) ?? {});
}

/** What a zod issue means, in words, for the value the user gave. */
function problem(issue: Issue, value: unknown, echo: boolean): string {
  const got = echo ? `, got ${show(value)}` : '';
  switch (issue.code) {
    case 'invalid_type': {
      if (value === undefined) return 'is required';
      if (issue.expected === 'int') return `must be a whole number${got}`;
      const hint = issue.expected === 'number' && typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? `; did you mean ${value.trim()} (a number)?` : '';
      return `must be ${article(issue.expected)}${got}${hint}`;
    }
    case 'too_small':
      if (issue.origin === 'array' || issue.origin === 'set') return `needs at least ${String(issue.minimum)} entr${issue.minimum === 1 ? 'y' : 'ies'}`;
      if (issue.origin === 'string') return 'must not be empty';
      return `must be ${issue.inclusive ? 'at least' : 'greater than'} ${String(issue.minimum)}${got}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}${got}`;
    case 'invalid_union': {
      const kinds = [...new Set(issue.errors.map((branch) => expectedOf(branch[0])).filter((k): k is string => k !== undefined))];
      return kinds.length > 0 ? `must be ${kinds.join(' or ')}${got}` : `is not valid${got}`;
    }
    case 'invalid_value':
      return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}${got}`;
    default:
      if (value === undefined) return 'is required';
      // Our own messages (custom refinements, the URL check) are already in words.
      return `${issue.message.replace(/^Invalid input:?\s*/i, '')}${got}`;
  }
}

function expectedOf(issue: Issue | undefined): string | undefined {
  if (issue?.code === 'invalid_type') return article(issue.expected);
  if (issue?.code === 'invalid_value') return issue.values.map((v) => JSON.stringify(v)).join(' or ');
  return undefined;
}

function article(type: string): string {
  const words: Record<string, string> = { object: 'an object', array: 'an array', int: 'a whole number', undefined: 'absent' };
  return words[type] ?? `a ${type}`;
}

/** The message for a bad relay URL, echoing it and suggesting the fix. */
function badUrl(name: string, value: unknown, whole: unknown): string {
  const fix = typeof value === 'string' ? urlFix(value) : undefined;
  const entry = typeof whole === 'string' && whole.includes(',') ? ` (in ${show(whole)})` : '';
  const suggestion = fix !== undefined && fix !== redactLoose(String(value)) ? `; did you mean ${fix}?` : ` (e.g. ${EXAMPLE_URL})`;
  return `Invalid option "${name}": ${show(value)}${entry} is not an http(s) URL${suggestion}`;
}

/**
 * The `INVALID_OPTIONS` error for the first issue zod found in `input` against `schema`.
 * `field` is the option's path as written (`baseUrl`, `baseUrl[1]`, `retry.budget.ratio`);
 * `label` names what the options are for (`option`, `SyncLoop option`, `MemoryMonitor option`).
 */
export function invalidOptionsError(issue: Issue | undefined, input: unknown, schema: z.ZodMiniType, label = 'option'): GunRelayError {
  const error = clientOptionsError(issue, input, schema);
  if (label === 'option') return error;
  const message = error.message.replace(/^Invalid option/, `Invalid ${label}`).replace(/^Unknown option/, `Unknown ${label}`).replace(/^Invalid options: expected an object such as \{[^}]*\}/, `Invalid ${label}s: expected an object`);
  return new GunRelayError('INVALID_OPTIONS', message, error.details());
}

function clientOptionsError(issue: Issue | undefined, input: unknown, schema: z.ZodMiniType): GunRelayError {
  if (issue === undefined) return new GunRelayError('INVALID_OPTIONS', 'Invalid options', { field: '(options)' });
  if (issue.path.length === 0 && issue.code === 'invalid_type') {
    return new GunRelayError('INVALID_OPTIONS', `Invalid options: expected an object such as { baseUrl: "${EXAMPLE_URL}" }, got ${show(input)}`, {
      field: '(options)',
    });
  }
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const path = [...issue.path, key];
    const known = keysAt(schema, issue.path);
    const hint = closest(key, known);
    const name = nameOf(path);
    // `retries: 3` at the top: the key lives one level down (`retry.retries`).
    const nested = hint === undefined ? known.find((parent) => keysAt(schema, [...issue.path, parent]).includes(key)) : undefined;
    const dotted = hint !== undefined ? nameOf([...issue.path, hint]) : nested !== undefined ? nameOf([...issue.path, nested, key]) : undefined;
    // Nothing close inside a nested option (`breaker.failureThreshold`): list the few it has.
    const listed = dotted === undefined && issue.path.length > 0 && known.length > 0 && known.length <= 12 ? `; ${nameOf(issue.path)} takes ${known.join(', ')}` : '';
    return new GunRelayError('INVALID_OPTIONS', `Unknown option "${name}"${dotted ? `; did you mean "${dotted}"?` : listed}`, { field: name });
  }
  let path: Path = issue.path;
  const baseUrl = valueAt(input, ['baseUrl']);
  // A plain (or comma-separated) string is split into a list internally: name the option, not the entry.
  if (path[0] === 'baseUrl' && typeof baseUrl === 'string') path = ['baseUrl'];
  const name = nameOf(path);
  if (path[0] === 'baseUrl' && (issue.code === 'invalid_format' || /http\(s\) URL/.test(issue.message))) {
    const entry = typeof baseUrl === 'string' ? baseUrl.split(',').map((s) => s.trim()).filter((s) => s !== '')[Number(issue.path[1] ?? 0)] : valueAt(input, issue.path);
    return new GunRelayError('INVALID_OPTIONS', badUrl(name, entry, baseUrl), { field: name });
  }
  if (name === 'baseUrl' && issue.code === 'too_small') {
    return new GunRelayError('INVALID_OPTIONS', `Invalid option "baseUrl": is empty; give the relay's URL (e.g. ${EXAMPLE_URL})`, { field: name });
  }
  if (name === 'baseUrl' && baseUrl === undefined) {
    // `baseURL` (axios's spelling), `baseurl`, `base_url`: name the key the user did write.
    if (typeof input === 'object' && input !== null && 'baseUrl' in input) {
      // `baseUrl: process.env.GUN_RELAY_URL` with the variable unset.
      return new GunRelayError('INVALID_OPTIONS', `Invalid option "baseUrl": the value is undefined (an unset environment variable?); give the relay's URL, e.g. ${EXAMPLE_URL}`, { field: name });
    }
    const near = typeof input === 'object' && input !== null ? Object.keys(input).find((key) => key !== 'baseUrl' && key.length >= 4 && closest(key, ['baseUrl']) !== undefined) : undefined;
    if (near !== undefined) return new GunRelayError('INVALID_OPTIONS', `Unknown option "${near}"; did you mean "baseUrl"?`, { field: near });
    return new GunRelayError('INVALID_OPTIONS', `Invalid option "baseUrl": required, the relay's URL (e.g. ${EXAMPLE_URL})`, { field: name });
  }
  if (name === 'baseUrl' && issue.code === 'invalid_union') {
    return new GunRelayError('INVALID_OPTIONS', `Invalid option "baseUrl": must be a URL string or an array of URL strings, got ${show(baseUrl)}`, { field: name });
  }
  const echo = !NEVER_ECHO.has(String(path[0]));
  return new GunRelayError('INVALID_OPTIONS', `Invalid option "${name}": ${problem(issue, valueAt(input, issue.path), echo)}`, { field: name });
}

/**
 * The same error naming where the value really came from, e.g. `GUN_PEERS` for the legacy
 * facade's base URL read from the environment: `field` becomes `to`, and the message says `label`.
 */
export function renameOption(error: GunRelayError, from: string, to: string, label: string): GunRelayError {
  if (error.code !== 'INVALID_OPTIONS' || error.field !== from) return error;
  const message = error.message.replace(`option "${from}"`, label);
  return new GunRelayError('INVALID_OPTIONS', message, { ...error.details(), field: to });
}

/** A zod issue about `input` in words, for other validation messages: `"entries[0].op" must be ...`. */
export function issueInWords(issue: Issue | undefined, input: unknown): string {
  if (issue === undefined) return 'is not valid';
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
  const what = issue.code === 'unrecognized_keys' ? 'is not expected' : problem(issue, valueAt(input, issue.path), true);
  return path.length === 0 ? what : `"${nameOf(path)}" ${what}`;
}
