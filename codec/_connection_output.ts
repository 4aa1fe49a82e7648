// This module is browser compatible.
/**
 * The outgoing side of {@linkcode Connection}: frames encoded for our role, kept in order until
 * the I/O layer takes them, small ones merged into one buffer.
 *
 * @module
 */

import { concatBytes } from "./_bytes.ts";
import { ASCII_FRAME_MAX, buildAsciiFrame, isAscii } from "./_frame_buffer.ts";
import { Opcode } from "./constants.ts";
import type { MaskSource, Role } from "./frame.ts";
import { FrameEncoder } from "./frame_encoder.ts";
import { defaultMaskSource } from "./mask.ts";
import type { Extension, ExtensionEncodeOptions } from "./extension.ts";

/** Outgoing buffers are merged into one when they add up to less than this, in bytes. */
const COALESCE_LIMIT = 16_384;
/** Payloads smaller than this are copied into the frame buffer instead of sent as a view. */
const COPY_LIMIT = 16_384;

/** Text up to this many characters is encoded into a scratch buffer, not a new array. */
const SCRATCH_TEXT_MAX = 1024;
/** Room for SCRATCH_TEXT_MAX characters of UTF-16 as UTF-8 (at most 3 bytes each). */
const scratch = new Uint8Array(SCRATCH_TEXT_MAX * 3);
/** First header byte of a final, uncompressed text frame. */
const TEXT_FIN = 0x80 | Opcode.TEXT;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** Encoded frames waiting to be written, oldest first. */
export class Outbox {
  readonly #encoder: FrameEncoder;
  readonly #client: boolean;
  /** The encoder's mask source, for text frames built here (client role). */
  readonly #maskSource: MaskSource;
  /** The client role's key buffer (none in the server role: memory per connection). */
  readonly #key: Uint8Array | undefined;
  /** Negotiated extensions, in the order of the handshake. */
  #extensions: readonly Extension[] = [];
  /** Created on first use (memory per idle connection). */
  #parts: Uint8Array[] | undefined;
  #size = 0;

  constructor(role: Role, maskSource: MaskSource | undefined) {
    this.#client = role === "client";
    this.#key = this.#client ? new Uint8Array(4) : undefined;
    this.#encoder = new FrameEncoder({ role, maskSource });
    this.#maskSource = maskSource ?? defaultMaskSource;
  }

  /** Sets the negotiated extensions: every data frame goes through their `encode`. */
  setExtensions(extensions: readonly Extension[]): void {
    this.#extensions = extensions;
  }

  /**
   * Queues a data frame. `owned`: the payload belongs to us, so a client may mask it in place;
   * otherwise a large client payload is copied and the caller's bytes stay unchanged.
   */
  data(
    opcode: number,
    payload: Uint8Array,
    fin: boolean,
    owned: boolean,
    options?: ExtensionEncodeOptions,
  ): void {
    const encoder = this.#encoder;
    let rsv1 = false;
    if (this.#extensions.length > 0) {
      let frame = { fin, rsv1, rsv2: false, rsv3: false, opcode, payload };
      for (const extension of this.#extensions) frame = extension.encode(frame, options);
      if (frame.payload !== payload) owned = true; // an extension's new buffer
      payload = frame.payload;
      rsv1 = frame.rsv1;
    }
    const frameOptions = { fin, rsv1 };
    if (payload.length < COPY_LIMIT || (this.#client && !owned)) {
      // Small, or a client payload we may not mask in place: one buffer with a copy.
      this.#push(encoder.encode(opcode, payload, frameOptions));
    } else {
      const [header, body] = encoder.encodeParts(opcode, payload, frameOptions);
      this.#push(header);
      this.#push(body);
    }
  }

  /**
   * Queues a text message in one frame. Short text skips `TextEncoder.encode` (a new array per
   * call, about a microsecond in Deno): ASCII is written straight into the frame, other short
   * text is encoded into a scratch buffer that the frame copies.
   */
  text(text: string, options?: ExtensionEncodeOptions): void {
    const length = text.length;
    if (this.#extensions.length > 0) {
      this.data(Opcode.TEXT, textEncoder.encode(text), true, true, options);
    } else if (length <= ASCII_FRAME_MAX && isAscii(text)) {
      const key = this.#key;
      if (key !== undefined) this.#maskSource(key);
      this.#push(buildAsciiFrame(TEXT_FIN, text, key));
    } else if (length <= SCRATCH_TEXT_MAX) {
      const { written } = textEncoder.encodeInto(text, scratch);
      this.data(Opcode.TEXT, scratch.subarray(0, written), true, false);
    } else {
      this.data(Opcode.TEXT, textEncoder.encode(text), true, true);
    }
  }

  /** Queues a control frame (the payload is copied, never changed). */
  control(opcode: number, payload: Uint8Array): void {
    this.#push(this.#encoder.encode(opcode, payload));
  }

  /** The queued bytes, in order; small frames come merged into one buffer. */
  take(): Uint8Array[] {
    const parts = this.#parts;
    if (parts === undefined) return [];
    const size = this.#size;
    this.#parts = undefined;
    this.#size = 0;
    if (parts.length < 2 || size >= COALESCE_LIMIT) return parts;
    return [concatBytes(parts, size)];
  }

  #push(bytes: Uint8Array): void {
    if (this.#parts === undefined) this.#parts = [bytes];
    else this.#parts.push(bytes);
    this.#size += bytes.length;
  }
}

/** Cuts `text` to at most `maxBytes` bytes of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = textEncoder.encode(text);
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return textDecoder.decode(bytes.subarray(0, end));
}
