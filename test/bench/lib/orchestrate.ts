import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildInput, ChildMessage, Job } from './job.js';
import { startBenchServer, type BenchServer, type ServerStats } from './servers.js';

const CHILD = fileURLToPath(new URL('../child.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

/** A finished job: the child's result and what its servers counted. */
export interface JobOutcome {
  job: Job;
  ok: boolean;
  error?: string;
  result?: unknown;
  servers: Record<string, ServerStats>;
  ms: number;
}

/** Starts the job's servers here, runs the job in a fresh `node --expose-gc` child, stops the servers. */
export async function runJob(job: Job): Promise<JobOutcome> {
  const started = performance.now();
  const servers: Record<string, BenchServer> = {};
  try {
    for (const [name, spec] of Object.entries(job.servers)) servers[name] = await startBenchServer(spec);
    const urls = Object.fromEntries(Object.entries(servers).map(([name, s]) => [name, s.url]));
    const input: ChildInput = { job, urls };
    const message = await runChild(input, job.timeoutMs);
    const stats = Object.fromEntries(Object.entries(servers).map(([name, s]) => [name, s.stats()]));
    const ms = performance.now() - started;
    return message.type === 'result'
      ? { job, ok: true, result: message.result, servers: stats, ms }
      : { job, ok: false, error: message.message, servers: stats, ms };
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.close()));
  }
}

function runChild(input: ChildInput, timeoutMs: number): Promise<ChildMessage> {
  return new Promise((resolve) => {
    const child = fork(CHILD, [JSON.stringify(input)], {
      execArgv: ['--expose-gc', '--import', TSX],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let message: ChildMessage | undefined;
    const timer = setTimeout(() => {
      message ??= { type: 'error', message: `timed out after ${timeoutMs} ms` };
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('message', (m) => {
      message ??= m as ChildMessage;
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(message ?? { type: 'error', message: `child exited (code ${code}, signal ${signal}) without a result` });
    });
  });
}
