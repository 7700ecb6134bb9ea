import type { Command } from 'commander';
import { OipSyncWorker, type OipSyncCycleReport } from 'gun-relay-client/oip';
import yoctoSpinner from 'yocto-spinner';
import { EXIT, printResult, usage, type Io } from '../io.js';
import { headerFlag, optionUsage, parseHeaders, positiveInt, withCommon, type CommonOptions } from '../options.js';
import { recordTypesOption } from '../peers.js';

interface SyncOptions extends CommonOptions {
  peer?: string[];
  local?: string;
  once?: boolean;
  types?: string[];
  interval: number;
  cycleTimeout: number;
  nodeId?: string;
  concurrency: number;
  statusPort?: number;
  statusHost: string;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** One line for a finished cycle. */
export function cycleLine(r: OipSyncCycleReport): string {
  const t = r.totals;
  const peerErrors = r.peers.filter((p) => p.error).length;
  const parts = [
    `cycle ${r.number} ${r.outcome}`,
    `${(r.durationMs / 1000).toFixed(2)} s`,
    `${r.requests} requests`,
    `${t.entries} listed`,
    `${t.copied} copied`,
    `${r.deletions.applied} deleted`,
    `${t.skipped} skipped`,
  ];
  if (peerErrors > 0) parts.push(`${peerErrors} peer(s) failed`);
  if (r.error) parts.push(`${r.error.code ?? 'error'}: ${r.error.message}`);
  return parts.join(', ');
}

/** 0 for a cycle that ended ok with every peer reached, 1 when a peer failed, 3 when the cycle failed. */
function exitOf(r: OipSyncCycleReport): number {
  if (r.outcome !== 'ok') return EXIT.failure;
  return r.peers.some((p) => p.error) ? EXIT.negative : EXIT.ok;
}

/** `sync`: runs the OIP sync worker, once or until SIGINT/SIGTERM. */
export function registerSyncCommand(program: Command, io: Io, done: (code: number) => void): void {
  withCommon(program.command('sync').description("run the OIP sync worker: copy the peers' records into the local relay and apply their deletions"))
    .option('--peer <url>', "a peer: its /gun-relay proxy URL (e.g. https://node.example/gun-relay), or a relay URL (repeatable)", collect)
    .option('--local <url>', 'the local relay, e.g. http://gun-relay:8765')
    .option('--once', 'run one cycle, print its report and exit (0 ok, 1 a peer failed, 3 the cycle failed)')
    .addOption(recordTypesOption())
    .option('--interval <ms>', 'time from the end of one cycle to the start of the next', positiveInt('--interval'), 15 * 60_000)
    .option('--cycle-timeout <ms>', 'a cycle still running after this is aborted', positiveInt('--cycle-timeout'), 10 * 60_000)
    .option('--node-id <id>', "this node's id in its registry entries (default: from the host name)")
    .option('--concurrency <n>', 'record reads and writes in flight at once', positiveInt('--concurrency'), 16)
    .option('--status-port <port>', 'serve /status, /healthz and /metrics on this port while running', (v) => Number.parseInt(v, 10))
    .option('--status-host <host>', 'the status endpoint host', '127.0.0.1')
    .action(async (opts: SyncOptions) => {
      if (!opts.peer?.length) throw usage('missing --peer <url>');
      if (opts.local === undefined) throw usage('missing --local <url>');
      if (opts.statusPort !== undefined && !(Number.isInteger(opts.statusPort) && opts.statusPort >= 0 && opts.statusPort < 65536)) throw usage('--status-port must be a port number');
      const headers = parseHeaders(opts.header);
      let worker: OipSyncWorker;
      try {
        worker = new OipSyncWorker({
          peers: opts.peer,
          local: opts.local,
          ...(opts.types ? { recordTypes: opts.types } : {}),
          ...(opts.nodeId ? { nodeId: opts.nodeId } : {}),
          intervalMs: opts.interval,
          cycleTimeoutMs: opts.cycleTimeout,
          concurrency: opts.concurrency,
          clientOptions: { timeoutMs: opts.timeout, headers },
        });
      } catch (error) {
        throw optionUsage(error, (field) => (/^peers\b/.test(field) ? '--peer' : field === 'local' ? '--local' : field === 'recordTypes' ? '--types' : field === 'nodeId' ? '--node-id' : headerFlag(field.replace(/^clientOptions\./, ''))));
      }
      const live = !opts.json && io.stdout.isTTY === true;
      const spinner = live ? yoctoSpinner({ stream: io.stdout as NodeJS.WriteStream }) : undefined;
      worker.on('cycleStart', (e) => spinner?.start(`cycle ${e.number}: starting`));
      worker.on('progress', (p) => {
        if (spinner) spinner.text = `cycle ${p.cycle}: ${p.phase} ${p.done}/${p.total}`;
      });
      worker.on('cycle', (r) => {
        if (!spinner) printResult(io, true, r);
        else if (r.outcome === 'ok' && !r.peers.some((p) => p.error)) spinner.success(cycleLine(r));
        else spinner.error(cycleLine(r));
      });
      const status = opts.statusPort === undefined ? undefined : await worker.serve({ port: opts.statusPort, host: opts.statusHost });
      if (status) io.stderr.write(`status: ${status.url}/status\n`);
      try {
        if (opts.once) {
          done(exitOf(await worker.runOnce()));
          return;
        }
        await new Promise<void>((resolve) => {
          const stop = (): void => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            resolve();
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
          worker.start();
        });
        spinner?.stop();
        done(EXIT.ok);
      } finally {
        await worker.close();
        await status?.close();
      }
    });
}
