import type { Command } from 'commander';
import type { LedgerImportResult } from 'gun-relay-client';
import { EXIT, printResult, usage, type Io } from '../io.js';
import { openLedger, readUserFile, type LedgerTargetOptions } from '../ledgerTarget.js';
import { withCommon, type CommonOptions } from '../options.js';

type LedgerOptions = CommonOptions & LedgerTargetOptions;

function withTarget(cmd: Command): Command {
  return withCommon(cmd)
    .option('--file <path>', 'a ledger snapshot file (exportLedger() JSON); created by import and forgive when missing')
    .option('--redis <url>', "a fleet's Redis (RedisLedgerStore), e.g. redis://127.0.0.1:6379 (needs ioredis)")
    .option('--prefix <prefix>', 'the RedisLedgerStore key prefix', 'gun-relay');
}

async function readSnapshot(arg: string): Promise<unknown> {
  const text = arg === '-' ? await readStdin() : await readUserFile(arg);
  try {
    return JSON.parse(text);
  } catch {
    throw usage(`${arg === '-' ? 'stdin' : arg} is not JSON`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `ledger export|import|forgive` against a snapshot file or a fleet's Redis. */
export function registerLedgerCommands(program: Command, io: Io, done: (code: number) => void): void {
  const ledger = program.command('ledger').description("read or change a failure ledger: a snapshot file or a fleet's Redis");

  withTarget(ledger.command('export').description('print the ledger as a snapshot (entries whose TTL ran out are dropped); a missing --file is an error')).action(async (opts: LedgerOptions) => {
    const open = await openLedger(opts, undefined, true);
    try {
      const snapshot = open.client.exportLedger();
      printResult(io, Boolean(opts.json), snapshot);
      done(EXIT.ok);
    } finally {
      await open.close();
    }
  });

  withTarget(
    ledger
      .command('import')
      .description('add the entries of a snapshot (a file, or - for stdin) to the ledger; Redis keeps the quarantined ones')
      .argument('<snapshot>', 'an exportLedger() JSON file, or -'),
  ).action(async (source: string, opts: LedgerOptions) => {
    const snapshot = await readSnapshot(source);
    let result: LedgerImportResult | undefined;
    const open = await openLedger(opts, (client) => {
      result = client.importLedger(snapshot);
    });
    try {
      await open.commit();
      const quarantined = open.client.quarantined().length;
      printResult(io, Boolean(opts.json), { ...result!, quarantined }, `imported ${result!.imported}, dropped ${result!.dropped} (expired); ${quarantined} quarantined`);
      done(EXIT.ok);
    } finally {
      await open.close();
    }
  });

  withTarget(
    ledger
      .command('forgive')
      .description("clear a soul's failures for every operation, so its next call is sent (exit 1 when it had none)")
      .argument('<soul>', 'the soul to forgive'),
  ).action(async (soul: string, opts: LedgerOptions) => {
    const open = await openLedger(opts);
    try {
      const forgiven = open.client.forgive(soul);
      await open.commit();
      printResult(io, Boolean(opts.json), { soul, forgiven }, forgiven ? `forgave ${soul}` : `${soul} had no failures`);
      done(forgiven ? EXIT.ok : EXIT.negative);
    } finally {
      await open.close();
    }
  });
}
