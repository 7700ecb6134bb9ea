import type { BodySink } from '../transport/Transport.js';
import type { CallOptions, ReadLimitOptions } from './results.js';

/** Default body limit of a streamed read (`streamGet`): 1 GiB. The sink, not a buffer, holds what it keeps. */
export const DEFAULT_STREAM_LIMIT = 1024 * 1024 * 1024;

/** Options of `streamGet`: a call's options, and its body limit (default {@link DEFAULT_STREAM_LIMIT}). */
export type StreamGetOptions = CallOptions & ReadLimitOptions;

/** Result of `streamGet`: whether the relay had the node (its body went to the sink), and who answered. */
export interface StreamGetResult {
  soul: string;
  outcome: 'found' | 'missing';
  relay: string;
  /** Body bytes the sink was given (0 for a miss). */
  bytes: number;
}

/**
 * Writes a body a transport answered as text (one without streaming) to `sink` in one chunk,
 * as a streaming transport would have.
 */
export function feedText(sink: BodySink, text: string): number {
  const bytes = Buffer.from(text, 'utf8');
  sink.start();
  sink.write(bytes);
  sink.end();
  return bytes.length;
}

/** `sink` with a count of the bytes the current attempt wrote to it. */
export function countingSink(sink: BodySink): BodySink & { readonly bytes: number } {
  let bytes = 0;
  return {
    get bytes() {
      return bytes;
    },
    start() {
      bytes = 0;
      sink.start();
    },
    write(chunk) {
      bytes += chunk.length;
      sink.write(chunk);
    },
    end() {
      sink.end();
    },
  };
}
