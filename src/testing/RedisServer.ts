import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** The `redis-server` binary (default: `redis-server` on the PATH, as Debian's package installs it). */
  binary?: string;
  /** How long to wait for the server to answer PING, in ms (default 10 s). */
  startTimeoutMs?: number;
}

/** A `redis-server` child process on 127.0.0.1, an ephemeral port and a temporary directory. */
export interface RedisServer {
  /** `127.0.0.1`. */
  readonly host: string;
  /** The port; it stays the same across {@link RedisServer.kill} and {@link RedisServer.restart}. */
  readonly port: number;
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  /** True while the process runs. */
  readonly running: boolean;
  /** Kills the process with SIGKILL (a crash: nothing is saved) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts the process again on the same port (empty: persistence is off). */
  restart(): Promise<void>;
  /** Stops the process and removes its directory. Idempotent. */
  close(): Promise<void>;
}

/** An ephemeral port: bind port 0 on loopback, read it, release it. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Resolves when a PING on `port` is answered `+PONG`, rejects after `timeoutMs`. */
async function waitForPong(port: number, timeoutMs: number, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited()) throw new Error('redis-server exited during start');
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      const done = (v: boolean): void => {
        socket.destroy();
        resolve(v);
      };
      socket.setTimeout(500, () => done(false));
      socket.once('error', () => done(false));
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (d) => done(d.toString().startsWith('+PONG')));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not answer PING on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

class RedisServerImpl implements RedisServer {
  readonly host = '127.0.0.1';
  private child: ChildProcess | undefined;
  private exited = true;

  constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly options: Required<RedisServerOptions>,
  ) {}

  get url(): string {
    return `redis://${this.host}:${this.port}`;
  }

  get running(): boolean {
    return !this.exited;
  }

  async restart(): Promise<void> {
    if (this.running) return;
    const args = ['--port', String(this.port), '--bind', this.host, '--dir', this.dir, '--save', '', '--appendonly', 'no'];
    args.push('--daemonize', 'no', '--protected-mode', 'yes', '--loglevel', 'warning', '--logfile', '');
    const child = spawn(this.options.binary, args, { stdio: 'ignore' });
    this.child = child;
    this.exited = false;
    child.once('exit', () => {
      if (this.child === child) this.exited = true;
    });
    let spawnError: NodeJS.ErrnoException | undefined;
    child.once('error', (error) => {
      spawnError = error;
      if (this.child === child) this.exited = true;
    });
    try {
      await waitForPong(this.port, this.options.startTimeoutMs, () => this.exited);
    } catch (error) {
      await this.kill();
      if (spawnError?.code === 'ENOENT') {
        throw new Error(`${this.options.binary} not found on the PATH: install Redis (Debian: apt-get install -y redis-server)`);
      }
      throw error;
    }
  }

  async kill(): Promise<void> {
    await this.stop('SIGKILL');
  }

  async close(): Promise<void> {
    await this.stop('SIGTERM');
    await rm(this.dir, { recursive: true, force: true });
  }

  private async stop(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === undefined || this.exited) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
    this.exited = true;
  }
}

/**
 * Starts a throw-away `redis-server` (no persistence) on 127.0.0.1 with an ephemeral port and a
 * temporary directory, for tests of `gun-relay-client/redis`. Never uses the default port 6379.
 * Call `close()` when done.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const resolved = { binary: options.binary ?? 'redis-server', startTimeoutMs: options.startTimeoutMs ?? 10_000 };
  let lastError: unknown;
  // A missing binary fails the same way three times; say so once.
  const missing = (e: unknown): boolean => e instanceof Error && e.message.includes('not found on the PATH');
  // The port is free when picked; another process may take it before redis binds, so try again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = await mkdtemp(join(tmpdir(), 'gun-relay-redis-'));
    const server = new RedisServerImpl(await freePort(), dir, resolved);
    try {
      await server.restart();
      return server;
    } catch (error) {
      lastError = error;
      await server.close();
      if (missing(error)) break;
    }
  }
  throw lastError;
}
