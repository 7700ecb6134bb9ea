import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Splits a raw request target into path and query without `new URL()`, which would read `//put`
 * as a protocol-relative URL with host `put`. The relay must see `//put` as a path (and 404 it).
 */
export function splitTarget(target: string | undefined): { path: string; query: URLSearchParams } {
  const raw = target ?? '/';
  const q = raw.indexOf('?');
  return q < 0
    ? { path: raw, query: new URLSearchParams() }
    : { path: raw.slice(0, q), query: new URLSearchParams(raw.slice(q + 1)) };
}

/** Reads the whole request body (no size limit, like the production relay). */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(new Error('request aborted'));
    });
  });
}

/** Tracks a server's sockets so they can be counted and destroyed on close. */
export class SocketTracker {
  private readonly sockets = new Set<Socket>();
  /** Sockets accepted since start (or the last reset). */
  opened = 0;
  /** Highest number of simultaneously open sockets seen. */
  peak = 0;

  constructor(server: Server) {
    server.on('connection', (socket: Socket) => {
      this.opened++;
      this.sockets.add(socket);
      this.peak = Math.max(this.peak, this.sockets.size);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Sockets open right now. */
  get open(): number {
    return this.sockets.size;
  }

  /** Destroys every open socket (hung requests included); resolves when all have closed. */
  destroyAll(): Promise<void> {
    const closed = [...this.sockets].map(
      (socket) => new Promise<void>((resolve) => (socket.closed ? resolve() : socket.once('close', () => resolve()))),
    );
    for (const socket of this.sockets) socket.destroy();
    return Promise.all(closed).then(() => undefined);
  }
}

/** Timers that can all be cancelled at once, so a closed server leaves none behind. */
export class TimerSet {
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private cancelled = false;

  /** Resolves `true` after `ms`, or `false` at once if cancelled (now or later). */
  sleep(ms: number): Promise<boolean> {
    if (this.cancelled) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve(true);
      }, ms);
      this.timers.set(timer, () => resolve(false));
    });
  }

  /** Clears every pending timer; their sleeps resolve `false`. Further sleeps resolve `false`. */
  cancelAll(): void {
    this.cancelled = true;
    for (const [timer, wake] of this.timers) {
      clearTimeout(timer);
      wake();
    }
    this.timers.clear();
  }
}

/** Listens on 127.0.0.1 and resolves the bound port. */
export function listenLoopback(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/**
 * Closes the listener and destroys open sockets; resolves when the port is released, every socket
 * has closed and libuv has let go of their handles (see {@link handlesReleased}).
 */
export async function closeServer(server: Server, sockets: SocketTracker): Promise<void> {
  const listenerClosed = server.listening
    ? new Promise<void>((resolve) => server.close(() => resolve()))
    : Promise.resolve();
  await Promise.all([listenerClosed, sockets.destroyAll()]);
  await handlesReleased();
}

/**
 * libuv frees closed handles in the close phase of the loop, after this turn's check phase: two
 * setImmediate hops get past it, so that afterwards none of ours shows in
 * `process.getActiveResourcesInfo()`.
 */
export async function handlesReleased(): Promise<void> {
  for (let hop = 0; hop < 2; hop++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Pushes into a bounded array, dropping the oldest entries. */
export function pushBounded<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}
