import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, listenLoopback, SocketTracker, splitTarget } from './httpUtil.js';

/** What an index's entries hold: `link` as a registry index answers (`{"#": "<soul>/<key>"}`), `flag` as the deletion index (`true`). */
export type LargeIndexKind = 'link' | 'flag';

/** One index a {@link LargeIndexServer} serves. */
export interface LargeIndexSpec {
  /** Number of entries. */
  entries: number;
  /** Default `link`. */
  kind?: LargeIndexKind;
  /**
   * Cross-linked keys to add, as the real relay's disk store adds them to a large node: after
   * entry `16 × j` (for j < this), the key {@link crossLinkedKey}`(16 × j)`, a truncated copy of
   * that entry's key, linked to the entry's child `<soul>/<key>`. Default 0.
   */
  crossLinked?: number;
}

/** Options of {@link startLargeIndexServer}. */
export interface LargeIndexServerOptions {
  /** The index souls served, by soul. Any other soul answers the relay's 404 `{"error":"Not found"}`. */
  indexes: Record<string, LargeIndexSpec>;
  /** Bytes per write of a body. Default 64 KiB. */
  chunkBytes?: number;
}

/** A loopback server answering `GET /get` for generated indexes of any size, streamed as they are generated. */
export interface LargeIndexServer {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** `GET /get` requests answered so far. */
  readonly requests: number;
  close(): Promise<void>;
}

/**
 * The key of entry `i`: a record soul as the indexer names them, `<publisher hash>:h:<12 hex>`
 * (27 characters), with a new publisher every 1,000 entries.
 */
export function largeIndexKey(i: number): string {
  const publisher = (Math.imul(Math.floor(i / 1000) + 1, 0x9e3779b1) >>> 0).toString(16).padStart(12, 'a');
  return `${publisher}:h:${i.toString(16).padStart(12, '0')}`;
}

/** The key entry `i` has in an index of `kind`: the record soul, or its DID in a deletion index. */
function entryKey(i: number, kind: LargeIndexKind): string {
  return kind === 'flag' ? `did:gun:${largeIndexKey(i)}` : largeIndexKey(i);
}

/** The truncated copy of entry `i`'s key (its last character dropped) that a cross-link adds (see `crossLinked`). */
export function crossLinkedKey(i: number, kind: LargeIndexKind = 'link'): string {
  return entryKey(i, kind).slice(0, -1);
}

/** The JSON of entry `i` of `soul`'s index, as the relay writes it (no separator), and of its cross-link if it has one. */
function entryJson(soul: string, i: number, spec: LargeIndexSpec): string {
  const kind = spec.kind ?? 'link';
  const key = entryKey(i, kind);
  const entry = `${JSON.stringify(key)}:${kind === 'flag' ? 'true' : JSON.stringify({ '#': `${soul}/${key}` })}`;
  if (i % 16 !== 0 || i / 16 >= (spec.crossLinked ?? 0)) return entry;
  return `${entry},${JSON.stringify(crossLinkedKey(i, kind))}:${JSON.stringify({ '#': `${soul}/${key}` })}`;
}

const HEAD = '{"success":true,"data":{';
const TAIL = '}}';

/**
 * The relay's answer for a generated index, `{"success":true,"data":{…}}`, in chunks of about
 * `chunkBytes`: never more than one chunk exists at a time, whatever the number of entries.
 */
export function* largeIndexBody(soul: string, spec: LargeIndexSpec, chunkBytes = 64 * 1024): Generator<Buffer> {
  let text = HEAD;
  for (let i = 0; i < spec.entries; i++) {
    text += (i === 0 ? '' : ',') + entryJson(soul, i, spec);
    if (text.length >= chunkBytes) {
      yield Buffer.from(text, 'utf8');
      text = '';
    }
  }
  yield Buffer.from(text + TAIL, 'utf8');
}

/** Bytes of {@link largeIndexBody} for `soul` and `spec`, computed without building it. */
export function largeIndexBodyLength(soul: string, spec: LargeIndexSpec): number {
  let bytes = HEAD.length + TAIL.length + Math.max(0, spec.entries - 1);
  for (let i = 0; i < spec.entries; i++) bytes += Buffer.byteLength(entryJson(soul, i, spec));
  return bytes;
}

/** Resolves when `res` drains or closes, leaving no listener behind. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

/**
 * Starts a loopback server that answers `GET /get?soul=` for each index in `options.indexes`
 * with a generated body of its size (a million entries ≈ 76 MiB), announced with its
 * `content-length` and written chunk by chunk as the socket drains, so the server holds one
 * chunk, not the body. Used by the scale tests and benchmarks in place of a relay, which cannot
 * hold an index that large.
 */
export async function startLargeIndexServer(options: LargeIndexServerOptions): Promise<LargeIndexServer> {
  const lengths = new Map<string, number>();
  let requests = 0;
  const server = createServer((req, res) => void answer(req, res));
  const sockets = new SocketTracker(server);
  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { path, query } = splitTarget(req.url);
    const soul = query.get('soul') ?? '';
    const spec = options.indexes[soul];
    if (path !== '/get' || !spec) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: path === '/get' ? 'Not found' : 'no such endpoint' }));
      return;
    }
    requests++;
    let length = lengths.get(soul);
    if (length === undefined) lengths.set(soul, (length = largeIndexBodyLength(soul, spec)));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(length) });
    for (const chunk of largeIndexBody(soul, spec, options.chunkBytes)) {
      if (res.destroyed) return;
      if (!res.write(chunk)) await drained(res);
    }
    res.end();
  };
  const port = await listenLoopback(server, 0);
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    close: () => closeServer(server, sockets),
  };
}
