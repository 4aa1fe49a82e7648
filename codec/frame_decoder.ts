// This module is browser compatible.
/**
 * A streaming frame decoder (RFC 6455 section 5.2): push bytes in chunks of any size and get
 * whole frames back. Every header rule is checked as soon as the header is read, before any
 * payload byte is buffered, so a peer cannot make the decoder allocate more than
 * {@linkcode FrameDecoder.maxPayloadSize}.
 *
 * @module
 */

import {
  checkDecoderOptions,
  checkHeader,
  checkMaxPayloadSize,
  frameTooBig,
  readLength64,
} from "./_frame_header.ts";
import { InvalidStateError } from "./errors.ts";
import { DEFAULT_MAX_MESSAGE_SIZE } from "./_limits.ts";
import type { Frame } from "./frame.ts";
import { applyMask } from "./mask.ts";
import { copyPayload, PayloadGather } from "./_payload_gather.ts";
import type { FrameDecoderOptions } from "./_frame_decoder_options.ts";

export type { FrameDecoderOptions };

/** The default {@linkcode FrameDecoderOptions.allocate}. */
const allocateZeroed = (size: number): Uint8Array => new Uint8Array(size);

/** The binary opcode: its pieces are not reported to `onPayload` and stay masked until copied. */
const BINARY = 2;

/** Waiting for the first two header bytes. */
const GET_INFO = 0;
/** Waiting for a 16-bit extended payload length. */
const GET_PAYLOAD_LENGTH_16 = 1;
/** Waiting for a 64-bit extended payload length. */
const GET_PAYLOAD_LENGTH_64 = 2;
/** Waiting for the masking key. */
const GET_MASK = 3;
/** Waiting for (the rest of) the payload. */
const GET_DATA = 4;

/**
 * The masking key of the frame being unmasked, shared by every decoder: `applyMask` and the
 * payload gatherer use it synchronously and keep no reference, and each decoder keeps its key as
 * four numbers (no typed array per connection: memory per idle connection).
 */
const KEY = new Uint8Array(4);

/**
 * Decodes frames from a byte stream. The decoder takes ownership of every pushed chunk: it
 * unmasks payloads in place and returns them as views into the chunk when a payload lies wholly
 * in one chunk (zero copy); only a payload that spans chunks is copied. With
 * {@linkcode FrameDecoderOptions.copyInput} it keeps nothing of a chunk and copies every payload.
 *
 * Checks made at the header, each a {@linkcode ProtocolError} with close code 1002 unless noted:
 * `RESERVED_BITS` (an RSV bit not in `allowedRsv`), `RESERVED_OPCODE` (3-7, 0xB-0xF),
 * `CONTROL_FRAME_TOO_LONG` (> 125 bytes), `FRAGMENTED_CONTROL_FRAME`, `UNMASKED_FRAME`
 * (server role), `MASKED_FRAME` (client role), `LENGTH_OUT_OF_RANGE` (64-bit length with the
 * top bit set), `FRAME_TOO_BIG` (1009, a data frame longer than `maxPayloadSize`). Control frames
 * are bounded by the 125-byte rule only. Message-level rules (continuation order, UTF-8, close
 * payloads) are not the decoder's job.
 *
 * @example Decode the masked "Hello" of RFC 6455 section 5.7, fed in two chunks
 * ```ts
 * import { FrameDecoder } from "@wirely/wirely/codec";
 * const decoder = new FrameDecoder({ role: "server" });
 * const bytes = new Uint8Array([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
 * decoder.push(bytes.subarray(0, 4), () => {});
 * decoder.push(bytes.subarray(4), (frame) => {
 *   console.log(frame.opcode, new TextDecoder().decode(frame.payload)); // 1 "Hello"
 * });
 * ```
 */
export class FrameDecoder {
  #server: boolean;
  #allowedRsv: number;
  #maxPayloadSize: number;

  #state: number = GET_INFO;
  #fin = false;
  #rsv = 0;
  #opcode = 0;
  #masked = false;
  #length = 0;
  /** The masking key's bytes. */
  #k0 = 0;
  #k1 = 0;
  #k2 = 0;
  #k3 = 0;

  /** Bytes of a header field that spans chunks (at most 8), created the first time one does. */
  #scratch: Uint8Array | undefined = undefined;
  #scratchLength = 0;
  /** A payload that spans chunks, being gathered (made on the first such payload). */
  #gather: PayloadGather | undefined = undefined;
  /** Makes the buffer of such a payload (see {@linkcode FrameDecoderOptions.allocate}). */
  #allocate: (size: number) => Uint8Array;
  /** See {@linkcode FrameDecoderOptions.copyInput}. */
  #copyInput: boolean;

  #error: unknown = undefined;
  #failed = false;
  #busy = false;

  /**
   * Creates a decoder for one connection.
   *
   * @param options Role, limit, allowed RSV bits and allocator.
   * @throws {TypeError} If `role` is not "client" or "server", or `allocate` is not a function.
   * @throws {RangeError} If `maxPayloadSize` or `allowedRsv` is out of range.
   */
  constructor(options: FrameDecoderOptions) {
    const {
      role,
      maxPayloadSize = DEFAULT_MAX_MESSAGE_SIZE,
      allowedRsv = 0,
      allocate = allocateZeroed,
      copyInput = false,
    } = options;
    checkDecoderOptions(role, allowedRsv);
    if (typeof allocate !== "function") {
      throw new TypeError("Cannot create frame decoder as 'allocate' must be a function");
    }
    if (typeof copyInput !== "boolean") {
      throw new TypeError(
        `Cannot create frame decoder as 'copyInput' must be a boolean: current value is ${copyInput}`,
      );
    }
    this.#allocate = allocate;
    this.#copyInput = copyInput;
    this.#server = role === "server";
    this.#allowedRsv = allowedRsv;
    this.#maxPayloadSize = checkMaxPayloadSize(maxPayloadSize);
  }

  /**
   * Largest payload of one data frame, in bytes. It may be changed at any time (also from inside
   * the `onFrame` callback); the new value applies from the next frame header on.
   *
   * @throws {RangeError} On set, if the value is not an integer >= 0 or `Infinity`.
   */
  get maxPayloadSize(): number {
    return this.#maxPayloadSize;
  }

  set maxPayloadSize(value: number) {
    this.#maxPayloadSize = checkMaxPayloadSize(value);
  }

  /** Bytes received and kept but not yet returned as a frame (partial header or payload). */
  get bufferedAmount(): number {
    return this.#scratchLength + (this.#gather?.gathered ?? 0);
  }

  /**
   * Feeds bytes from the peer. Each complete frame is handed to `onFrame` at once, in order,
   * before `push` returns. The chunk is owned by the decoder from now on (payloads may be views
   * into it, unmasked in place), unless `copyInput` is set: then it is only read, during the call.
   *
   * After any error (a {@linkcode ProtocolError}, or an error thrown by `onFrame`) the decoder
   * is unusable: every later call throws the same error.
   *
   * @param chunk Bytes from the peer, any length (0 too).
   * @param onFrame Called with each complete frame. Returning `false` stops decoding this chunk:
   * `push` returns at once and the bytes after that frame are dropped (a connection does this
   * after the peer's close frame).
   * @param onPayload Called with each unmasked piece of a text or continuation frame's payload
   * that arrives before the rest of the frame (only when a payload spans chunks; binary frames
   * are not reported, their pieces are unmasked once, when copied together), with the frame's
   * opcode and RSV bits (4 = RSV1, 2 = RSV2, 1 = RSV3): a connection checks the UTF-8 of a text
   * frame as it arrives. The piece is a view (of the
   * chunk, or of a buffer where small pieces are collected) valid only during the call: `onFrame`
   * later gets the whole payload in one buffer. An error it throws fails the decoder like one
   * from `onFrame`.
   * @throws {ProtocolError} If the peer broke the protocol (see the class documentation).
   * @throws {InvalidStateError} If called again from inside `onFrame`.
   * @throws {TypeError} If `chunk` is not a Uint8Array (the decoder stays usable).
   *
   * @example Two frames in one chunk
   * ```ts
   * import { type Frame, FrameDecoder } from "@wirely/wirely/codec";
   * const decoder = new FrameDecoder({ role: "client" });
   * const frames: Frame[] = [];
   * decoder.push(new Uint8Array([0x89, 0x00, 0x82, 0x01, 0x2a]), (frame) => frames.push(frame));
   * console.log(frames.map((f) => f.opcode), frames[1]?.payload); // [ 9, 2 ] Uint8Array(1) [ 42 ]
   * ```
   */
  push(
    chunk: Uint8Array,
    onFrame: (frame: Frame) => unknown,
    onPayload?: (opcode: number, piece: Uint8Array, rsv: number) => void,
  ): void {
    if (this.#failed) throw this.#error;
    if (!(chunk instanceof Uint8Array)) {
      throw new TypeError("Cannot decode frames as 'chunk' must be a Uint8Array");
    }
    if (this.#busy) {
      throw new InvalidStateError(
        "cannot push to a frame decoder from inside its onFrame callback",
      );
    }
    this.#busy = true;
    try {
      this.#run(chunk, onFrame, onPayload);
    } catch (error) {
      this.#failed = true;
      this.#error = error;
      this.#gather = undefined;
      throw error;
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Copies up to `want - scratchLength` bytes from `chunk[from..end)` into the scratch buffer.
   * Returns the new read position.
   */
  #fill(chunk: Uint8Array, from: number, end: number, want: number): number {
    const count = Math.min(want - this.#scratchLength, end - from);
    const scratch = this.#scratch ??= new Uint8Array(8);
    for (let i = 0; i < count; i++) scratch[this.#scratchLength + i] = chunk[from + i]!;
    this.#scratchLength += count;
    return from + count;
  }

  #run(
    chunk: Uint8Array,
    onFrame: (frame: Frame) => unknown,
    onPayload: ((opcode: number, piece: Uint8Array, rsv: number) => void) | undefined,
  ): void {
    const end = chunk.length;
    let pos = 0;
    for (;;) {
      const state = this.#state;
      if (state === GET_DATA) {
        const length = this.#length;
        let payload: Uint8Array;
        const gather = this.#gather;
        if ((gather === undefined || gather.gathered === 0) && end - pos >= length) {
          if (this.#copyInput && length !== 0) {
            // The caller reuses the chunk: copy (and unmask) the payload in one pass.
            if (this.#masked) this.#setKey();
            payload = copyPayload(
              chunk.subarray(pos, pos + length),
              this.#masked ? KEY : undefined,
              this.#allocate,
            );
          } else {
            // Zero copy: the whole payload is in this chunk.
            payload = chunk.subarray(pos, pos + length);
            if (this.#masked && length !== 0) this.#unmask(payload);
          }
          pos += length;
        } else {
          if (pos === end) return;
          const into = gather ??
            (this.#gather = new PayloadGather(this.#allocate, this.#copyInput));
          const take = Math.min(length - into.gathered, end - pos);
          if (this.#masked) this.#setKey();
          // Text pieces are unmasked as they arrive, so onPayload sees the data before the
          // frame ends; a binary frame's pieces are unmasked once, when copied together.
          const piece = into.add(
            chunk.subarray(pos, pos + take),
            length,
            this.#masked ? KEY : undefined,
            this.#opcode !== BINARY,
          );
          pos += take;
          if (into.gathered < length) {
            if (onPayload !== undefined && this.#opcode < 8 && this.#opcode !== BINARY) {
              onPayload(this.#opcode, piece, this.#rsv);
            }
            return;
          }
          payload = into.take();
        }
        this.#state = GET_INFO;
        const rsv = this.#rsv;
        const more = onFrame({
          fin: this.#fin,
          rsv1: (rsv & 4) !== 0,
          rsv2: (rsv & 2) !== 0,
          rsv3: (rsv & 1) !== 0,
          opcode: this.#opcode,
          payload,
        });
        if (more === false) return;
        continue;
      }
      if (pos === end) return;
      if (state === GET_INFO) {
        let b0: number;
        let b1: number;
        if (this.#scratchLength === 0 && end - pos >= 2) {
          b0 = chunk[pos]!;
          b1 = chunk[pos + 1]!;
          pos += 2;
        } else {
          pos = this.#fill(chunk, pos, end, 2);
          if (this.#scratchLength < 2) return;
          this.#scratchLength = 0;
          const scratch = this.#scratch!;
          b0 = scratch[0]!;
          b1 = scratch[1]!;
        }
        this.#readInfo(b0, b1);
      } else if (state === GET_PAYLOAD_LENGTH_16) {
        let length: number;
        if (this.#scratchLength === 0 && end - pos >= 2) {
          length = (chunk[pos]! << 8) | chunk[pos + 1]!;
          pos += 2;
        } else {
          pos = this.#fill(chunk, pos, end, 2);
          if (this.#scratchLength < 2) return;
          this.#scratchLength = 0;
          const scratch = this.#scratch!;
          length = (scratch[0]! << 8) | scratch[1]!;
        }
        this.#haveLength(length);
      } else if (state === GET_PAYLOAD_LENGTH_64) {
        let source = chunk;
        let at = pos;
        if (this.#scratchLength === 0 && end - pos >= 8) {
          pos += 8;
        } else {
          pos = this.#fill(chunk, pos, end, 8);
          if (this.#scratchLength < 8) return;
          this.#scratchLength = 0;
          source = this.#scratch!;
          at = 0;
        }
        this.#haveLength(readLength64(source, at));
      } else {
        // GET_MASK
        if (this.#scratchLength === 0 && end - pos >= 4) {
          this.#k0 = chunk[pos]!;
          this.#k1 = chunk[pos + 1]!;
          this.#k2 = chunk[pos + 2]!;
          this.#k3 = chunk[pos + 3]!;
          pos += 4;
        } else {
          pos = this.#fill(chunk, pos, end, 4);
          if (this.#scratchLength < 4) return;
          this.#scratchLength = 0;
          const scratch = this.#scratch!;
          this.#k0 = scratch[0]!;
          this.#k1 = scratch[1]!;
          this.#k2 = scratch[2]!;
          this.#k3 = scratch[3]!;
        }
        this.#state = GET_DATA;
      }
    }
  }

  /** Unmasks `payload` in place with this frame's key; `offset` is its position in the payload. */
  #unmask(payload: Uint8Array, offset: number = 0): void {
    this.#setKey();
    applyMask(payload, KEY, offset);
  }

  /** Puts this frame's key in the shared {@linkcode KEY}. */
  #setKey(): void {
    KEY[0] = this.#k0;
    KEY[1] = this.#k1;
    KEY[2] = this.#k2;
    KEY[3] = this.#k3;
  }

  /** Checks the first two header bytes and moves to the next state. */
  #readInfo(b0: number, b1: number): void {
    checkHeader(b0, b1, this.#allowedRsv, this.#server);
    this.#fin = (b0 & 0x80) !== 0;
    this.#rsv = (b0 >> 4) & 7;
    this.#opcode = b0 & 0x0f;
    this.#masked = (b1 & 0x80) !== 0;
    const length = b1 & 0x7f;
    if (length === 126) this.#state = GET_PAYLOAD_LENGTH_16;
    else if (length === 127) this.#state = GET_PAYLOAD_LENGTH_64;
    else this.#haveLength(length);
  }

  /** Checks the payload length against the limit and moves to the next state. */
  #haveLength(length: number): void {
    if (this.#opcode < 8 && (length > this.#maxPayloadSize || length > Number.MAX_SAFE_INTEGER)) {
      throw frameTooBig(this.#opcode, length, this.#maxPayloadSize);
    }
    this.#length = length;
    this.#state = this.#masked ? GET_MASK : GET_DATA;
  }
}
