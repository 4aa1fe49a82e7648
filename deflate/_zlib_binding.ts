/**
 * The `node:zlib` binding of permessage-deflate over a `node:zlib` module object handed in (a
 * type-only import: this file loads no Node module). `zlib.node.ts` binds the statically
 * imported module; a file that must not load Node modules at import time (`server/node_server.ts`,
 * exported by the Deno entry) binds the one `process.getBuiltinModule` gives when it is called.
 *
 * @module
 */

import type * as zlib from "node:zlib";
import type { DeflateBinding } from "../codec/permessage_deflate.ts";

/** Node refuses a larger `maxOutputLength` (the largest Buffer on 64-bit platforms). */
const MAX_OUTPUT = 2 ** 32;

function bytes(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** The parts of `node:zlib` the binding uses. */
export type ZlibModule = Pick<typeof zlib, "constants" | "deflateRawSync" | "inflateRawSync">;

/** A {@linkcode DeflateBinding} over `module` (see `zlibDeflate` in `zlib.node.ts`). */
export function zlibBinding(module: ZlibModule): DeflateBinding {
  const { constants, deflateRawSync, inflateRawSync } = module;
  return {
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
}

/**
 * The binding over the runtime's `node:zlib`, looked up when called (`process.getBuiltinModule`:
 * Node 20.16+, Deno, Bun), or `undefined` where there is none (then no compression).
 */
export function builtinZlibDeflate(): DeflateBinding | undefined {
  const process = (globalThis as {
    process?: { getBuiltinModule?: (name: string) => unknown };
  }).process;
  const module = process?.getBuiltinModule?.("node:zlib") as ZlibModule | undefined;
  return module === undefined ? undefined : zlibBinding(module);
}
