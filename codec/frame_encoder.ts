// This module is browser compatible.
/**
 * Encoding of WebSocket frames (RFC 6455 section 5.2): pure functions that take a fixed masking
 * key, and a {@linkcode FrameEncoder} that draws a fresh key per frame for the client role.
 *
 * Results of up to 4 KiB are views into a shared 64 KiB ArrayBuffer (like Node's
 * `Buffer.allocUnsafe` pool): use them as Uint8Arrays (with their `byteOffset` and `length`),
 * never through `.buffer` alone.
 *
 * @module
 */

import { isControlOpcode } from "./constants.ts";
import type { MaskSource, Role } from "./frame.ts";
import { applyMask, defaultMaskSource } from "./mask.ts";
import { allocate, buildFrame, headerSize, writeHeader } from "./_frame_buffer.ts";

/**
 * Options of {@linkcode encodeFrame} and {@linkcode encodeFrameHeader}.
 *
 * @example The first, masked fragment of a text message
 * ```ts
 * import { encodeFrame, type EncodeFrameOptions, Opcode } from "@wirely/wirely/codec";
 * const options: EncodeFrameOptions = { fin: false, mask: new Uint8Array([1, 2, 3, 4]) };
 * const bytes = encodeFrame(Opcode.TEXT, new TextEncoder().encode("Hel"), options);
 * console.log(bytes[0], bytes.length); // 1 9 (FIN clear; 2 header + 4 key + 3 payload bytes)
 * ```
 */
export interface EncodeFrameOptions {
  /** Final fragment of the message. @default {true} */
  fin?: boolean;
  /** Reserved bit 1 (permessage-deflate sets it on the first frame of a compressed message). @default {false} */
  rsv1?: boolean;
  /** Reserved bit 2. @default {false} */
  rsv2?: boolean;
  /** Reserved bit 3. @default {false} */
  rsv3?: boolean;
  /** The 4-byte masking key; absent means the frame is sent unmasked (server role). @default {undefined} */
  mask?: Uint8Array;
}

/** Largest payload length that can be encoded exactly (2^53 - 1 bytes). */
const MAX_LENGTH = Number.MAX_SAFE_INTEGER;

/** Throws a RangeError/TypeError if the frame cannot be encoded as asked. */
function validate(
  opcode: number,
  length: number,
  fin: boolean,
  mask: Uint8Array | undefined,
): void {
  if (!Number.isInteger(opcode) || opcode < 0 || opcode > 15) {
    throw new RangeError(
      `Cannot encode frame as 'opcode' must be an integer 0-15: current value is ${opcode}`,
    );
  }
  if (!Number.isInteger(length) || length < 0 || length > MAX_LENGTH) {
    throw new RangeError(
      `Cannot encode frame as the payload length must be an integer 0-${MAX_LENGTH}: current value is ${length}`,
    );
  }
  if (isControlOpcode(opcode)) {
    if (length > 125) {
      throw new RangeError(
        `Cannot encode frame as a control frame payload must be <= 125 bytes: current length is ${length}`,
      );
    }
    if (!fin) {
      throw new RangeError(
        `Cannot encode frame as a control frame (opcode ${opcode}) must not be fragmented: 'fin' is false`,
      );
    }
  }
  if (mask !== undefined) {
    if (!(mask instanceof Uint8Array)) {
      throw new TypeError("Cannot encode frame as 'mask' must be a Uint8Array");
    }
    if (mask.length !== 4) {
      throw new RangeError(
        `Cannot encode frame as 'mask' must be 4 bytes long: current length is ${mask.length}`,
      );
    }
  }
}

/**
 * {@linkcode validate} for a payload given as bytes (its length is always valid) and no key, with
 * a shortcut for the data opcodes 0-2, which need no other check.
 */
function validateData(opcode: number, length: number, fin: boolean): void {
  if ((opcode | 0) === opcode && opcode >= 0 && opcode <= 2) return;
  validate(opcode, length, fin, undefined);
}

/** The first header byte. */
function firstByte(
  opcode: number,
  fin: boolean,
  rsv1: boolean,
  rsv2: boolean,
  rsv3: boolean,
): number {
  return (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | (rsv2 ? 0x20 : 0) | (rsv3 ? 0x10 : 0) | opcode;
}

function checkPayload(payload: Uint8Array): void {
  if (!(payload instanceof Uint8Array)) {
    throw new TypeError("Cannot encode frame as 'payload' must be a Uint8Array");
  }
}

/**
 * Encodes one frame into a single new buffer: header, then the payload (masked with
 * `options.mask` if given). The length uses the shortest of the 7-, 16- and 64-bit forms.
 * `payload` is never changed. Reserved opcodes (3-7, 0xB-0xF) are encoded as given, so tests
 * can send them to a peer.
 *
 * @param opcode The 4-bit opcode (see {@linkcode Opcode}).
 * @param payload The application data.
 * @param options FIN, RSV bits and masking key.
 * @returns The frame's bytes.
 * @throws {RangeError} If the opcode is not 0-15, the key is not 4 bytes, or a control frame is
 * longer than 125 bytes or not final.
 * @throws {TypeError} If `payload` or `options.mask` is not a Uint8Array.
 *
 * @example The masked "Hello" of RFC 6455 section 5.7
 * ```ts
 * import { encodeFrame, Opcode } from "@wirely/wirely/codec";
 * const bytes = encodeFrame(Opcode.TEXT, new TextEncoder().encode("Hello"), {
 *   mask: new Uint8Array([0x37, 0xfa, 0x21, 0x3d]),
 * });
 * console.log(bytes); // Uint8Array(11) [ 129, 133, 55, 250, 33, 61, 127, 159, 77, 81, 88 ]
 * ```
 */
export function encodeFrame(
  opcode: number,
  payload: Uint8Array,
  options: EncodeFrameOptions = {},
): Uint8Array {
  checkPayload(payload);
  const { fin = true, rsv1 = false, rsv2 = false, rsv3 = false, mask } = options;
  const length = payload.length;
  validate(opcode, length, fin, mask);
  return buildFrame(firstByte(opcode, fin, rsv1, rsv2, rsv3), payload, mask);
}

/**
 * Encodes only the header of a frame (including the masking key if `options.mask` is given), for
 * callers that write the payload themselves. The payload that follows must be masked with the
 * same key.
 *
 * @param opcode The 4-bit opcode.
 * @param payloadLength The payload length in bytes.
 * @param options FIN, RSV bits and masking key.
 * @returns 2 to 14 header bytes.
 * @throws {RangeError} Same rules as {@linkcode encodeFrame}, and for a negative or
 * non-integer `payloadLength`.
 *
 * @example A 16-bit length header
 * ```ts
 * import { encodeFrameHeader, Opcode } from "@wirely/wirely/codec";
 * console.log(encodeFrameHeader(Opcode.BINARY, 256)); // Uint8Array(4) [ 130, 126, 1, 0 ]
 * ```
 */
export function encodeFrameHeader(
  opcode: number,
  payloadLength: number,
  options: EncodeFrameOptions = {},
): Uint8Array {
  const { fin = true, rsv1 = false, rsv2 = false, rsv3 = false, mask } = options;
  validate(opcode, payloadLength, fin, mask);
  const out = allocate(headerSize(payloadLength, mask !== undefined));
  writeHeader(out, firstByte(opcode, fin, rsv1, rsv2, rsv3), payloadLength, mask);
  return out;
}

/**
 * Options of {@linkcode FrameEncoder}.
 *
 * @example
 * ```ts
 * import { FrameEncoder, type FrameEncoderOptions, Opcode } from "@wirely/wirely/codec";
 * const options: FrameEncoderOptions = { role: "server" };
 * const encoder = new FrameEncoder(options);
 * console.log(encoder.encode(Opcode.TEXT, new TextEncoder().encode("Hi"))); // Uint8Array(4) [ 129, 2, 72, 105 ]
 * ```
 */
export interface FrameEncoderOptions {
  /** Our role: a "client" masks every frame with a fresh key, a "server" never masks. */
  role: Role;
  /** Where masking keys come from (client role only). @default {defaultMaskSource} */
  maskSource?: MaskSource;
}

/**
 * Per-frame options of {@linkcode FrameEncoder}.
 *
 * @example A text message in two fragments
 * ```ts
 * import { FrameEncoder, type FrameEncoderFrameOptions, Opcode } from "@wirely/wirely/codec";
 * const encoder = new FrameEncoder({ role: "server" });
 * const first: FrameEncoderFrameOptions = { fin: false };
 * console.log(encoder.encode(Opcode.TEXT, new TextEncoder().encode("Hel"), first)[0]); // 1
 * console.log(encoder.encode(Opcode.CONTINUATION, new TextEncoder().encode("lo"))[0]); // 128
 * ```
 */
export interface FrameEncoderFrameOptions {
  /** Final fragment of the message. @default {true} */
  fin?: boolean;
  /** Reserved bit 1 (permessage-deflate). @default {false} */
  rsv1?: boolean;
}

/**
 * Encodes frames for one side of a connection: masks with a fresh key from the mask source in
 * the client role, never masks in the server role.
 *
 * @example A client frame with a fixed key, then a server frame without copying the payload
 * ```ts
 * import { FrameEncoder, Opcode } from "@wirely/wirely/codec";
 * const client = new FrameEncoder({
 *   role: "client",
 *   maskSource: (key) => key.set([0x37, 0xfa, 0x21, 0x3d]),
 * });
 * console.log(client.encode(Opcode.TEXT, new TextEncoder().encode("Hello")).length); // 11
 *
 * const server = new FrameEncoder({ role: "server" });
 * const payload = new Uint8Array(1000);
 * const [header, body] = server.encodeParts(Opcode.BINARY, payload);
 * console.log(header, body === payload); // Uint8Array(4) [ 130, 126, 3, 232 ] true
 * ```
 */
export class FrameEncoder {
  #masked: boolean;
  #maskSource: MaskSource;
  /** The client role's key buffer (none in the server role: memory per connection). */
  #key: Uint8Array | undefined;

  /**
   * Creates an encoder for one connection.
   *
   * @param options The role and, for tests, a fixed mask source.
   * @throws {TypeError} If `role` is not "client" or "server", or `maskSource` is not a function.
   */
  constructor(options: FrameEncoderOptions) {
    const { role, maskSource = defaultMaskSource } = options;
    if (role !== "client" && role !== "server") {
      throw new TypeError(
        `Cannot create encoder as 'role' must be "client" or "server": current value is ${
          String(role)
        }`,
      );
    }
    if (typeof maskSource !== "function") {
      throw new TypeError("Cannot create encoder as 'maskSource' must be a function");
    }
    this.#masked = role === "client";
    this.#maskSource = maskSource;
    this.#key = this.#masked ? new Uint8Array(4) : undefined;
  }

  /** Draws a fresh key into #key, or returns undefined in the server role. */
  #nextKey(): Uint8Array | undefined {
    const key = this.#key;
    if (key === undefined) return undefined;
    this.#maskSource(key);
    return key;
  }

  /**
   * Encodes one frame into a single new buffer; `payload` is not changed.
   *
   * @param opcode The 4-bit opcode.
   * @param payload The application data.
   * @param options FIN and RSV1.
   * @returns The frame's bytes.
   * @throws {RangeError} Same rules as {@linkcode encodeFrame}.
   *
   * @example
   * ```ts
   * import { FrameEncoder, Opcode } from "@wirely/wirely/codec";
   * const encoder = new FrameEncoder({ role: "server" });
   * console.log(encoder.encode(Opcode.PING, new Uint8Array(0))); // Uint8Array(2) [ 137, 0 ]
   * ```
   */
  encode(
    opcode: number,
    payload: Uint8Array,
    options?: FrameEncoderFrameOptions,
  ): Uint8Array {
    checkPayload(payload);
    const fin = options?.fin ?? true;
    const length = payload.length;
    validateData(opcode, length, fin);
    const key = this.#nextKey();
    return buildFrame(firstByte(opcode, fin, options?.rsv1 ?? false, false, false), payload, key);
  }

  /**
   * Encodes one frame without copying its payload: returns the header and the payload itself.
   * In the client role the payload is masked IN PLACE, so the caller gives it up.
   *
   * @param opcode The 4-bit opcode.
   * @param payload The application data (masked in place in the client role).
   * @param options FIN and RSV1.
   * @returns `[header, payload]`, to be written in this order.
   * @throws {RangeError} Same rules as {@linkcode encodeFrame}.
   *
   * @example
   * ```ts
   * import { FrameEncoder, Opcode } from "@wirely/wirely/codec";
   * const encoder = new FrameEncoder({ role: "server" });
   * const [header] = encoder.encodeParts(Opcode.BINARY, new Uint8Array(70000));
   * console.log(header.length); // 10
   * ```
   */
  encodeParts(
    opcode: number,
    payload: Uint8Array,
    options?: FrameEncoderFrameOptions,
  ): [Uint8Array, Uint8Array] {
    checkPayload(payload);
    const fin = options?.fin ?? true;
    const length = payload.length;
    validateData(opcode, length, fin);
    const first = firstByte(opcode, fin, options?.rsv1 ?? false, false, false);
    if (!this.#masked) {
      // Server role: nothing to mask, only the header to write.
      const size = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
      const header = allocate(size);
      if (size === 2) {
        header[0] = first;
        header[1] = length;
      } else {
        writeHeader(header, first, length, undefined);
      }
      return [header, payload];
    }
    const key = this.#nextKey();
    const header = allocate(headerSize(length, key !== undefined));
    writeHeader(header, first, length, key);
    if (key !== undefined && length > 0) applyMask(payload, key);
    return [header, payload];
  }
}
