/**
 * Reading Node's plain TCP sockets into one buffer shared by every connection, instead of the
 * fresh 64 KiB buffer (an `ArrayBuffer`, a `Buffer` and a stream `push`) Node makes for each
 * read. Node 24's V8 answers the external memory of those buffers with full mark-compact
 * collections (one every ~64 MB read, where Node 20 and 22 free them in scavenges and Node 26
 * mostly does), which made large messages a fifth slower on Node 24 than on Node 20; with one
 * buffer the reads allocate nothing (see BENCHMARKS.md).
 *
 * Node offers this as the `onread` option of `net.connect` only, not for the sockets a server
 * accepts; the mechanism behind that option is the same for both: the handle's
 * `useUserBuffer()` and two symbol-keyed fields of the socket (`kBuffer`, `kBufferCb`), which
 * Node's read callback looks at on every read. This module sets those on an accepted socket, on
 * Node only (Deno and Bun have their own `node:net`), and only when every one of them is present
 * as expected; otherwise the socket keeps its `data` events. The codec copies what it keeps of
 * each chunk (`ByteSocket.reusesReadBuffer`), so reusing the buffer is safe: Node runs one read
 * callback at a time, and the chunk is consumed before it returns.
 *
 * @module
 */

import type { Socket as NetSocket } from "node:net";

/** Bytes of the shared read buffer: what Node asks libuv to read at most (64 KiB). */
const READ_SIZE = 65_536;

/** The handle of a `node:net` socket, as far as this module uses it. */
interface StreamHandle {
  useUserBuffer?: (buffer: Uint8Array) => void;
}

/** The fields of a Node socket this module reads and sets. */
type NodeInternals = NetSocket & {
  _handle?: StreamHandle | null;
  encrypted?: boolean;
  [key: symbol]: unknown;
};

/** Node's own runtime (not Deno's or Bun's `node:net`, which have no such handle). */
const IS_NODE: boolean = (() => {
  const runtime = globalThis as {
    process?: { versions?: { node?: string } };
    Deno?: unknown;
    Bun?: unknown;
  };
  return typeof runtime.process?.versions?.node === "string" && runtime.Deno === undefined &&
    runtime.Bun === undefined;
})();

/** Node's `kBuffer` and `kBufferCb` symbols, found on the first socket that has them. */
let symbols: { buffer: symbol; callback: symbol } | null | undefined;

/** The buffer every socket read goes into (made on first use, never released: libuv holds it). */
let shared: Uint8Array | undefined;

/** Finds Node's two symbols among the socket's own keys (`null`: not there). */
function findSymbols(socket: NodeInternals): { buffer: symbol; callback: symbol } | null {
  let buffer: symbol | undefined;
  let callback: symbol | undefined;
  for (const key of Object.getOwnPropertySymbols(socket)) {
    if (key.description === "kBuffer") buffer = key;
    else if (key.description === "kBufferCb") callback = key;
  }
  return buffer !== undefined && callback !== undefined ? { buffer, callback } : null;
}

/**
 * Whether `socket` can read into the shared buffer: Node, a plain TCP socket with its handle,
 * nothing buffered in its stream, and Node's fields present and unset.
 */
export function canShareReads(socket: NetSocket): boolean {
  if (!IS_NODE) return false;
  const internals = socket as NodeInternals;
  if (internals.encrypted === true || internals.readableLength !== 0) return false;
  if (typeof internals._handle?.useUserBuffer !== "function") return false;
  if (symbols === undefined) symbols = findSymbols(internals);
  return symbols !== null && Object.hasOwn(internals, symbols.buffer) &&
    Object.hasOwn(internals, symbols.callback) && internals[symbols.buffer] == null &&
    internals[symbols.callback] == null;
}

/**
 * Makes every later read of `socket` call `onRead` with the socket as `this`, the number of
 * bytes read and the shared buffer that holds them (valid only during the call). Call only when
 * {@linkcode canShareReads} says so, in the same task. The socket's `end` and `close` events are
 * unchanged, and `pause()`/`resume()` stop and start its reads as before.
 */
export function shareReads(
  socket: NetSocket,
  onRead: (this: NetSocket, length: number, buffer: Uint8Array) => void,
): void {
  const internals = socket as NodeInternals;
  const buffer = shared ??= allocateShared();
  internals[symbols!.buffer] = buffer;
  internals[symbols!.callback] = onRead;
  internals._handle!.useUserBuffer!(buffer);
}

/** The shared buffer, as a `Buffer` (what `useUserBuffer` requires). */
function allocateShared(): Uint8Array {
  const { Buffer } = globalThis as unknown as {
    Buffer: { allocUnsafeSlow(size: number): Uint8Array };
  };
  return Buffer.allocUnsafeSlow(READ_SIZE);
}
