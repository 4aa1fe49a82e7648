/**
 * The glue every runtime binding shares: the server handle, the request-head size, and the URL
 * a served server reports. (The refusal builder is `refusal()` in `upgrade.ts`; the accept key
 * is the codec's `computeAccept`.)
 *
 * @module
 */

import type { ServerCore } from "./core.ts";
import type { WebSocketServer } from "./types.ts";

/** `clients`, `broadcast` and `close` of a server over `core` (`close` defaults to the core's). */
export function serverHandle<Data>(
  core: ServerCore<Data>,
  close: () => Promise<void> = () => core.close(),
): WebSocketServer<Data> {
  return {
    clients: core.clients,
    broadcast: (data, options) => core.broadcast(data, options),
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * Bytes of a request head: the request line (`method`, target, `HTTP/1.1`), the header lines
 * (`fields`: their bytes with `: ` and CRLF) and the blank line.
 */
export function headSize(method: number, target: number, fields: number): number {
  return method + target + 14 + fields + 2;
}

/**
 * `ws://host:port/` (or `wss://`) for a bound address. A wildcard address (`0.0.0.0`, `::`)
 * accepts connections but cannot be dialled: it becomes the loopback address of its family
 * (`127.0.0.1`, `[::1]`). IPv6 addresses are bracketed.
 */
export function dialableUrl(tls: boolean, hostname: string, port: number): string {
  let host = hostname;
  if (host === "0.0.0.0" || host === "") host = "127.0.0.1";
  else if (host === "::" || host === "[::]" || /^(0*:)+0*$/.test(host)) host = "::1";
  if (host.includes(":") && !host.startsWith("[")) host = `[${host}]`;
  return `${tls ? "wss" : "ws"}://${host}:${port}/`;
}
