// This module is browser compatible.
/**
 * The permessage-deflate extension (RFC 7692) as an {@linkcode Extension}: the framing rules
 * (RSV1 on the first frame of a compressed message only, the `00 00 ff ff` tail stripped on
 * send and put back on receive) and the size limit on inflated data. Compression itself comes
 * from a {@linkcode DeflateBinding} supplied by a runtime binding (`node:zlib` in
 * `deflate/zlib.node.ts`): the codec stays free of I/O and runtime globals.
 *
 * @module
 */

import { concatBytes } from "./_bytes.ts";
import { type DeflateAgreement, PERMESSAGE_DEFLATE } from "./deflate_negotiation.ts";
import { ProtocolError } from "./errors.ts";
import type { Extension, ExtensionEncodeOptions } from "./extension.ts";
import type { Frame, Role } from "./frame.ts";

/**
 * One-shot raw DEFLATE (RFC 1951) supplied by a runtime binding; both calls are synchronous and
 * keep no state between messages ({@linkcode PerMessageDeflate} keeps the peer's window itself).
 *
 * @example A binding over `node:zlib` (wirely's own, `zlibDeflate`, also maps the size error)
 * ```ts
 * import { constants, deflateRawSync, inflateRawSync } from "node:zlib";
 * import type { DeflateBinding } from "@wirely/wirely/codec";
 * const binding: DeflateBinding = {
 *   deflate: (data, options) => deflateRawSync(data, { ...options, finishFlush: constants.Z_SYNC_FLUSH }),
 *   inflate: (data, { maxOutputLength }) => inflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength }),
 * };
 * const packed = binding.deflate(new TextEncoder().encode("Hello"), { windowBits: 15, level: 6, memLevel: 8 });
 * console.log(binding.inflate(packed, { maxOutputLength: 5 })?.length); // 5
 * ```
 */
export interface DeflateBinding {
  /**
   * Compresses `data` into raw DEFLATE blocks ended by a sync flush (the output ends with
   * `00 00 ff ff`), with a fresh context.
   */
  deflate(
    data: Uint8Array,
    options: { windowBits: number; level: number; memLevel: number },
  ): Uint8Array;
  /**
   * Inflates `data` (raw DEFLATE, ending with `00 00 ff ff` or a final block) with a fresh
   * context. Returns `undefined` as soon as the output would pass `maxOutputLength` bytes,
   * having allocated about that much; throws on corrupt data.
   */
  inflate(data: Uint8Array, options: { maxOutputLength: number }): Uint8Array | undefined;
}

/**
 * Tuning of {@linkcode PerMessageDeflate}.
 *
 * @example
 * ```ts
 * import type { PerMessageDeflateOptions } from "@wirely/wirely/codec";
 * const options: PerMessageDeflateOptions = { threshold: 0, level: 1 };
 * console.log(options.threshold); // 0
 * ```
 */
export interface PerMessageDeflateOptions {
  /** Messages smaller than this, in bytes, are sent uncompressed (0 compresses all). @default 1024 */
  threshold?: number;
  /** zlib compression level, 0 (none) to 9 (best, slowest). @default 6 */
  level?: number;
  /** zlib memory level, 1-9: memory of the compressor, about 2^(memLevel + 9) bytes while it runs. @default 8 */
  memLevel?: number;
}

const EMPTY = new Uint8Array(0);
const TAIL = [0x00, 0x00, 0xff, 0xff];

/**
 * permessage-deflate on one connection. Sends: each message compressed on its own (no context
 * takeover, which RFC 7692 always allows a sender); a whole message of at
 * least `threshold` bytes is compressed (RSV1 set) unless `compress: false` is asked or the
 * agreed window is 8 bits (zlib cannot compress with 8, so those messages go uncompressed,
 * which RFC 7692 allows); frames of messages the caller fragments go as they are. Receives:
 * RSV1 on a continuation frame fails with 1002 (`RESERVED_BITS`); the frames of a compressed
 * message are gathered (at most about the size limit) and inflated at its last frame, stopping
 * at the limit (`MESSAGE_TOO_BIG`, 1009); corrupt data fails with 1007 (`BAD_COMPRESSED_DATA`).
 * Stored blocks, a final block (BFINAL=1), several blocks and empty messages are accepted.
 *
 * When the peer may use context takeover (no `server_no_context_takeover` for a client, no
 * `client_no_context_takeover` for a server), the last 2^window-bits bytes received (32 KiB at
 * most, made at the first compressed message) are kept and replayed to the inflater as a stored
 * block before each message; with `*_no_context_takeover` agreed nothing is kept between
 * messages.
 *
 * @example Two connections compressing a message between them
 * ```ts
 * import { constants, deflateRawSync, inflateRawSync } from "node:zlib";
 * import { Connection, type DeflateBinding, PerMessageDeflate } from "@wirely/wirely/codec";
 * const zlib: DeflateBinding = {
 *   deflate: (data, options) => deflateRawSync(data, { ...options, finishFlush: constants.Z_SYNC_FLUSH }),
 *   inflate: (data, { maxOutputLength }) => inflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength }),
 * };
 * const agreement = { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
 * const client = new Connection({ role: "client", extensions: [new PerMessageDeflate("client", agreement, zlib, { threshold: 0 })] });
 * const server = new Connection({ role: "server", extensions: [new PerMessageDeflate("server", agreement, zlib)] });
 * client.sendText("Hello");
 * for (const bytes of client.takeBytes()) server.receive(bytes);
 * console.log(server.takeEvents()); // [ { type: "text", data: "Hello" } ]
 * ```
 */
export class PerMessageDeflate implements Extension {
  /** `permessage-deflate`. */
  readonly name: string = PERMESSAGE_DEFLATE;
  /** RSV1. */
  readonly rsv: number = 4;
  readonly #binding: DeflateBinding;
  readonly #threshold: number;
  readonly #level: number;
  readonly #memLevel: number;
  /** Our window when compressing, in bits; 0 when we never compress (8 bits agreed). */
  readonly #windowBits: number;
  /** Compressed frames of the message being received, or undefined when it is not compressed. */
  #parts: Uint8Array[] | undefined;
  #gathered = 0;
  #limit = 0;
  /** Bytes of the peer's window kept between messages (0: the peer takes no context over). */
  readonly #windowSize: number;
  /** The end of the last messages received, at most `#windowSize` bytes; made on first use. */
  #window: Uint8Array | undefined;

  /**
   * Creates the extension for one connection.
   *
   * @param role Our end of the connection.
   * @param agreement What the handshake agreed.
   * @param binding The compressor (see {@linkcode DeflateBinding}).
   * @param options Threshold and zlib tuning.
   * @throws {RangeError} If an option is out of range.
   */
  constructor(
    role: Role,
    agreement: DeflateAgreement,
    binding: DeflateBinding,
    options: PerMessageDeflateOptions = {},
  ) {
    const { threshold = 1024, level = 6, memLevel = 8 } = options;
    if (binding === null || typeof binding !== "object") {
      throw new TypeError("Cannot use permessage-deflate as 'binding' must be an object");
    }
    check("threshold", threshold, 0, Number.MAX_SAFE_INTEGER);
    check("level", level, 0, 9);
    check("memLevel", memLevel, 1, 9);
    const peerTakeover = role === "client"
      ? !agreement.serverNoContextTakeover
      : !agreement.clientNoContextTakeover;
    const peerBits = role === "client"
      ? agreement.serverMaxWindowBits
      : agreement.clientMaxWindowBits;
    this.#windowSize = peerTakeover ? 2 ** Math.max(9, Math.min(15, peerBits)) : 0;
    const bits = role === "client" ? agreement.clientMaxWindowBits : agreement.serverMaxWindowBits;
    this.#binding = binding;
    this.#threshold = threshold;
    this.#level = level;
    this.#memLevel = memLevel;
    this.#windowBits = bits >= 9 ? bits : 0;
  }

  /**
   * Inflates a compressed message at its last frame; see {@linkcode Extension.decode}.
   *
   * @throws {ProtocolError} `RESERVED_BITS` (1002), `MESSAGE_TOO_BIG` (1009) or
   * `BAD_COMPRESSED_DATA` (1007).
   */
  decode(frame: Frame, maxSize: number): Frame {
    const { opcode, rsv1, payload } = frame;
    if (opcode === 0) {
      if (rsv1) {
        throw new ProtocolError(
          "RESERVED_BITS",
          1002,
          "continuation frame has RSV1 set: only the first frame of a compressed message may",
        );
      }
      if (this.#parts === undefined) return frame;
    } else {
      this.#parts = undefined;
      if (!rsv1) return frame;
      this.#parts = [];
      this.#gathered = 0;
      // Compressed data may be a little larger than the message (stored blocks: 5 bytes per 64 KiB).
      this.#limit = maxSize + Math.ceil(maxSize / 1024) + 64;
    }
    this.#gathered += payload.length;
    if (this.#gathered > this.#limit) {
      this.#parts = undefined;
      throw tooBig(maxSize);
    }
    if (payload.length > 0) this.#parts!.push(payload);
    if (!frame.fin) return { ...frame, rsv1: false, payload: EMPTY };
    const parts = this.#parts!;
    this.#parts = undefined;
    parts.push(new Uint8Array(TAIL));
    return { ...frame, rsv1: false, payload: this.#inflate(parts, maxSize) };
  }

  /**
   * Compresses a whole message of at least `threshold` bytes; see {@linkcode Extension.encode}.
   */
  encode(frame: Frame, options?: ExtensionEncodeOptions): Frame {
    const payload = frame.payload;
    if (
      frame.opcode === 0 || !frame.fin || this.#windowBits === 0 ||
      payload.length < this.#threshold || options?.compress === false
    ) {
      return frame;
    }
    const out = this.#binding.deflate(payload, {
      windowBits: this.#windowBits,
      level: this.#level,
      memLevel: this.#memLevel,
    });
    let end = out.length;
    if (
      end >= 4 && out[end - 4] === 0 && out[end - 3] === 0 && out[end - 2] === 0xff &&
      out[end - 1] === 0xff
    ) end -= 4;
    return { ...frame, rsv1: true, payload: out.subarray(0, end) };
  }

  /**
   * What decides the bytes {@linkcode PerMessageDeflate.encode} makes of a whole message of
   * `length` bytes: a key equal for every connection that would compress it the same way (each
   * message is compressed on its own, so the output depends only on the payload and this key),
   * or `undefined` when the message is sent as it is. A broadcast compresses once per key.
   *
   * @param length The payload's size, in bytes.
   * @returns The key, or `undefined` when such a message is not compressed.
   *
   * @example
   * ```ts
   * import { constants, deflateRawSync, inflateRawSync } from "node:zlib";
   * import { PerMessageDeflate } from "@wirely/wirely/codec";
   * const zlib = {
   *   deflate: (data: Uint8Array, options: { windowBits: number; level: number; memLevel: number }) =>
   *     deflateRawSync(data, { ...options, finishFlush: constants.Z_SYNC_FLUSH }),
   *   inflate: (data: Uint8Array, { maxOutputLength }: { maxOutputLength: number }) =>
   *     inflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength }),
   * };
   * const agreement = { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
   * const deflate = new PerMessageDeflate("server", agreement, zlib, { threshold: 100 });
   * console.log(deflate.encodingKey(10), deflate.encodingKey(1000)); // undefined 15/6/8
   * ```
   */
  encodingKey(length: number): string | undefined {
    if (this.#windowBits === 0 || length < this.#threshold) return undefined;
    return `${this.#windowBits}/${this.#level}/${this.#memLevel}`;
  }

  #inflate(parts: Uint8Array[], maxSize: number): Uint8Array {
    const window = this.#window;
    const primed = window === undefined ? 0 : window.length;
    if (primed > 0) parts.unshift(storedBlockHeader(primed), window!);
    let size = 0;
    for (const part of parts) size += part.length;
    const data = concatBytes(parts, size);
    let out: Uint8Array | undefined;
    try {
      out = this.#binding.inflate(data, { maxOutputLength: maxSize + primed });
    } catch (cause) {
      const error = new ProtocolError(
        "BAD_COMPRESSED_DATA",
        1007,
        `compressed message is corrupt: ${cause instanceof Error ? cause.message : String(cause)}`,
      );
      throw error;
    }
    if (out === undefined || out.length - primed > maxSize) throw tooBig(maxSize);
    if (this.#windowSize > 0) this.#keepWindow(out);
    return primed === 0 ? out : out.subarray(primed);
  }

  /** Keeps the last `#windowSize` bytes of `output` (the old window, then the message). */
  #keepWindow(output: Uint8Array): void {
    const keep = Math.min(this.#windowSize, output.length);
    if (keep === 0) return;
    if (this.#window === undefined || this.#window.length !== keep) {
      this.#window = output.slice(output.length - keep);
    } else {
      this.#window.set(output.subarray(output.length - keep));
    }
  }
}

/**
 * The header of a non-final stored block (RFC 1951 3.2.4) of `length` bytes. The peer's window,
 * inflated first as such a block, gives the inflater the history the peer's compressor refers
 * to: context takeover with nothing but a one-shot inflate (no `dictionary` option, which Deno's
 * `node:zlib` ignores for raw streams).
 */
function storedBlockHeader(length: number): Uint8Array {
  // length is at most 32 KiB, under the 65_535 bytes of one stored block.
  return new Uint8Array([
    0x00,
    length & 0xff,
    length >>> 8,
    ~length & 0xff,
    (~length >>> 8) & 0xff,
  ]);
}

function tooBig(maxSize: number): ProtocolError {
  return new ProtocolError(
    "MESSAGE_TOO_BIG",
    1009,
    `inflated message exceeds the limit (${maxSize} bytes left)`,
  );
}

function check(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `Cannot use permessage-deflate as '${name}' must be an integer ${min}-${max}: current value is ${value}`,
    );
  }
}
