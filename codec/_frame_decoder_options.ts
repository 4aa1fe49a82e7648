// This module is browser compatible.
/**
 * The options of `FrameDecoder` (exported from `frame_decoder.ts`).
 *
 * @module
 */

import type { Role } from "./frame.ts";

/**
 * Options of `FrameDecoder`.
 *
 * @example
 * ```ts
 * import { FrameDecoder, type FrameDecoderOptions } from "@wirely/wirely/codec";
 * const options: FrameDecoderOptions = { role: "client", maxPayloadSize: 65_536 };
 * const decoder = new FrameDecoder(options);
 * decoder.push(new Uint8Array([0x81, 0x02, 0x48, 0x69]), (frame) => console.log(frame.fin)); // true
 * ```
 */
export interface FrameDecoderOptions {
  /** Our role: a "server" requires masked frames from its client, a "client" unmasked ones. */
  role: Role;
  /** Largest payload of one data frame, in bytes; `Infinity` turns the limit off. @default {1_048_576} */
  maxPayloadSize?: number;
  /** RSV bits negotiated extensions allow, as a bitmask: 4 = RSV1, 2 = RSV2, 1 = RSV3. @default {0} */
  allowedRsv?: number;
  /**
   * Makes the buffer of a payload that spans chunks, of `size` bytes (called once per such frame,
   * once a quarter of its payload arrived). The decoder writes every byte of it before handing it
   * out, so it need not be zeroed: Node can pass `Buffer.allocUnsafeSlow`. The default is
   * `new Uint8Array(size)`.
   */
  allocate?: (size: number) => Uint8Array;
  /**
   * Whether the caller reuses a chunk's memory once `push` returns (Node's server reads every
   * socket into one shared buffer): the decoder then keeps no view of a chunk, and a payload that
   * lies wholly in one chunk is copied (and unmasked) into memory of its own: up to 4 KiB a view
   * of a 64 KiB slab several payloads share (like Node's `Buffer` pool), else from `allocate`.
   * With `false` such a payload is a view of the chunk.
   * @default {false}
   */
  copyInput?: boolean;
}
