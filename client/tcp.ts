/**
 * The codec transport for {@linkcode WirelyClient}: wirely's own handshake and framing over
 * TCP/TLS (`node:net` / `node:tls`), for Node 20 (which has no global `WebSocket`) and for
 * features the WebSocket API lacks: custom request headers, real ping frames, an exact
 * `bufferedAmount`. A separate entry so that `@wirely/wirely/client` never pulls `node:*` into
 * a browser bundle: pass `transport: tcpTransport()` to use it.
 *
 * @example A client on Node 20, with a header and real pings
 * ```ts ignore
 * import { opened, sendJson, WirelyClient } from "@wirely/wirely/client";
 * import { tcpTransport } from "@wirely/wirely/client/tcp";
 * const client = new WirelyClient("wss://example.com/live", {
 *   transport: tcpTransport({ headers: { authorization: "Bearer t0k3n" } }),
 * });
 * await opened(client);
 * sendJson(client, { subscribe: "prices" });
 * ```
 *
 * @module
 */

export { tcpTransport, type TcpTransportOptions } from "./tcp_transport.node.ts";
export { ProxyError } from "./_proxy.ts";
