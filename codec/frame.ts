// This module is browser compatible.
/**
 * The frame type shared by the encoder and the decoder.
 *
 * @module
 */

/**
 * One WebSocket frame with its payload already unmasked.
 *
 * @example
 * ```ts
 * import { type Frame, Opcode } from "@wirely/wirely/codec";
 * const frame: Frame = {
 *   fin: true,
 *   rsv1: false,
 *   rsv2: false,
 *   rsv3: false,
 *   opcode: Opcode.TEXT,
 *   payload: new TextEncoder().encode("Hello"),
 * };
 * console.log(frame.payload.length); // 5
 * ```
 */
export interface Frame {
  /** Final fragment of a message. */
  fin: boolean;
  /** Reserved bit 1 (used by permessage-deflate). */
  rsv1: boolean;
  /** Reserved bit 2. */
  rsv2: boolean;
  /** Reserved bit 3. */
  rsv3: boolean;
  /** The 4-bit opcode (see {@linkcode Opcode}). */
  opcode: number;
  /** The application data, unmasked. */
  payload: Uint8Array;
}

/**
 * Which end of the connection this code plays. A client masks what it sends and requires
 * unmasked frames from the server; a server the opposite.
 *
 * @example
 * ```ts
 * import { FrameDecoder, type Role } from "@wirely/wirely/codec";
 * const role: Role = "client";
 * const decoder = new FrameDecoder({ role }); // a client accepts only unmasked frames
 * decoder.push(new Uint8Array([0x81, 0x02, 0x48, 0x69]), (frame) => console.log(frame.payload)); // Uint8Array(2) [ 72, 105 ]
 * ```
 */
export type Role = "client" | "server";

/**
 * Fills `key` (4 bytes) with a masking key. The default is `crypto.getRandomValues`; tests
 * inject a fixed key to compare bytes.
 *
 * @example A fixed mask for reproducible bytes
 * ```ts
 * import type { MaskSource } from "@wirely/wirely/codec";
 * const fixed: MaskSource = (key) => key.set([0x37, 0xfa, 0x21, 0x3d]);
 * const key = new Uint8Array(4);
 * fixed(key);
 * console.log(key); // Uint8Array(4) [ 55, 250, 33, 61 ]
 * ```
 */
export type MaskSource = (key: Uint8Array) => void;
