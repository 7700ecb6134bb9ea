import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { GunNode, GunRelayClient } from 'gun-relay-client';
import { EXIT, printResult, usage, type Io } from '../io.js';
import { openClient, relayUrls, withRelays, type RelayOptions } from '../options.js';

/** Most bytes `put` reads from a file or stdin (the client's default body limit). */
const MAX_INPUT_BYTES = 8 * 1024 * 1024;

/** Runs `fn` with a client for the command's relays and closes it after. */
async function withClient(opts: RelayOptions, min: number, fn: (client: GunRelayClient) => Promise<number>): Promise<number> {
  const client = openClient(relayUrls(opts, min), opts.kind, opts);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/** Reads `-` (stdin), `@file`, or the argument itself, as a JSON object. */
async function readNode(arg: string, stdin: NodeJS.ReadableStream): Promise<GunNode> {
  let text: string;
  if (arg === '-') text = await readStream(stdin);
  else if (arg.startsWith('@')) text = await readFile(arg.slice(1), 'utf8');
  else text = arg;
  if (Buffer.byteLength(text) > MAX_INPUT_BYTES) throw usage(`the node is larger than ${MAX_INPUT_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw usage('the node is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw usage('the node must be a JSON object');
  return value as GunNode;
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > MAX_INPUT_BYTES) throw usage(`the node is larger than ${MAX_INPUT_BYTES} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `health`, `get`, `put`, `delete` and `compare`. */
export function registerRecordCommands(program: Command, io: Io, done: (code: number) => void): void {
  withRelays(program.command('health').description('probe each relay; exit 0 when every one answers')).action(async (opts: RelayOptions) => {
    done(
      await withClient(opts, 1, async (client) => {
        const health = await client.health({ timeoutMs: opts.timeout });
        const human = health.map((h) => `${h.ok ? 'ok  ' : 'down'}  ${h.relay}  ${h.latencyMs} ms${h.error ? `  ${h.error}` : ''}  breaker ${h.breaker}`).join('\n');
        printResult(io, Boolean(opts.json), health, human);
        return health.every((h) => h.ok) ? EXIT.ok : EXIT.negative;
      }),
    );
  });

  withRelays(program.command('get').description('print a node as JSON (null and exit 1 when absent)').argument('<soul>', 'the soul to read')).action(
    async (soul: string, opts: RelayOptions) => {
      done(
        await withClient(opts, 1, async (client) => {
          const node = await client.get(soul);
          printResult(io, Boolean(opts.json), node);
          return node === null ? EXIT.negative : EXIT.ok;
        }),
      );
    },
  );

  withRelays(
    program
      .command('put')
      .description('write a node: a JSON object given inline, as @file, or - for stdin (exit 1 when the failure ledger skipped it)')
      .argument('<soul>', 'the soul to write')
      .argument('<json>', 'the node: JSON text, @file or -'),
  ).action(async (soul: string, json: string, opts: RelayOptions) => {
    const node = await readNode(json, process.stdin);
    done(
      await withClient(opts, 1, async (client) => {
        const result = await client.put(soul, node);
        printResult(io, Boolean(opts.json), result);
        return result.outcome === 'written' ? EXIT.ok : EXIT.negative;
      }),
    );
  });

  withRelays(
    program
      .command('delete')
      .description('tombstone every key of a node (exit 1 when there was nothing to delete)')
      .argument('<soul>', 'the soul to delete'),
  ).action(async (soul: string, opts: RelayOptions) => {
    done(
      await withClient(opts, 1, async (client) => {
        const result = await client.delete(soul);
        printResult(io, Boolean(opts.json), result);
        return result.outcome === 'deleted' ? EXIT.ok : EXIT.negative;
      }),
    );
  });

  withRelays(
    program.command('compare').description('read a soul on every relay and compare (exit 1 when they differ)').argument('<soul>', 'the soul to read'),
    2,
  ).action(async (soul: string, opts: RelayOptions) => {
    done(
      await withClient(opts, 2, async (client) => {
        const comparison = await client.compare(soul);
        const lines = comparison.answers.map((a) => `${a.outcome.padEnd(7)}  ${a.relay}${a.outcome === 'error' ? `  ${a.code}` : ''}`);
        lines.push(comparison.agree ? 'the relays agree' : 'the relays differ');
        printResult(io, Boolean(opts.json), comparison, lines.join('\n'));
        return comparison.agree ? EXIT.ok : EXIT.negative;
      }),
    );
  });
}
