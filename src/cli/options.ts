import { Command, Option } from 'commander';
import { GunRelayClient, isGunRelayError, type ClientOptions, type RelayKind } from 'gun-relay-client';
import { usage } from './io.js';

/** Options every command has. */
export interface CommonOptions {
  json?: boolean;
  timeout: number;
  header?: string[];
}

/** Options of a command that talks to relays given with `--relay`. */
export interface RelayOptions extends CommonOptions {
  relay?: string[];
  kind: RelayKind;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Parses a whole number of milliseconds > 0. */
export function positiveInt(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw usage(`${name} must be a whole number > 0, got ${JSON.stringify(value.slice(0, 40))}`);
    return n;
  };
}

/** Adds `--json`, `--timeout` and `--header` to a command. */
export function withCommon(cmd: Command): Command {
  return cmd
    .option('--json', 'print results as JSON lines, and failures as one JSON object on stderr')
    .option('--timeout <ms>', 'deadline of each call, in ms', positiveInt('--timeout'), 10_000)
    .option('--header <name:value>', 'extra request header, e.g. "Authorization: Bearer …" (repeatable; never printed)', collect);
}

/** Adds `--relay` (repeatable) and `--kind` to a command. */
export function withRelays(cmd: Command, min = 1): Command {
  return withCommon(cmd)
    .option('--relay <url>', min > 1 ? `a relay's base URL (give it at least ${min} times)` : "a relay's base URL (repeatable)", collect)
    .addOption(new Option('--kind <kind>', 'how the relays are reached: directly, or through an OIP node\'s /gun-relay proxy').choices(['relay', 'oip-proxy']).default('relay'));
}

/** What HTTP allows in a header name. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `Name: value` header arguments as a record. */
export function parseHeaders(headers: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of headers) {
    const colon = h.indexOf(':');
    if (colon < 1) throw usage('--header must look like "Name: value"');
    const name = h.slice(0, colon).trim();
    // The value is never echoed: it may be a credential.
    if (!HEADER_NAME.test(name)) throw usage(`--header ${JSON.stringify(name.slice(0, 40))} is not a header name (letters, digits and - only, e.g. "Authorization: Bearer …")`);
    out[name] = h.slice(colon + 1).trim();
  }
  return out;
}

/**
 * A client for `urls` (given with `flag`, e.g. `--relay`), with the command's timeout and headers;
 * one attempt per call beyond the client's retries. A URL the client refuses is a usage error
 * naming `flag` and the value (credentials removed).
 */
export function openClient(urls: readonly string[], kind: RelayKind, opts: CommonOptions, extra: Partial<ClientOptions> = {}, flag = '--relay'): GunRelayClient {
  if (urls.length === 0) throw usage('give at least one relay URL');
  const headers = parseHeaders(opts.header);
  try {
    return new GunRelayClient({ baseUrl: urls.map((url) => ({ url, kind })), timeoutMs: opts.timeout, headers, ...extra });
  } catch (error) {
    throw optionUsage(error, (field) => (/^baseUrl\b/.test(field) ? flag : headerFlag(field)));
  }
}

/** `--header "Name":` for the library's `headers.Name` field (the value is never echoed). */
export function headerFlag(field: string): string | undefined {
  return field.startsWith('headers.') ? `--header ${JSON.stringify(field.slice('headers.'.length, 48))}:` : undefined;
}

/**
 * An `INVALID_OPTIONS` error about a value the user gave on the command line, as a usage error
 * (exit 2) whose one line names the flag (`flagOf(field)`, e.g. `--relay` for `baseUrl[0].url`)
 * instead of the option inside the library; the value is shown as the library shows it (credentials
 * removed). Any other error is returned as it is.
 */
export function optionUsage(error: unknown, flagOf: (field: string) => string | undefined): unknown {
  if (!isGunRelayError(error) || error.code !== 'INVALID_OPTIONS') return error;
  const flag = flagOf(error.field ?? '');
  if (flag === undefined) return error;
  const what = /^Invalid (?:[A-Za-z]+ )?option "[^"]*": ([^]*)$/.exec(error.message)?.[1] ?? error.message;
  return usage(`${flag} ${what}`);
}

/** The `--relay` URLs, at least `min` of them. */
export function relayUrls(opts: RelayOptions, min = 1): string[] {
  const relays = opts.relay ?? [];
  if (relays.length < min) throw usage(min === 1 ? 'missing --relay <url>' : `give --relay at least ${min} times`);
  return relays;
}
