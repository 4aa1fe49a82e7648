// This module is browser compatible.
/**
 * Incremental, fail-fast UTF-8 validation and decoding for text messages.
 *
 * Built on the platform `TextDecoder` with `fatal: true` and `stream: true`. The WHATWG
 * Encoding standard checks the allowed range of every continuation byte as it arrives, so a
 * chunk that ends in a prefix no valid character can start with (`F4 90`, `ED A0`, `C0`, `F8`)
 * throws on that chunk, not at the end of the stream. The tests in `utf8_test.ts` pin this
 * behaviour down for every runtime the suite runs on.
 *
 * Short pieces take a JavaScript fast path (a fatal `TextDecoder` call costs about a
 * microsecond in Deno, more than the rest of handling a small message): a piece that is complete,
 * valid UTF-8 on its own is checked here and decoded without the fatal decoder; anything else
 * (invalid bytes, a character cut at the end, a stream already in progress) goes to the fatal
 * decoder, which alone decides the errors.
 *
 * @module
 */

import { ProtocolError } from "./errors.ts";

const STREAM: TextDecodeOptions = { stream: true };
const FLUSH: TextDecodeOptions = { stream: false };

function createDecoder(): TextDecoder {
  // ignoreBOM: a leading U+FEFF is message content and must reach the application unchanged.
  return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
}

/** Decodes bytes already checked to be valid UTF-8 (so `fatal` is not needed). */
const validDecoder = new TextDecoder("utf-8", { ignoreBOM: true });
const fromCharCode = String.fromCharCode;

/** ASCII pieces up to this size, in bytes, are turned into a string with `String.fromCharCode`. */
const CHAR_CODE_MAX = 32;
/** ASCII pieces up to this size, in bytes, are checked in JavaScript. */
const ASCII_CHECK_MAX = 4096;
/** Pieces with non-ASCII bytes up to this size, in bytes, are checked in JavaScript. */
const UTF8_CHECK_MAX = 1024;

/**
 * The string of `b[0..n)` if every byte is ASCII, else `undefined`. Meant for short pieces: one
 * `String.fromCharCode` call per 16 bytes, with the bytes read once into locals.
 */
function asciiString(b: Uint8Array, n: number): string | undefined {
  let out = "";
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const c0 = b[i]!, c1 = b[i + 1]!, c2 = b[i + 2]!, c3 = b[i + 3]!;
    const c4 = b[i + 4]!, c5 = b[i + 5]!, c6 = b[i + 6]!, c7 = b[i + 7]!;
    const c8 = b[i + 8]!, c9 = b[i + 9]!, c10 = b[i + 10]!, c11 = b[i + 11]!;
    const c12 = b[i + 12]!, c13 = b[i + 13]!, c14 = b[i + 14]!, c15 = b[i + 15]!;
    const any = c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7 | c8 | c9 | c10 | c11 | c12 | c13 | c14 |
      c15;
    if (any >= 0x80) return undefined;
    out += fromCharCode(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15);
  }
  if (i + 8 <= n) {
    const c0 = b[i]!, c1 = b[i + 1]!, c2 = b[i + 2]!, c3 = b[i + 3]!;
    const c4 = b[i + 4]!, c5 = b[i + 5]!, c6 = b[i + 6]!, c7 = b[i + 7]!;
    if ((c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7) >= 0x80) return undefined;
    out += fromCharCode(c0, c1, c2, c3, c4, c5, c6, c7);
    i += 8;
  }
  for (; i < n; i++) {
    const c = b[i]!;
    if (c >= 0x80) return undefined;
    out += fromCharCode(c);
  }
  return out;
}

/**
 * `true` if `b[from..n)` is complete, valid UTF-8 (Unicode table 3-7: no overlong forms, no
 * surrogates, nothing above U+10FFFF, no character cut at the end).
 */
function isCompleteUtf8(b: Uint8Array, from: number, n: number): boolean {
  let i = from;
  while (i < n) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
    } else if (c < 0xc2) {
      return false;
    } else if (c < 0xe0) {
      if (i + 1 >= n || (b[i + 1]! & 0xc0) !== 0x80) return false;
      i += 2;
    } else if (c < 0xf0) {
      if (i + 2 >= n) return false;
      const c1 = b[i + 1]!;
      if (c1 < (c === 0xe0 ? 0xa0 : 0x80) || c1 > (c === 0xed ? 0x9f : 0xbf)) return false;
      if ((b[i + 2]! & 0xc0) !== 0x80) return false;
      i += 3;
    } else if (c < 0xf5) {
      if (i + 3 >= n) return false;
      const c1 = b[i + 1]!;
      if (c1 < (c === 0xf0 ? 0x90 : 0x80) || c1 > (c === 0xf4 ? 0x8f : 0xbf)) return false;
      if ((b[i + 2]! & 0xc0) !== 0x80 || (b[i + 3]! & 0xc0) !== 0x80) return false;
      i += 4;
    } else {
      return false;
    }
  }
  return true;
}

/** The text of `bytes` if they are short, complete, valid UTF-8; `undefined` otherwise. */
function decodeShort(bytes: Uint8Array): string | undefined {
  const n = bytes.length;
  if (n <= CHAR_CODE_MAX) {
    const text = asciiString(bytes, n);
    if (text !== undefined) return text;
  } else if (n > ASCII_CHECK_MAX) {
    return undefined;
  }
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const any = bytes[i]! | bytes[i + 1]! | bytes[i + 2]! | bytes[i + 3]! | bytes[i + 4]! |
      bytes[i + 5]! | bytes[i + 6]! | bytes[i + 7]!;
    if (any >= 0x80) break;
  }
  if (i < n && (n > UTF8_CHECK_MAX || !isCompleteUtf8(bytes, i, n))) return undefined;
  return validDecoder.decode(bytes);
}

/**
 * Decodes UTF-8 that arrives in pieces (the fragments of a text message) and throws a
 * {@linkcode ProtocolError} with code `INVALID_UTF8` (close code 1007) on the first piece that
 * holds an invalid byte, also when the invalid sequence starts in an earlier piece.
 *
 * After `push(bytes, true)` or after an error the decoder is ready for a new stream.
 *
 * @example Decode a character split across two fragments
 * ```ts
 * import { Utf8StreamDecoder } from "@wirely/wirely/codec";
 * const decoder = new Utf8StreamDecoder();
 * const first = decoder.push(new Uint8Array([0x68, 0x69, 0xf0, 0x9f]), false); // "hi"
 * const second = decoder.push(new Uint8Array([0x98, 0x80]), true); // "😀"
 * console.log(first + second); // "hi😀"
 * ```
 *
 * @example Fail on the fragment that holds the invalid prefix
 * ```ts
 * import { ProtocolError, Utf8StreamDecoder } from "@wirely/wirely/codec";
 * const decoder = new Utf8StreamDecoder();
 * try {
 *   decoder.push(new Uint8Array([0xed, 0xa0]), false); // a UTF-16 surrogate: never valid
 * } catch (error) {
 *   if (error instanceof ProtocolError) console.log(error.code, error.closeCode); // INVALID_UTF8 1007
 * }
 * ```
 */
export class Utf8StreamDecoder {
  /** The fatal decoder, created on first need. */
  #decoder: TextDecoder | undefined = undefined;
  /** The fatal decoder was given a non-final piece: it may hold the start of a character. */
  #streaming = false;

  /**
   * Decodes the next piece of the stream.
   *
   * @param bytes The next bytes of the stream (not modified, not kept).
   * @param last `true` for the final piece: an incomplete character at its end is an error.
   * @returns The characters completed by this piece (bytes of an unfinished character are
   * kept for the next call).
   * @throws {ProtocolError} `INVALID_UTF8` (1007) as soon as the bytes cannot be valid UTF-8.
   */
  push(bytes: Uint8Array, last: boolean): string {
    if (!this.#streaming) {
      // Nothing held from an earlier piece: a piece that is valid on its own needs no state.
      const text = decodeShort(bytes);
      if (text !== undefined) return text;
    }
    const decoder = this.#decoder ??= createDecoder();
    try {
      const text = decoder.decode(bytes, last ? FLUSH : STREAM);
      this.#streaming = !last;
      return text;
    } catch {
      // A TextDecoder that threw mid-stream may keep stale state: start over with a fresh one.
      this.#decoder = undefined;
      this.#streaming = false;
      throw new ProtocolError(
        "INVALID_UTF8",
        1007,
        last ? "invalid UTF-8 in a text message" : "invalid UTF-8 in a text message fragment",
      );
    }
  }
}
