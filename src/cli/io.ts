import { isGunRelayError, redactUrl } from 'gun-relay-client';

/** Exit codes of every command. */
export const EXIT = {
  /** The command did what it says and the answer is positive. */
  ok: 0,
  /** The answer is negative: absent, unhealthy, relays disagree, records missing. */
  negative: 1,
  /** Bad arguments or input (nothing was sent). */
  usage: 2,
  /** A relay, Redis or file failed. */
  failure: 3,
} as const;

/** A failure the command reports as one line and an exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
    readonly code: string = exitCode === EXIT.usage ? 'USAGE' : 'FAILED',
  ) {
    super(message);
  }
}

/** A usage mistake: exit 2. */
export function usage(message: string): CliError {
  return new CliError(message, EXIT.usage);
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;

/** One line of text, no control characters, credentials removed from any URL in it, at most 300 characters. */
export function oneLine(text: string): string {
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().replace(URL_IN_TEXT, (url) => redactUrl(url));
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

/** Where a command writes: stdout for results, stderr for messages and progress. */
export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export const processIo: Io = { stdout: process.stdout, stderr: process.stderr };

/** Writes a result: one JSON line with `--json`, else the human text (or indented JSON when there is none). */
export function printResult(io: Io, json: boolean, value: unknown, human?: string): void {
  if (json) io.stdout.write(JSON.stringify(value) + '\n');
  else io.stdout.write((human ?? JSON.stringify(value, null, 2)) + '\n');
}

/** The one line printed for a failure, and its exit code. */
export function describeFailure(error: unknown): { code: string; message: string; exitCode: number } {
  if (error instanceof CliError) return { code: error.code, message: oneLine(error.message), exitCode: error.exitCode };
  if (isGunRelayError(error)) {
    // Options come from the command line: a value the library refuses is a usage error too.
    const exitCode = error.code === 'INVALID_INPUT' || error.code === 'INVALID_OPTIONS' ? EXIT.usage : EXIT.failure;
    return { code: error.code, message: oneLine(`${error.code}: ${error.message}`), exitCode };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'FAILED', message: oneLine(message || 'failed'), exitCode: EXIT.failure };
}

/** Prints a failure on stderr: one line, or one JSON object with `--json`. */
export function printFailure(io: Io, json: boolean, error: unknown): number {
  const { code, message, exitCode } = describeFailure(error);
  io.stderr.write(json ? JSON.stringify({ error: { code, message } }) + '\n' : `gun-relay-client: ${message}\n`);
  return exitCode;
}
