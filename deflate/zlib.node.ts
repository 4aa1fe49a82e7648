/**
 * The `node:zlib` binding of permessage-deflate: one-shot, synchronous raw DEFLATE for
 * {@linkcode PerMessageDeflate} (Node, Deno and Bun all provide `node:zlib`). The only file of
 * the extension that touches `node:*`; the codec defines the interface.
 *
 * @module
 */

import { constants, deflateRawSync, inflateRawSync } from "node:zlib";
import type { DeflateBinding } from "../codec/permessage_deflate.ts";

/** Node refuses a larger `maxOutputLength` (the largest Buffer on 64-bit platforms). */
const MAX_OUTPUT = 2 ** 32;

function bytes(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * Raw DEFLATE from `node:zlib`: `deflateRawSync` with a sync flush, `inflateRawSync` with a
 * sync flush and `maxOutputLength` (zlib stops at the limit: about that many bytes are
 * allocated, never the whole inflated size). No context is kept between messages.
 *
 * @example
 * ```ts
 * import { zlibDeflate } from "./zlib.node.ts";
 * const packed = zlibDeflate.deflate(new TextEncoder().encode("Hello"), { windowBits: 15, level: 6, memLevel: 8 });
 * console.log(packed); // Uint8Array(11) [ 242, 72, 205, 201, 201, 7, 0, 0, 0, 255, 255 ]
 * ```
 */
export const zlibDeflate: DeflateBinding = {
  deflate(data, { windowBits, level, memLevel }): Uint8Array {
    return bytes(
      deflateRawSync(data, { windowBits, level, memLevel, finishFlush: constants.Z_SYNC_FLUSH }),
    );
  },
  inflate(data, { maxOutputLength }): Uint8Array | undefined {
    try {
      const out = inflateRawSync(data, {
        finishFlush: constants.Z_SYNC_FLUSH,
        maxOutputLength: Math.max(1, Math.min(maxOutputLength, MAX_OUTPUT)),
      });
      return out.length > maxOutputLength ? undefined : bytes(out);
    } catch (error) {
      if ((error as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") return undefined;
      throw error;
    }
  },
};
