/**
 * The `node:zlib` binding of permessage-deflate: one-shot, synchronous raw DEFLATE for
 * {@linkcode PerMessageDeflate} (Node, Deno and Bun all provide `node:zlib`). The only file of
 * the extension that touches `node:*`; the codec defines the interface.
 *
 * @module
 */

import * as zlib from "node:zlib";
import type { DeflateBinding } from "../codec/permessage_deflate.ts";
import { zlibBinding } from "./_zlib_binding.ts";

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
export const zlibDeflate: DeflateBinding = zlibBinding(zlib);
