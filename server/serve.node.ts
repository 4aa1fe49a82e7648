/**
 * The Node binding: `serve()` on a `node:net` (or `node:tls`) listener, with wirely's codec for
 * the request head and the frames. Works in Node, in Bun, and in Deno (its `"codec"` engine, loaded on demand).
 * The only server file that imports a `node:*` module.
 *
 * @module
 */

import * as net from "node:net";
import * as tls from "node:tls";
import { zlibDeflate } from "../deflate/zlib.node.ts";
import { ServerCore } from "./core.ts";
import {
  defineServe,
  type ServedWebSocketServer,
  type ServeFunction,
  type ServeOptions,
} from "./serve.ts";
import { HeadReader } from "./_head_reader.ts";
import { closeOnce } from "./_close_once.ts";
import { dialableUrl, serverHandle } from "./_binding.ts";

/**
 * Starts the codec engine on a `node:net` listener (or `node:tls` with `cert` and `key`); called
 * by `serve()` (which checked the options). Request heads are read by the codec's
 * `HttpHeadParser` (`_head_reader.ts`), without Node's `http` layer: a client has
 * `handshake.timeout` ms to send its head (after the TLS handshake, which has the same timeout);
 * heads over `handshake.maxHeadSize` get 431; plain HTTP requests get the codec's refusal (400/405/426),
 * other paths 404 when `path` is set; every answer but the 101 closes the connection.
 */
async function serveCodec<Data>(
  options: ServeOptions<Data>,
): Promise<ServedWebSocketServer<Data>> {
  const { port = 8000, hostname = "0.0.0.0", cert, key, signal, path } = options;
  const core = new ServerCore<Data>(options, zlibDeflate);
  const reader = new HeadReader(core, path);
  const tlsServer = cert !== undefined;
  const accept = (socket: net.Socket): void => reader.accept(socket);
  // Nagle's algorithm off as each socket is accepted (Node sets it on the new handle directly).
  const server: net.Server = tlsServer
    ? tls.createServer(
      { cert, key, handshakeTimeout: core.handshake.timeout, noDelay: true },
      accept,
    )
    : net.createServer({ noDelay: true }, accept);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (error) => core.reportError(error, undefined));
  // A failed TLS handshake (or a client gone before it ended) only loses that socket.
  if (tlsServer) server.on("tlsClientError", (_error, socket) => socket.destroy());
  const address = server.address() as net.AddressInfo;
  const addr = { hostname: address.address, port: address.port };
  const close = closeOnce(async () => {
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    await core.close();
    for (const socket of reader.sockets) socket.destroy();
    await stopped;
  }, signal);
  return {
    ...serverHandle(core, close),
    addr,
    url: dialableUrl(tlsServer, addr.hostname, addr.port),
    engine: "codec",
  };
}

/**
 * Starts a WebSocket server on `node:net` with wirely's codec (the Node and Bun binding; see
 * {@linkcode ServeFunction} for the options and overloads).
 *
 * @example An echo server on a free port
 * ```ts
 * import { serve } from "@wirely/wirely/server";
 * const server = await serve({
 *   port: 0,
 *   hostname: "127.0.0.1",
 *   engine: "codec",
 *   onMessage: (conn, message) => conn.send(message.data),
 * });
 * await server.close();
 * ```
 */
export const serve: ServeFunction = defineServe(serveCodec);
