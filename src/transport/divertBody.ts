import type { IncomingMessage } from 'node:http';
import { pipeline, Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { BodySink } from './Transport.js';

/** The error a diverted body fails with past its limit (axios's own wording, which the transport classifies). */
function tooLarge(limit: number): Error {
  return new Error(`maxContentLength size of ${limit} exceeded`);
}

/** A decoder for the body's `content-encoding`, or `undefined` for none known. */
function decoder(encoding: string | undefined): NodeJS.ReadWriteStream | undefined {
  switch ((encoding ?? '').toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
    case 'deflate':
      return zlib.createUnzip();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}

/** An empty response in place of `res` for axios to read (its status, `headers`, no body yet); destroying it destroys `res`. */
function standInFor(res: IncomingMessage, headers: IncomingMessage['headers']): Readable {
  const standIn = new Readable({
    read() {},
    destroy(error, callback) {
      if (!res.destroyed) res.destroy();
      callback(error);
    },
  });
  return Object.assign(standIn, { statusCode: res.statusCode, statusMessage: res.statusMessage, headers, rawHeaders: [], req: (res as { req?: unknown }).req });
}

/**
 * Hands the body of `res` (a 2xx answer) to `sink` as it arrives, decoded if compressed, and
 * returns an empty stand-in response for axios to "buffer": the body is never held whole. Past
 * `limit` bytes, or when the sink throws, the response is destroyed and the stand-in fails with
 * that error; a body that breaks off fails the stand-in too. The limit counts the bytes on the
 * wire and the decoded bytes given to the sink, each: a compressed answer (a few MB of gzip can
 * decode to gigabytes) is bounded by what it decodes to, as axios bounds a buffered one.
 * `counted(bytes)` is told the bytes received once the body ended or failed; `refused(error)`,
 * the error the sink threw, if it threw one.
 */
export function divertBody(
  res: IncomingMessage,
  sink: BodySink,
  limit: number,
  counted: (bytes: number) => void,
  refused: (error: unknown) => void = () => {},
): IncomingMessage {
  const headers = { ...res.headers };
  const decode = decoder(headers['content-encoding']);
  delete headers['content-encoding'];
  const standIn = standInFor(res, headers);
  let bytes = 0;
  let decoded = 0;
  let settled = false;
  const settle = (error?: Error): void => {
    if (settled) return;
    settled = true;
    counted(bytes);
    if (error) {
      standIn.destroy(error);
      if (!res.destroyed) res.destroy();
    } else standIn.push(null);
  };
  const source: Readable = decode ? (pipeline(res, decode, () => {}) as unknown as Readable) : res;
  const sinkThrew = (error: unknown): void => {
    refused(error);
    settle(error as Error);
  };
  try {
    sink.start();
  } catch (error) {
    sinkThrew(error);
    return standIn as unknown as IncomingMessage;
  }
  res.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > limit) settle(tooLarge(limit));
  });
  source.on('data', (chunk: Buffer) => {
    if (settled) return;
    // A decoded body is bounded by its decoded size too (res's own bytes are counted above).
    if (decode && (decoded += chunk.length) > limit) return settle(tooLarge(limit));
    try {
      sink.write(chunk);
    } catch (error) {
      sinkThrew(error);
    }
  });
  source.once('end', () => {
    if (settled) return;
    try {
      sink.end();
    } catch (error) {
      return sinkThrew(error);
    }
    settle();
  });
  source.once('error', (error) => settle(error));
  res.once('error', (error) => settle(error));
  res.once('close', () => {
    if (!res.complete) settle(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
  });
  return standIn as unknown as IncomingMessage;
}

/**
 * Keeps the first `keep` bytes of `res` (an error answer's body, not compressed) and returns a
 * stand-in response with only them for axios to buffer; the rest is read and dropped as it
 * arrives, so a large error page is never held or copied whole. Past `limit` bytes in all, the
 * response is destroyed and the stand-in fails with the same error axios gives. A body that
 * breaks off fails the stand-in too. `counted(bytes)` is told the bytes dropped once the body
 * ended or failed.
 */
export function keepHead(res: IncomingMessage, keep: number, limit: number, counted: (dropped: number) => void): IncomingMessage {
  const standIn = standInFor(res, res.headers);
  let bytes = 0;
  let kept = 0;
  // The listeners below stay on `res`, which a keep-alive socket keeps reachable (through its last
  // request) until its next use: once settled they must no longer reach the stand-in, whose
  // reader (axios) holds the head.
  let out: Readable | undefined = standIn;
  const settle = (error?: Error): void => {
    const target = out;
    if (!target) return;
    out = undefined;
    counted(bytes - kept);
    if (error) {
      target.destroy(error);
      if (!res.destroyed) res.destroy();
    } else target.push(null);
  };
  res.on('data', (chunk: Buffer) => {
    if (!out) return;
    bytes += chunk.length;
    if (bytes > limit) return settle(tooLarge(limit));
    if (kept >= keep) return;
    const part = chunk.length <= keep - kept ? chunk : chunk.subarray(0, keep - kept);
    kept += part.length;
    out.push(part);
  });
  res.once('end', () => settle());
  res.once('error', (error) => settle(error));
  res.once('close', () => {
    if (!res.complete) settle(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
  });
  return standIn as unknown as IncomingMessage;
}
