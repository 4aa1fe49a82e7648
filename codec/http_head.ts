// This module is browser compatible.
/**
 * An incremental parser for HTTP/1.1 request and response heads, for the paths
 * that run the handshake over a raw TCP stream. The parser reads only up to the blank line that
 * ends the head, enforces its limits byte by byte (a huge head is refused as soon as it passes
 * the limit, never buffered) and hands back the bytes that followed the head.
 *
 * Strict by design: lines end with CRLF (a bare LF or CR is refused), obsolete line folding is
 * refused, header values may not hold NUL or other control characters, and a request must be
 * HTTP/1.1 (RFC 6455 section 4.1).
 *
 * @module
 */

import { DEFAULT_MAX_HEAD_SIZE } from "./_limits.ts";
import { concatBytes } from "./_bytes.ts";
import { HandshakeError, type HandshakeErrorCode, InvalidStateError } from "./errors.ts";
import { isFieldValueChar, isToken, trimOws } from "./header_tokens.ts";
import { RequestHead, ResponseHead } from "./_http_head_objects.ts";

/**
 * A parsed request head: `GET /chat HTTP/1.1` and its header fields.
 *
 * @example
 * ```ts
 * import { HttpHeadParser, type HttpRequestHead } from "@wirely/wirely/codec";
 * const bytes = new TextEncoder().encode("GET /chat?room=1 HTTP/1.1\r\nHost: example.com\r\n\r\n");
 * const head: HttpRequestHead | undefined = new HttpHeadParser("request").push(bytes);
 * console.log(head?.method, head?.target); // GET /chat?room=1
 * ```
 */
export interface HttpRequestHead {
  /** Tells a request head from a response head. */
  kind: "request";
  /** The method token, case kept (`GET`). */
  method: string;
  /** The request target as sent (`/chat?room=1`). */
  target: string;
  /** Always `HTTP/1.1` (other versions are refused). */
  version: string;
  /**
   * The header fields; repeated fields are joined with ", " as `Headers` does. Built on first
   * access from {@linkcode HttpRequestHead.rawHeaders}.
   */
  readonly headers: Headers;
  /**
   * The header fields as sent: names and values alternating (`["Host", "example.com", ...]`),
   * values without surrounding whitespace, like Node's `rawHeaders`.
   */
  readonly rawHeaders: readonly string[];
}

/**
 * A parsed response head: `HTTP/1.1 101 Switching Protocols` and its header fields.
 *
 * @example
 * ```ts
 * import { HttpHeadParser, type HttpResponseHead } from "@wirely/wirely/codec";
 * const bytes = new TextEncoder().encode("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n");
 * const head: HttpResponseHead | undefined = new HttpHeadParser("response").push(bytes);
 * console.log(head?.status, head?.headers.get("upgrade")); // 101 websocket
 * ```
 */
export interface HttpResponseHead {
  /** Tells a response head from a request head. */
  kind: "response";
  /** The three-digit status code. */
  status: number;
  /** The reason phrase (may be empty; clients should not rely on it). */
  reason: string;
  /** `HTTP/1.1` or `HTTP/1.0`. */
  version: string;
  /**
   * The header fields; repeated fields are joined with ", " as `Headers` does. Built on first
   * access from {@linkcode HttpResponseHead.rawHeaders}.
   */
  readonly headers: Headers;
  /** The header fields as sent: names and values alternating, values trimmed. */
  readonly rawHeaders: readonly string[];
}

/**
 * A parsed request or response head.
 *
 * @example
 * ```ts
 * import type { HttpHead } from "@wirely/wirely/codec";
 * function startLine(head: HttpHead): string {
 *   return head.kind === "request" ? `${head.method} ${head.target}` : `${head.status} ${head.reason}`;
 * }
 * const head: HttpHead = { kind: "request", method: "GET", target: "/", version: "HTTP/1.1", headers: new Headers(), rawHeaders: [] };
 * console.log(startLine(head)); // GET /
 * ```
 */
export type HttpHead = HttpRequestHead | HttpResponseHead;

/**
 * What a {@linkcode HttpHeadParser} of a given kind returns.
 *
 * @example
 * ```ts
 * import { HttpHeadParser, type HttpHeadOf } from "@wirely/wirely/codec";
 * function parseOne<K extends "request" | "response">(kind: K, text: string): HttpHeadOf<K> | undefined {
 *   return new HttpHeadParser(kind).push(new TextEncoder().encode(text));
 * }
 * console.log(parseOne("response", "HTTP/1.1 426 Upgrade Required\r\n\r\n")?.status); // 426
 * ```
 */
export type HttpHeadOf<K extends "request" | "response"> = K extends "request" ? HttpRequestHead
  : HttpResponseHead;

/**
 * Options of {@linkcode HttpHeadParser}.
 *
 * @example
 * ```ts
 * import { HandshakeError, HttpHeadParser, type HttpHeadParserOptions } from "@wirely/wirely/codec";
 * const options: HttpHeadParserOptions = { maxHeadSize: 16 };
 * try {
 *   new HttpHeadParser("request", options).push(new TextEncoder().encode("GET /a-long-target HTTP/1.1\r\n"));
 * } catch (error) {
 *   console.log(error instanceof HandshakeError && error.code); // HEAD_TOO_LARGE
 * }
 * ```
 */
export interface HttpHeadParserOptions {
  /**
   * Largest head accepted, in bytes, counting the start line, the header lines and the final
   * blank line. Passing it throws `HEAD_TOO_LARGE` (431).
   * @default 16_384
   */
  maxHeadSize?: number;
  /**
   * Most header fields accepted (each line counts, repeated names too). More throws
   * `TOO_MANY_HEADERS` (431).
   * @default 100
   */
  maxHeaders?: number;
}

const EMPTY = new Uint8Array(0);
const CR = 0x0d;
const LF = 0x0a;
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([\x21-\x7e]+) (HTTP\/[0-9]\.[0-9])$/;
const STATUS_LINE = /^(HTTP\/1\.[01]) ([0-9]{3})(?: ([\t\x20-\x7e\x80-\xff]*))?$/;

/**
 * Reads one HTTP/1.1 head from a byte stream, chunk by chunk.
 *
 * Errors are {@linkcode HandshakeError}s: `HEAD_TOO_LARGE` / `TOO_MANY_HEADERS` (431) and
 * `BAD_HTTP` (400). For a `"request"` parser the status is the one to answer with; for a
 * `"response"` parser it is 0 (the server's response was malformed). After an error the parser
 * throws the same error again on every push.
 *
 * @typeParam K `"request"` on the server, `"response"` on the client.
 *
 * @example
 * ```ts
 * import { HttpHeadParser } from "@wirely/wirely/codec";
 * const parser = new HttpHeadParser("request");
 * const head = new TextEncoder().encode("GET /chat HTTP/1.1\r\nHost: example.com\r\n\r\n");
 * const bytes = new Uint8Array([...head, 0x81, 0x00]); // the head, then the first frame's bytes
 * console.log(parser.push(bytes.subarray(0, 10))); // undefined: not complete yet
 * const request = parser.push(bytes.subarray(10));
 * console.log(request?.target, request?.headers.get("host")); // /chat example.com
 * console.log(parser.takeRest()); // Uint8Array(2) [ 129, 0 ]
 * ```
 */
export class HttpHeadParser<K extends "request" | "response"> {
  /** Whether this parser reads a request or a response head. */
  readonly kind: K;
  #maxHeadSize: number;
  #maxHeaders: number;
  #parts: Uint8Array[] = [];
  #size = 0; // bytes of the head stored in #parts
  #matched = 0; // how much of CR LF CR LF ends the bytes seen so far
  #previous = -1; // the last byte seen, to spot a bare CR or LF across chunks
  #done = false;
  #rest: Uint8Array = EMPTY;
  #error: HandshakeError | undefined;

  /**
   * Makes a parser for one head.
   *
   * @param kind `"request"` (server side) or `"response"` (client side).
   * @param options Size and count limits.
   * @throws {RangeError} If a limit is not a positive integer.
   */
  constructor(kind: K, options: HttpHeadParserOptions = {}) {
    const { maxHeadSize = DEFAULT_MAX_HEAD_SIZE, maxHeaders = 100 } = options;
    checkLimit("maxHeadSize", maxHeadSize);
    checkLimit("maxHeaders", maxHeaders);
    this.kind = kind;
    this.#maxHeadSize = maxHeadSize;
    this.#maxHeaders = maxHeaders;
  }

  /**
   * Adds bytes from the stream. The head bytes are copied; the bytes after the head stay a view
   * into the last chunk (see {@linkcode HttpHeadParser.takeRest}).
   *
   * @param chunk The next bytes received.
   * @returns The head once its blank line has arrived, else `undefined`.
   * @throws {HandshakeError} If the head is too large, has too many fields or is malformed.
   * @throws {InvalidStateError} If the head was already returned.
   */
  push(chunk: Uint8Array): HttpHeadOf<K> | undefined {
    if (this.#error) throw this.#error;
    if (this.#done) throw new InvalidStateError("the HTTP head is complete: use takeRest()");
    try {
      const end = this.#scan(chunk);
      // new Uint8Array(view) copies, even for a Node Buffer (whose slice() does not).
      if (end === -1) {
        if (chunk.length > 0) this.#store(new Uint8Array(chunk));
        return undefined;
      }
      this.#rest = new Uint8Array(chunk.buffer, chunk.byteOffset + end, chunk.length - end);
      this.#done = true;
      // The whole head in one chunk (the usual case): decoded from the chunk, no copy kept.
      if (this.#parts.length === 0) return this.#parse(latin1(chunk, end));
      this.#store(new Uint8Array(chunk.subarray(0, end)));
      const text = latin1(concatBytes(this.#parts, this.#size), this.#size);
      this.#parts = [];
      return this.#parse(text);
    } catch (error) {
      if (error instanceof HandshakeError) this.#error = error;
      throw error;
    }
  }

  /**
   * Takes the bytes that came after the head in the last chunk pushed (the first WebSocket
   * frames, if the peer did not wait). A view, not a copy; an empty array the second time.
   *
   * @returns The bytes after the head.
   * @throws {InvalidStateError} If the head is not complete yet.
   */
  takeRest(): Uint8Array {
    if (!this.#done) throw new InvalidStateError("the HTTP head is not complete yet");
    const rest = this.#rest;
    this.#rest = EMPTY;
    return rest;
  }

  /** Looks for the end of the head; returns the index just after it in `chunk`, or -1. */
  #scan(chunk: Uint8Array): number {
    for (let i = 0; i < chunk.length; i++) {
      if (this.#size + i + 1 > this.#maxHeadSize) {
        throw this.#fail(
          "HEAD_TOO_LARGE",
          431,
          `${this.kind} head exceeds ${this.#maxHeadSize} bytes`,
        );
      }
      const byte = chunk[i]!;
      if (byte === LF) {
        if (this.#previous !== CR) throw this.#fail("BAD_HTTP", 400, "bare LF in the head");
        this.#matched = this.#matched === 3 ? 4 : 2;
      } else if (this.#previous === CR) {
        throw this.#fail("BAD_HTTP", 400, "bare CR in the head");
      } else {
        this.#matched = byte === CR ? this.#matched + 1 : 0;
      }
      this.#previous = byte;
      if (this.#matched === 4) return i + 1;
    }
    return -1;
  }

  #store(bytes: Uint8Array): void {
    this.#parts.push(bytes);
    this.#size += bytes.length;
  }

  #parse(text: string): HttpHeadOf<K> {
    // The text ends with CRLF CRLF: dropping the last 4 characters leaves start line + fields.
    const lines = text.slice(0, -4).split("\r\n");
    const startLine = lines[0] ?? "";
    if (lines.length - 1 > this.#maxHeaders) {
      throw this.#fail(
        "TOO_MANY_HEADERS",
        431,
        `${this.kind} head has more than ${this.#maxHeaders} header fields`,
      );
    }
    const raw: string[] = [];
    let hosts = 0;
    for (let n = 1; n < lines.length; n++) {
      const line = lines[n]!;
      if (line[0] === " " || line[0] === "\t") {
        throw this.#fail("BAD_HTTP", 400, `obsolete line folding in header line ${n}`);
      }
      const colon = line.indexOf(":");
      const name = colon === -1 ? "" : line.slice(0, colon);
      if (!isToken(name)) {
        throw this.#fail("BAD_HTTP", 400, `header line ${n} has no valid field name`);
      }
      const value = trimOws(line.slice(colon + 1));
      for (let i = 0; i < value.length; i++) {
        if (!isFieldValueChar(value.charCodeAt(i))) {
          throw this.#fail("BAD_HTTP", 400, `header '${name}' has a control character`);
        }
      }
      if (name.length === 4 && name.toLowerCase() === "host") hosts++;
      raw.push(name, value);
    }
    if (this.kind === "request") {
      const match = REQUEST_LINE.exec(startLine);
      if (!match) throw this.#fail("BAD_HTTP", 400, "malformed request line");
      if (match[3] !== "HTTP/1.1") {
        throw this.#fail("BAD_HTTP", 400, `a WebSocket upgrade needs HTTP/1.1, not ${match[3]}`);
      }
      if (hosts > 1) throw this.#fail("BAD_HTTP", 400, "more than one Host header");
      const head: HttpRequestHead = new RequestHead(match[1]!, match[2]!, match[3], raw);
      return head as HttpHeadOf<K>;
    }
    const match = STATUS_LINE.exec(startLine);
    if (!match) throw this.#fail("BAD_HTTP", 400, "malformed status line");
    const head: HttpResponseHead = new ResponseHead(
      Number(match[2]),
      match[3] ?? "",
      match[1]!,
      raw,
    );
    return head as HttpHeadOf<K>;
  }

  #fail(code: HandshakeErrorCode, status: number, message: string): HandshakeError {
    return new HandshakeError(code, this.kind === "request" ? status : 0, message);
  }
}

function checkLimit(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot create HttpHeadParser as '${name}' must be a positive integer: current value is ${value}`,
    );
  }
}

/**
 * Decodes the first `size` bytes as Latin-1 (byte n -> U+00nn); TextDecoder("latin1") is
 * windows-1252. In pieces of 4096 bytes (argument count limits of `apply`).
 */
function latin1(bytes: Uint8Array, size: number): string {
  if (size <= 4096) {
    return String.fromCharCode.apply(null, bytes.subarray(0, size) as unknown as number[]);
  }
  let text = "";
  for (let i = 0; i < size; i += 4096) {
    const end = Math.min(size, i + 4096);
    text += String.fromCharCode.apply(null, bytes.subarray(i, end) as unknown as number[]);
  }
  return text;
}
