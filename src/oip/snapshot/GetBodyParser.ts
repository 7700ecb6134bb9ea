import { GunRelayError, type Operation } from '../../errors.js';
import { BACKSLASH, CLOSE_ARRAY, CLOSE_OBJECT, COLON, COMMA, isJsonSpace, MAX_JSON_DEPTH, OPEN_ARRAY, OPEN_OBJECT, QUOTE } from '../../protocol/jsonBounds.js';
import { parseScannedJson } from '../../protocol/safeJson.js';
import { crossLinkTarget, CrossLinks, type CrossLinkSource } from '../../protocol/crossLinks.js';
import type { BodySink } from '../../transport/Transport.js';

/**
 * One field of a node's `data`, as raw JSON bytes: valid only during the visitor's call (the
 * object is reused for the next field). Keys and values may sit in different chunks.
 */
export class RawField {
  keyBuf: Uint8Array = EMPTY;
  keyStart = 0;
  keyEnd = 0;
  /** True when the key holds a `\` escape: its bytes are not the key's UTF-8 ({@link RawField.key} decodes it). */
  keyEscaped = false;
  valueBuf: Uint8Array = EMPTY;
  valueStart = 0;
  valueEnd = 0;
  /** True when the value is exactly `{"#":"<soul>/<key>"}`, the key's own child link as the relay writes it. */
  ownLink = false;

  /** The key as a string. */
  key(): string {
    const raw = Buffer.from(this.keyBuf.buffer, this.keyBuf.byteOffset + this.keyStart, this.keyEnd - this.keyStart);
    return this.keyEscaped ? (JSON.parse(`"${raw.toString('utf8')}"`) as string) : raw.toString('utf8');
  }

  /** The value's JSON text. */
  valueJson(): string {
    return Buffer.from(this.valueBuf.buffer, this.valueBuf.byteOffset + this.valueStart, this.valueEnd - this.valueStart).toString('utf8');
  }

  /** True when the value's bytes are exactly `literal` (ASCII). */
  valueIs(literal: string): boolean {
    const n = literal.length;
    if (this.valueEnd - this.valueStart !== n) return false;
    const b = this.valueBuf;
    for (let i = 0; i < n; i++) if (b[this.valueStart + i] !== literal.charCodeAt(i)) return false;
    return true;
  }
}

/**
 * Receives the fields of the node's `data` object as they stream in. A field's value is within
 * the parser's nesting bound: parse it with `parseScannedJson` (no second bounds scan).
 */
export interface FieldVisitor {
  /** One field. Throw a `GunRelayError` to end the read. */
  field(field: RawField): void;
  /** An attempt's body begins (again, after a retry): forget the fields an earlier attempt gave. */
  start?(): void;
}

/** Where a {@link GetBodyParser} reports, for its errors, and its bound on one field. */
export interface ParseContext {
  op: Operation;
  soul: string;
  /**
   * Largest key or value of `data`, in bytes, the parser holds (default
   * {@link DEFAULT_MAX_VALUE_BYTES}): a longer one is `RESPONSE_TOO_LARGE`, so one huge value
   * costs at most this much memory, whatever the body's size.
   */
  maxValueBytes?: number | undefined;
  /** The option that sets `maxValueBytes`, named in that error (default `maxValueBytes`). */
  maxValueOption?: string | undefined;
}

/** Default bound of one key or value of a streamed `data` object: 16 MiB. */
export const DEFAULT_MAX_VALUE_BYTES = 16 * 1024 * 1024;

const EMPTY = new Uint8Array(0);

// States of the scanner.
const ROOT = 0; // expecting the root '{'
const KEY_OR_CLOSE = 1; // after '{': a key or '}'
const KEY_START = 2; // after ',': a key
const KEY = 3; // inside a key string
const COLON_NEXT = 4;
const VALUE_START = 5;
const VALUE = 6; // inside a value
const COMMA_OR_CLOSE = 7;
const DONE = 8;

/** Largest value of the envelope (outside `data`) kept, e.g. `"success":true`. */
const MAX_ENVELOPE_VALUE = 4096;
/** Largest field value checked for a cross-link: a link to any soul the SDK can name is shorter. */
const MAX_LINK_BYTES = 16 * 1024;

/**
 * A streaming parser of a `GET /get` answer, `{"success":true,"data":{…}}`: it hands each field
 * of `data` to a visitor as raw bytes while the body arrives, and never holds the body, only the
 * field being scanned. One pass, byte by byte, O(1) state per byte: nesting inside a value is
 * bounded at 64 levels (with the two envelope levels), as every JSON the SDK parses. Malformed
 * JSON, a body that ends early, or an envelope other than `success: true` with an object `data`
 * is `BAD_RESPONSE`. It is a {@link BodySink}: the transport feeds it the 2xx body's chunks.
 * Cross-linked keys (a link into another key's child of the node, see `reads/crossLinks.ts`) never
 * reach the visitor: they are counted in {@link GetBodyParser.crossLinks}.
 */
export class GetBodyParser implements BodySink, CrossLinkSource {
  /** Cross-linked keys the current attempt dropped. */
  readonly crossLinks = new CrossLinks();
  /** `{"#":"<soul>/` as the relay writes it. */
  private readonly linkPrefix: Buffer;
  private state = ROOT;
  /** 1: the envelope object; 2: the `data` object. */
  private level = 1;
  // The token being scanned, when it began in an earlier chunk: its bytes so far.
  private parts: Uint8Array[] = [];
  private partsBytes = 0;
  private tokenStart = 0;
  private escaped = false;
  private keyHasEscape = false;
  // Inside a value: nesting, string state, and whether it is a scalar (ends at a delimiter).
  private depth = 0;
  private inString = false;
  private scalar = false;
  private readonly field = new RawField();
  private envelopeKey = '';
  private success: unknown = undefined;
  private sawData = false;
  private bytes = 0;
  private readonly maxValueBytes: number;

  constructor(
    private readonly visitor: FieldVisitor,
    private readonly ctx: ParseContext,
  ) {
    this.linkPrefix = Buffer.from(`{"#":${JSON.stringify(`${ctx.soul}/`).slice(0, -1)}`, 'utf8');
    this.maxValueBytes = ctx.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
  }

  /** Body bytes seen by the current attempt. */
  get bytesRead(): number {
    return this.bytes;
  }

  /** A new attempt's body begins: everything scanned so far is forgotten. */
  start(): void {
    this.state = ROOT;
    this.level = 1;
    this.parts = [];
    this.partsBytes = 0;
    this.escaped = false;
    this.depth = 0;
    this.inString = false;
    this.success = undefined;
    this.sawData = false;
    this.bytes = 0;
    this.crossLinks.clear();
    this.visitor.start?.();
  }

  /** Scans one chunk; fields completed in it go to the visitor. */
  write(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    const n = chunk.length;
    let i = 0;
    let state = this.state;
    this.tokenStart = 0;
    while (i < n) {
      const c = chunk[i]!;
      switch (state) {
        case VALUE: {
          // The hot path: scan to the end of the value.
          let end = -1;
          if (this.inString) {
            for (; i < n; i++) {
              const b = chunk[i]!;
              if (this.escaped) this.escaped = false;
              else if (b === BACKSLASH) this.escaped = true;
              else if (b === QUOTE) {
                this.inString = false;
                if (this.depth === 0) end = i + 1;
                i++;
                break;
              }
            }
            if (end < 0) continue;
          } else if (this.scalar) {
            while (i < n) {
              const b = chunk[i]!;
              if (b === COMMA || b === CLOSE_OBJECT || b === CLOSE_ARRAY || isJsonSpace(b)) break;
              i++;
            }
            if (i === n) continue;
            end = i;
          } else {
            for (; i < n; i++) {
              const b = chunk[i]!;
              if (b === QUOTE) {
                this.inString = true;
                i++;
                break;
              } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
                if (++this.depth + this.level > MAX_JSON_DEPTH) throw this.bad(`nested deeper than ${MAX_JSON_DEPTH} levels`);
              } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
                if (--this.depth === 0) {
                  end = ++i;
                  break;
                }
              }
            }
            if (end < 0) continue;
          }
          this.valueDone(chunk, end);
          state = COMMA_OR_CLOSE;
          continue;
        }
        case KEY: {
          for (; i < n; i++) {
            const b = chunk[i]!;
            if (this.escaped) this.escaped = false;
            else if (b === BACKSLASH) this.escaped = this.keyHasEscape = true;
            else if (b === QUOTE) break;
          }
          if (i === n) continue;
          this.keyDone(chunk, i);
          i++;
          state = COLON_NEXT;
          continue;
        }
        default:
          break;
      }
      if (isJsonSpace(c)) {
        i++;
        continue;
      }
      switch (state) {
        case ROOT:
          if (c !== OPEN_OBJECT) throw this.bad('not a JSON object');
          state = KEY_OR_CLOSE;
          break;
        case KEY_OR_CLOSE:
        case KEY_START:
          if (c === QUOTE) {
            state = KEY;
            this.tokenStart = i + 1;
            this.keyHasEscape = false;
            this.escaped = false;
          } else if (c === CLOSE_OBJECT && state === KEY_OR_CLOSE) {
            state = this.closeObject();
          } else throw this.bad('malformed JSON');
          break;
        case COLON_NEXT:
          if (c !== COLON) throw this.bad('malformed JSON');
          state = VALUE_START;
          break;
        case VALUE_START:
          if (this.level === 1 && this.envelopeKey === 'data' && c === OPEN_OBJECT) {
            if (this.sawData) throw this.bad('two data fields');
            this.sawData = true;
            this.level = 2;
            state = KEY_OR_CLOSE;
            break;
          }
          state = VALUE;
          this.tokenStart = i;
          this.depth = 0;
          this.escaped = false;
          this.inString = c === QUOTE;
          this.scalar = !this.inString && c !== OPEN_OBJECT && c !== OPEN_ARRAY;
          if (c === OPEN_OBJECT || c === OPEN_ARRAY) this.depth = 1;
          if (this.level + 1 > MAX_JSON_DEPTH) throw this.bad(`nested deeper than ${MAX_JSON_DEPTH} levels`);
          if (this.scalar) continue; // scan it from its first byte
          break;
        case COMMA_OR_CLOSE:
          if (c === COMMA) state = KEY_START;
          else if (c === CLOSE_OBJECT) state = this.closeObject();
          else throw this.bad('malformed JSON');
          break;
        case DONE:
          throw this.bad('bytes after the JSON value');
        default:
          throw this.bad('malformed JSON');
      }
      i++;
    }
    // A token still open keeps its bytes for the next chunk.
    if (state === KEY || state === VALUE) this.keep(chunk.subarray(this.tokenStart));
    this.state = state;
  }

  /** The body ended: checks that it was a whole `{"success":true,"data":{…}}`. */
  end(): void {
    if (this.state !== DONE) throw this.bad('the body ended before the JSON did');
    if (this.success !== true) throw this.bad(this.success === false ? 'success: false' : 'unexpected shape');
    if (!this.sawData) throw this.bad('unexpected shape');
  }

  private closeObject(): number {
    if (this.level === 2) {
      this.level = 1;
      return COMMA_OR_CLOSE;
    }
    return DONE;
  }

  private keep(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.parts.push(bytes);
    this.partsBytes += bytes.length;
    if (this.level === 1 && this.partsBytes > MAX_ENVELOPE_VALUE) throw this.bad('an envelope field too large');
    if (this.partsBytes > this.maxValueBytes) throw this.tooLarge();
  }

  /** The bytes of the token that ends at `end` in `chunk` (joined with earlier chunks' if it began there). */
  private token(chunk: Uint8Array, end: number): { buf: Uint8Array; start: number; end: number } {
    if (this.parts.length === 0) return { buf: chunk, start: this.tokenStart, end };
    this.parts.push(chunk.subarray(0, end));
    const joined = Buffer.concat(this.parts);
    this.parts = [];
    this.partsBytes = 0;
    return { buf: joined, start: 0, end: joined.length };
  }

  private keyDone(chunk: Uint8Array, end: number): void {
    const { buf, start, end: stop } = this.token(chunk, end);
    if (stop - start > this.maxValueBytes) throw this.tooLarge();
    const f = this.field;
    f.keyBuf = buf;
    f.keyStart = start;
    f.keyEnd = stop;
    f.keyEscaped = this.keyHasEscape;
    if (this.level === 1) {
      if (stop - start > 64) throw this.bad('unexpected shape');
      this.envelopeKey = f.key();
    }
  }

  private valueDone(chunk: Uint8Array, end: number): void {
    const { buf, start, end: stop } = this.token(chunk, end);
    if (stop <= start) throw this.bad('malformed JSON');
    if (stop - start > this.maxValueBytes) throw this.tooLarge();
    const f = this.field;
    f.valueBuf = buf;
    f.valueStart = start;
    f.valueEnd = stop;
    if (this.level === 2) {
      f.ownLink = false;
      if (buf[start] === OPEN_OBJECT && this.crossLinked(f)) return;
      this.visitor.field(f);
      return;
    }
    if (this.envelopeKey === 'data') throw this.bad('unexpected shape');
    if (this.envelopeKey === 'success') {
      try {
        this.success = JSON.parse(f.valueJson()) as unknown;
      } catch {
        throw this.bad('malformed JSON');
      }
    }
    if (stop - start > MAX_ENVELOPE_VALUE) throw this.bad('an envelope field too large');
  }

  /**
   * For a field whose value is an object: sets `ownLink` when it is exactly the key's own link;
   * otherwise, true (and counted) when it cross-links the key. GUN's `_` is never a cross-link.
   */
  private crossLinked(f: RawField): boolean {
    const prefix = this.linkPrefix;
    const v = f.valueBuf;
    const start = f.valueStart;
    const keyLength = f.keyEnd - f.keyStart;
    const length = f.valueEnd - start;
    if (!f.keyEscaped && length === prefix.length + keyLength + 2 && v[start + length - 2] === QUOTE && v[start + length - 1] === CLOSE_OBJECT) {
      let same = true;
      for (let i = 0; same && i < prefix.length; i++) same = v[start + i] === prefix[i];
      const at = start + prefix.length;
      const k = f.keyBuf;
      for (let i = 0; same && i < keyLength; i++) same = v[at + i] === k[f.keyStart + i];
      if (same) return (f.ownLink = true), false;
    }
    if (length > MAX_LINK_BYTES || (keyLength === 1 && f.keyBuf[f.keyStart] === 0x5f /* _ */ && !f.keyEscaped)) return false;
    const parsed = parseScannedJson(f.valueJson());
    if (!parsed.ok) return false; // the visitor reports it
    const key = f.key();
    const target = crossLinkTarget(this.ctx.soul, key, parsed.value);
    if (target === undefined) return false;
    this.crossLinks.add(key, target);
    return true;
  }

  private tooLarge(): GunRelayError {
    const { op, soul } = this.ctx;
    const max = this.maxValueBytes;
    const option = this.ctx.maxValueOption ?? 'maxValueBytes';
    return new GunRelayError('RESPONSE_TOO_LARGE', `${op}: a key or value of the answer is larger than ${max} bytes; raise ${option} (now ${max}) to read it`, { op, soul, status: 200 });
  }

  private bad(why: string): GunRelayError {
    const { op, soul } = this.ctx;
    return new GunRelayError('BAD_RESPONSE', `${op}: unexpected relay response (${why})`, { op, soul, status: 200 });
  }
}
