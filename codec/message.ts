// This module is browser compatible.
/**
 * Reassembles data frames into messages (RFC 6455 section 5.4), with limits on size and
 * fragment count and fail-fast UTF-8 validation of text.
 *
 * @module
 */

import { concatBytes } from "./_bytes.ts";
import { Opcode } from "./constants.ts";
import { ProtocolError, type ProtocolErrorCode } from "./errors.ts";
import type { Frame } from "./frame.ts";
import { Utf8StreamDecoder } from "./utf8.ts";
import { DEFAULT_MAX_MESSAGE_SIZE, defaultMaxFramesPerMessage } from "./_limits.ts";

/**
 * A complete message: text is decoded, binary is the payload bytes.
 *
 * @example
 * ```ts
 * import type { Message } from "@wirely/wirely/codec";
 * function size(message: Message): number {
 *   return message.type === "text" ? message.data.length : message.data.byteLength;
 * }
 * console.log(size({ type: "text", data: "Hello" })); // 5
 * ```
 */
export type Message = { type: "text"; data: string } | { type: "binary"; data: Uint8Array };

/**
 * Limits of a {@linkcode MessageAssembler}.
 *
 * @example
 * ```ts
 * import type { MessageAssemblerOptions } from "@wirely/wirely/codec";
 * const options: MessageAssemblerOptions = { maxMessageSize: 65_536, maxFramesPerMessage: 64 };
 * console.log(options.maxMessageSize); // 65536
 * ```
 */
export interface MessageAssemblerOptions {
  /** Largest message, in bytes of payload (before UTF-8 decoding); `Infinity` turns the limit off. @default 1_048_576 */
  maxMessageSize?: number;
  /**
   * Most frames (first frame plus continuations) in one message; `Infinity` turns the limit off.
   * The default scales with the size limit, so fragments of 256 bytes or more within
   * `maxMessageSize` are never refused for their count, while a flood of tiny fragments is.
   * @default max(1024, ceil(maxMessageSize / 256)) (4096 for 1 MiB; `Infinity` if maxMessageSize is)
   */
  maxFramesPerMessage?: number;
}

const NONE = -1;

/**
 * Turns data frames (text, binary, continuation) into {@linkcode Message}s. Control frames
 * must be handled by the caller and never pushed here.
 *
 * - A single-frame text message is decoded with one `TextDecoder` call; a single-frame binary
 *   message is returned as the frame's payload itself (no copy).
 * - Fragments of a text message are validated as they arrive: a fragment that makes the
 *   message invalid UTF-8 throws at once, also when the bad sequence started in an earlier
 *   fragment. Fragments of a binary message are concatenated once, at the last fragment.
 * - Reserved bits are not interpreted (extensions are the caller's business).
 *
 * Every error is a {@linkcode ProtocolError}: `UNEXPECTED_CONTINUATION` (1002),
 * `EXPECTED_CONTINUATION` (1002), `TOO_MANY_FRAMES` (1009), `MESSAGE_TOO_BIG` (1009),
 * `INVALID_UTF8` (1007). After an error the assembler drops the partial message and is ready
 * for a new one.
 *
 * @example Two fragments of a text message
 * ```ts
 * import { MessageAssembler, Opcode } from "@wirely/wirely/codec";
 * const assembler = new MessageAssembler({ maxMessageSize: 1024 });
 * const bytes = (text: string) => new TextEncoder().encode(text);
 * const flags = { rsv1: false, rsv2: false, rsv3: false };
 * assembler.push({ ...flags, fin: false, opcode: Opcode.TEXT, payload: bytes("Hel") }); // undefined
 * console.log(assembler.remainingSize); // 1021
 * const message = assembler.push({ ...flags, fin: true, opcode: Opcode.CONTINUATION, payload: bytes("lo") });
 * console.log(message); // { type: "text", data: "Hello" }
 * ```
 */
export class MessageAssembler {
  readonly #maxMessageSize: number;
  readonly #maxFramesPerMessage: number;
  #utf8: Utf8StreamDecoder = new Utf8StreamDecoder();
  /** Opcode of the message in progress, or NONE. */
  #opcode: number = NONE;
  #frameCount = 0;
  #size = 0;
  #chunks: Uint8Array[] = [];
  #texts: string[] = [];
  /** Bytes at the start of the next text frame already decoded by {@linkcode pushPart}. */
  #decoded = 0;

  /**
   * Creates an assembler with no message in progress.
   *
   * @param options Limits; see {@linkcode MessageAssemblerOptions}.
   * @throws {RangeError} If a limit is not a non-negative integer (`maxFramesPerMessage` >= 1)
   * or `Infinity`.
   */
  constructor(options: MessageAssemblerOptions = {}) {
    const { maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE } = options;
    checkLimit("maxMessageSize", maxMessageSize, 0);
    const maxFramesPerMessage = options.maxFramesPerMessage ??
      defaultMaxFramesPerMessage(maxMessageSize);
    checkLimit("maxFramesPerMessage", maxFramesPerMessage, 1);
    this.#maxMessageSize = maxMessageSize;
    this.#maxFramesPerMessage = maxFramesPerMessage;
  }

  /** Bytes the current message may still grow by (the full limit when no message is in progress). */
  get remainingSize(): number {
    return this.#maxMessageSize - this.#size;
  }

  /**
   * Checks the start of a data frame that has not fully arrived (see the `onPayload` callback of
   * {@linkcode FrameDecoder.push}): the text of a text message is validated and decoded as it
   * arrives, so invalid UTF-8 fails at once, even in the middle of a frame. Pieces of binary
   * frames, and of frames that break the fragment order, are left to {@linkcode push}. The
   * frame itself must then be pushed whole with {@linkcode push}.
   *
   * @param opcode The opcode of the frame the piece belongs to.
   * @param piece The next bytes of that frame's payload (not kept).
   * @throws {ProtocolError} `INVALID_UTF8` (1007) as soon as the text cannot be valid UTF-8.
   *
   * @example Refuse invalid UTF-8 before the frame is complete
   * ```ts
   * import { MessageAssembler, Opcode, ProtocolError } from "@wirely/wirely/codec";
   * const assembler = new MessageAssembler();
   * try {
   *   assembler.pushPart(Opcode.TEXT, new Uint8Array([0x61, 0xff]));
   * } catch (error) {
   *   if (error instanceof ProtocolError) console.log(error.code); // INVALID_UTF8
   * }
   * ```
   */
  pushPart(opcode: number, piece: Uint8Array): void {
    const message = this.#opcode;
    const text = opcode === Opcode.TEXT
      ? message === NONE
      : opcode === Opcode.CONTINUATION && message === Opcode.TEXT;
    if (!text || piece.length === 0) return;
    let decoded: string;
    try {
      decoded = this.#utf8.push(piece, false);
    } catch (error) {
      this.#reset();
      throw error;
    }
    if (decoded !== "") this.#texts.push(decoded);
    this.#decoded += piece.length;
  }

  /**
   * Adds one data frame.
   *
   * @param frame A text, binary or continuation frame. Its payload is kept (not copied) until
   * the message completes.
   * @returns The message this frame completes, or `undefined` while more fragments are due.
   * @throws {ProtocolError} See the class documentation.
   * @throws {TypeError} If the frame is not a data frame.
   */
  push(frame: Frame): Message | undefined {
    const { opcode, payload, fin } = frame;
    if (opcode === Opcode.CONTINUATION) {
      if (this.#opcode === NONE) {
        this.#fail("UNEXPECTED_CONTINUATION", 1002, "continuation frame with no message started");
      }
    } else if (opcode === Opcode.TEXT || opcode === Opcode.BINARY) {
      if (this.#opcode !== NONE) {
        this.#fail("EXPECTED_CONTINUATION", 1002, "new data frame inside a fragmented message");
      }
      if (fin) return this.#single(opcode, payload);
      this.#opcode = opcode;
    } else {
      throw new TypeError(
        `Cannot assemble frame as 'opcode' must be 0, 1 or 2: current value is ${opcode}`,
      );
    }

    this.#frameCount++;
    if (this.#frameCount > this.#maxFramesPerMessage) {
      this.#fail(
        "TOO_MANY_FRAMES",
        1009,
        `message has more than ${this.#maxFramesPerMessage} frames`,
      );
    }
    this.#size += payload.length;
    if (this.#size > this.#maxMessageSize) this.#tooBig();

    if (this.#opcode === Opcode.TEXT) {
      let text: string;
      const decoded = this.#decoded;
      this.#decoded = 0;
      try {
        text = this.#utf8.push(decoded === 0 ? payload : payload.subarray(decoded), fin);
      } catch (error) {
        this.#reset();
        throw error;
      }
      if (text !== "") this.#texts.push(text);
      if (!fin) return undefined;
      const data = this.#texts.length === 1 ? this.#texts[0]! : this.#texts.join("");
      this.#reset();
      return { type: "text", data };
    }

    if (payload.length > 0) this.#chunks.push(payload);
    if (!fin) return undefined;
    const data = concat(this.#chunks, this.#size);
    this.#reset();
    return { type: "binary", data };
  }

  #single(opcode: number, payload: Uint8Array): Message {
    if (payload.length > this.#maxMessageSize) this.#tooBig();
    if (opcode === Opcode.BINARY) return { type: "binary", data: payload };
    const decoded = this.#decoded;
    if (decoded === 0) return { type: "text", data: this.#utf8.push(payload, true) };
    // The start of this frame was decoded by pushPart() as it arrived.
    let last: string;
    try {
      last = this.#utf8.push(payload.subarray(decoded), true);
    } catch (error) {
      this.#reset();
      throw error;
    }
    const texts = this.#texts;
    this.#reset();
    return { type: "text", data: texts.length === 0 ? last : texts.join("") + last };
  }

  #tooBig(): never {
    this.#fail(
      "MESSAGE_TOO_BIG",
      1009,
      `message exceeds the limit of ${this.#maxMessageSize} bytes`,
    );
  }

  #fail(code: ProtocolErrorCode, closeCode: number, message: string): never {
    // Drop the bytes of an unfinished character that the UTF-8 decoder may hold.
    if (this.#opcode === Opcode.TEXT || this.#decoded > 0) this.#utf8 = new Utf8StreamDecoder();
    this.#reset();
    throw new ProtocolError(code, closeCode, message);
  }

  #reset(): void {
    this.#opcode = NONE;
    this.#decoded = 0;
    this.#frameCount = 0;
    this.#size = 0;
    if (this.#chunks.length > 0) this.#chunks = [];
    if (this.#texts.length > 0) this.#texts = [];
  }
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  return chunks.length === 1 ? chunks[0]! : concatBytes(chunks, size);
}

function checkLimit(name: string, value: number, min: number): void {
  if (value === Infinity) return;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(
      `Cannot create message assembler as '${name}' must be an integer >= ${min} or Infinity: current value is ${value}`,
    );
  }
}
