import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { GunRelayClient, redactUrl, type LedgerStore } from 'gun-relay-client';
import { CliError, EXIT, usage } from './io.js';

/** Where a ledger lives: a snapshot file (`exportLedger()` JSON) or a fleet's Redis. */
export interface LedgerTargetOptions {
  file?: string;
  redis?: string;
  prefix: string;
  timeout: number;
}

/**
 * A client that holds the target's ledger. It is never sent a request: its relay URL is a
 * placeholder, the client is only the ledger's public interface (import, export, forgive).
 */
export interface OpenLedger {
  client: GunRelayClient;
  /** Writes the ledger back (a file), or waits until Redis applied the client's writes. */
  commit(): Promise<void>;
  close(): Promise<void>;
}

const NO_RELAY = 'http://127.0.0.1:9';

/**
 * Opens the ledger named by `--file` or `--redis`. `change` (an import) runs on the client after a
 * file is read, and before a Redis ledger's first load, so that load writes it to Redis. A missing
 * `--file` is an empty ledger (import and forgive create it) unless `mustExist` (export: a typo'd
 * path must not print an empty ledger and exit 0).
 */
export async function openLedger(opts: LedgerTargetOptions, change?: (client: GunRelayClient) => void, mustExist = false): Promise<OpenLedger> {
  if ((opts.file === undefined) === (opts.redis === undefined)) throw usage('give exactly one of --file <path> or --redis <url>');
  return opts.file !== undefined ? openFile(opts.file, change, mustExist) : openRedis(opts.redis!, opts, change);
}

/** Reads a file the user named: a missing or unreadable one is a one-line failure (exit 3). */
export async function readUserFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(cannotRead(file, error));
  }
}

function cannotRead(file: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `cannot read ${file}: no such file`;
  if (code === 'EISDIR') return `cannot read ${file}: it is a directory`;
  if (code === 'EACCES' || code === 'EPERM') return `cannot read ${file}: permission denied`;
  return `cannot read ${file}: ${(error as Error).message}`;
}

async function openFile(file: string, change: ((client: GunRelayClient) => void) | undefined, mustExist: boolean): Promise<OpenLedger> {
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (mustExist || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw new CliError(cannotRead(file, error));
  }
  const client = new GunRelayClient({ baseUrl: NO_RELAY });
  try {
    if (text !== undefined) {
      let snapshot: unknown;
      try {
        snapshot = JSON.parse(text);
      } catch {
        throw usage(`${file} is not JSON`);
      }
      client.importLedger(snapshot);
    }
    change?.(client);
  } catch (error) {
    client.close();
    throw error;
  }
  return {
    client,
    commit: async () => {
      const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(tmp, JSON.stringify(client.exportLedger(), null, 2) + '\n');
      await rename(tmp, file);
    },
    close: async () => client.close(),
  };
}

interface RedisLike {
  status: string;
  on(event: string, fn: (...args: unknown[]) => void): unknown;
  once(event: string, fn: (...args: unknown[]) => void): unknown;
  quit(): Promise<unknown>;
  ping(): Promise<unknown>;
  disconnect(): void;
}

async function openRedis(url: string, opts: LedgerTargetOptions, change?: (client: GunRelayClient) => void): Promise<OpenLedger> {
  const [ioredis, redisStores] = await Promise.all([
    import('ioredis').catch(() => {
      throw new CliError('--redis needs the ioredis package (npm install ioredis)');
    }),
    import('gun-relay-client/redis'),
  ]);
  const Redis = ioredis.Redis;
  // No lazyConnect: the store's subscriber is `redis.duplicate()`, which copies the options.
  const redis = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: (times: number) => (times > 2 ? null : 100) }) as unknown as RedisLike &
    ConstructorParameters<typeof redisStores.RedisLedgerStore>[0]['redis'];
  let lastError = '';
  redis.on('error', (error) => {
    lastError = (error as Error)?.message ?? '';
  });
  const where = redactUrl(url);
  try {
    await within(
      opts.timeout,
      `Redis at ${where} did not answer within ${opts.timeout} ms`,
      new Promise<void>((resolve, reject) => {
        redis.once('ready', () => resolve());
        redis.once('end', () => reject(new CliError(`Redis at ${where}: ${lastError || 'connection closed'}`)));
      }),
    );
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  const store = new redisStores.RedisLedgerStore({ redis, prefix: opts.prefix });
  const client = new GunRelayClient({ baseUrl: NO_RELAY, ledgerStore: store as LedgerStore });
  const close = async (): Promise<void> => {
    client.close();
    store.close();
    await redis.quit().catch(() => redis.disconnect());
  };
  try {
    // Imported before the store's first load, so its load seeds Redis with the quarantined entries.
    change?.(client);
    await until(() => (client.stats().ledgerStore?.loads ?? 0) >= 1, opts.timeout, `the ledger in Redis at ${where} did not load within ${opts.timeout} ms`);
  } catch (error) {
    await close();
    throw error;
  }
  // The first load succeeded (it seeded what `change` imported).
  return {
    client,
    // The store sends its writes in order on `redis`: once none is queued and a PING sent after
    // them is answered (twice, for a script sent again after NOSCRIPT), Redis has applied them.
    commit: async () => {
      const queued = (): boolean => (client.stats().ledgerStore?.queued ?? 0) === 0;
      for (let i = 0; i < 2; i++) {
        await until(queued, opts.timeout, `Redis at ${where} did not take the change within ${opts.timeout} ms`);
        await within(opts.timeout, `Redis at ${where} did not answer within ${opts.timeout} ms`, redis.ping());
      }
    },
    close,
  };
}

/** Resolves when `check()` is true; rejects with `message` after `timeoutMs`. */
async function until(check: () => boolean, timeoutMs: number, message: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new CliError(message);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function within<T>(timeoutMs: number, message: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new CliError(message, EXIT.failure)), timeoutMs)))]);
  } finally {
    clearTimeout(timer);
  }
}
