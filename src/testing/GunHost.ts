import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { GUN_HOST_SOURCE } from './gunHostSource.js';
import { handlesReleased } from './httpUtil.js';

/** A gun node as gun returns it: keys to values, plus the `_` metadata. */
export type GunNode = Record<string, unknown>;

/** Outcome of a put forwarded to gun: `err` is gun's error (string or, rarely, an object). */
export interface GunPutOutcome {
  readonly err?: unknown;
}

interface Pending {
  resolve(value: unknown): void;
}

const OUTPUT_TAIL_BYTES = 16 * 1024;
const START_TIMEOUT_MS = 15_000;

/** Thrown when the optional peer dependency `gun` cannot be resolved. */
function gunMissing(cause: unknown): Error {
  return new Error(
    'startLocalRelay needs the optional peer dependency `gun` (npm i -D gun@0.2020.1241)',
    { cause },
  );
}

/**
 * The real `gun`, running in a child process and driven over IPC (see gunHostSource.ts for why).
 * Internal to the testing module: `LocalRelay` is its only user.
 */
export class GunHost {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exited = false;
  private closing = false;
  private readonly exitPromise: Promise<void>;
  /** Called once if the child dies while nobody asked it to. */
  onUnexpectedExit: ((detail: string) => void) | undefined;

  private constructor(
    private readonly child: ChildProcess,
    /** Process id of the child that runs gun. */
    readonly pid: number,
    private readonly output: { text: string },
  ) {
    this.exitPromise = new Promise<void>((resolve) => {
      // 'close' (not 'exit') also waits for the stdio pipes and the IPC channel to be released.
      // Node never emits 'close' if the parent called disconnect(), hence close() only kills.
      let safety: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(safety);
        this.exited = true;
        this.settleAll();
        resolve();
      };
      child.once('close', done);
      child.once('exit', () => {
        // Safety net should a pipe stay open (e.g. a grandchild holding it): do not hang close().
        safety = setTimeout(done, 1_000).unref();
      });
    });
    child.on('message', (msg: unknown) => this.onMessage(msg));
  }

  /** Spawns the child, loads gun with every network feature off, and waits until it is ready. */
  static async start(options: { file: string; writeBatchMs?: number }): Promise<GunHost> {
    let gunPath: string;
    try {
      gunPath = createRequire(import.meta.url).resolve('gun');
    } catch (err) {
      throw gunMissing(err);
    }
    const env = { ...process.env };
    // Never let the child believe it is a node:test worker or inherit a loader meant for tests.
    delete env.NODE_TEST_CONTEXT;
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, ['-e', GUN_HOST_SOURCE], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env,
      windowsHide: true,
    });
    // gun's banner and logs go to a bounded buffer, never to the console.
    const output = { text: '' };
    const keep = (chunk: Buffer): void => {
      output.text = (output.text + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);

    const pid = await new Promise<number>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        child.off('error', onError);
        child.off('exit', onExit);
        child.off('message', onReady);
      };
      const fail = (why: string): void => {
        cleanup();
        child.kill('SIGKILL');
        reject(new Error(`gun host failed to start: ${why}\n${output.text}`));
      };
      const onError = (err: Error): void => fail(err.message);
      const onExit = (code: number | null, signal: string | null): void =>
        fail(`exited (${code ?? signal})`);
      const onReady = (msg: unknown): void => {
        if (!isObject(msg) || msg.type !== 'ready') return;
        cleanup();
        resolve(typeof msg.pid === 'number' ? msg.pid : (child.pid ?? -1));
      };
      const timer = setTimeout(() => fail('timeout'), START_TIMEOUT_MS);
      child.on('error', onError);
      child.on('exit', onExit);
      child.on('message', onReady);
      child.send({ type: 'init', gunPath, file: options.file, writeBatchMs: options.writeBatchMs });
    });

    const host = new GunHost(child, pid, output);
    child.on('error', () => undefined); // e.g. a send() racing the child's death; exit is handled
    child.once('exit', (code, signal) => {
      if (!host.closing) host.onUnexpectedExit?.(`gun host exited (${code ?? signal})\n${output.text}`);
    });
    return host;
  }

  /**
   * Whether the child, its pipes and its IPC channel keep this process alive. Off (unref'd) while
   * the relay idles, so a forgotten relay cannot hold the process open; on while it closes.
   */
  keepAlive(on: boolean): void {
    const handles = [this.child, this.child.channel, this.child.stdout, this.child.stderr] as Array<{ ref?(): void; unref?(): void } | null | undefined>;
    for (const handle of handles) {
      if (on) handle?.ref?.();
      else handle?.unref?.();
    }
  }

  /** Kills the child at once, synchronously (for a process that is exiting). */
  killNow(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  /** Last 16 KiB of what gun printed (its banner, warnings); never shown unless asked for. */
  get outputTail(): string {
    return this.output.text;
  }

  /**
   * `gun.get(soul).put(data, ack)`. Resolves with gun's ack, or `null` if the host closed first.
   * Never resolves by itself when gun never acks (an empty object): the caller's request hangs.
   */
  put(soul: unknown, data: unknown): Promise<GunPutOutcome | null> {
    return this.request({ type: 'put', soul, data }).then((msg) =>
      msg === null ? null : { err: msg.err },
    );
  }

  /**
   * `gun.get(soul).once(...)`. Resolves with the raw node, `undefined` when gun has none, or
   * `null` if the host closed or did not answer within `timeoutMs`.
   */
  async get(soul: string, timeoutMs: number): Promise<GunNode | undefined | null> {
    const msg = await this.request({ type: 'get', soul }, timeoutMs);
    if (msg === null) return null;
    return isObject(msg.node) ? (msg.node as GunNode) : undefined;
  }

  /**
   * Stops the child and waits until its process, pipes and IPC channel are gone. With `graceMs`
   * the child first gets that long to flush gun's disk writes (a stop, not a crash).
   */
  async close(options: { graceMs?: number } = {}): Promise<void> {
    this.closing = true;
    this.keepAlive(true);
    this.settleAll();
    if (!this.exited && options.graceMs && this.child.connected) {
      this.child.send({ type: 'stop', graceMs: options.graceMs });
      const killer = setTimeout(() => this.child.kill('SIGKILL'), options.graceMs + 10_000);
      await this.exitPromise;
      clearTimeout(killer);
    }
    if (!this.exited) this.child.kill('SIGTERM');
    await this.exitPromise;
    await handlesReleased();
  }

  private request(
    msg: Record<string, unknown>,
    timeoutMs?: number,
  ): Promise<Record<string, unknown> | null> {
    if (this.exited || this.closing || !this.child.connected) return Promise.resolve(null);
    const id = this.nextId++;
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      if (timeoutMs !== undefined) timer = setTimeout(() => this.settle(id, null), timeoutMs);
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as Record<string, unknown> | null);
        },
      });
      this.child.send({ ...msg, id }, (err) => {
        if (err) this.settle(id, null);
      });
    });
  }

  private onMessage(msg: unknown): void {
    if (!isObject(msg) || typeof msg.id !== 'number') return;
    this.settle(msg.id, msg);
  }

  private settle(id: number, value: unknown): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    pending.resolve(value);
  }

  private settleAll(): void {
    for (const id of [...this.pending.keys()]) this.settle(id, null);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
