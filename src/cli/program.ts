import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { registerDiagnoseCommand } from './commands/diagnose.js';
import { registerLedgerCommands } from './commands/ledger.js';
import { registerRecordCommands } from './commands/records.js';
import { registerSyncCommand } from './commands/sync.js';
import { EXIT, oneLine, printFailure, processIo, type Io } from './io.js';

const { version } = createRequire(import.meta.url)('gun-relay-client/package.json') as { version: string };

/** The program with every command; `done` receives each action's exit code. */
export function createProgram(io: Io, done: (code: number) => void): Command {
  const program = new Command('gun-relay-client')
    .description('Talk to GUN HTTP relays: health, get, put, delete, compare; run the OIP sync worker; manage the failure ledger.')
    .version(version)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(`gun-relay-client: ${oneLine(s.replace(/^error: /, ''))}\n`),
    })
    .showSuggestionAfterError()
    .allowExcessArguments(false);
  registerRecordCommands(program, io, done);
  registerSyncCommand(program, io, done);
  registerLedgerCommands(program, io, done);
  registerDiagnoseCommand(program, io, done);
  return program;
}

/** Runs the command line; resolves with the exit code (never throws, never prints a stack). */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = createProgram(io, (code) => {
    exitCode = code;
  });
  if (argv.length <= 2) {
    program.outputHelp();
    return EXIT.usage;
  }
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; commander already printed its one-line message for the rest.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return printFailure(io, argv.includes('--json'), error);
  }
}
