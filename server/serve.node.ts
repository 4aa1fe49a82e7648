/**
 * The Node binding: `serve()` on `node:http` (or `node:https`), framed by wirely's codec over
 * the raw socket. Works in Node, in Bun, and in Deno (its `"codec"` engine, loaded on demand).
 * The only server file that imports a `node:*` module.
 *
 * @module
 */

import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { zlibDeflate } from "../deflate/zlib.node.ts";
import { ServerCore } from "./core.ts";
import {
  defineServe,
  type ServedWebSocketServer,
  type ServeFunction,
  type ServeOptions,
} from "./serve.ts";
import { refusal } from "./upgrade.ts";
import { handleUpgrade, noop, pathOf, plainRequestRefusal, writeRefusal } from "./node_server.ts";
import { closeOnce } from "./_close_once.ts";
import { dialableUrl, serverHandle } from "./_binding.ts";

const destroy = (socket: Duplex): void => void socket.destroy();

/**
 * Starts the codec engine on `node:http` (or `node:https` with `cert` and `key`); called by
 * `serve()` (which checked the options). Plain HTTP requests get the codec's refusal (400/405),
 * other paths 404 when `path` is set. A client has `handshake.timeout` ms to send its
 * request head; heads over `handshake.maxHeadSize` get 431.
 */
async function serveCodec<Data>(
  options: ServeOptions<Data>,
): Promise<ServedWebSocketServer<Data>> {
  const { port = 8000, hostname = "0.0.0.0", cert, key, signal, path } = options;
  const core = new ServerCore<Data>(options, zlibDeflate);
  const { timeout: handshakeTimeout, maxHeadSize } = core.handshake;
  const tls = cert !== undefined;
  const serverOptions = { maxHeaderSize: maxHeadSize === Infinity ? undefined : maxHeadSize };
  const server: http.Server = tls
    ? https.createServer({ ...serverOptions, cert, key, handshakeTimeout })
    : http.createServer(serverOptions);
  const sockets = new Set<Duplex>();
  const headTimers = new Map<Duplex, ReturnType<typeof setTimeout>>();
  const disarm = (socket: Duplex): void => {
    clearTimeout(headTimers.get(socket));
    headTimers.delete(socket);
  };
  // One listener function for every socket (none created per connection).
  function forget(this: Duplex): void {
    sockets.delete(this);
    disarm(this);
  }
  server.on(tls ? "secureConnection" : "connection", (socket: Duplex) => {
    sockets.add(socket);
    socket.on("error", noop);
    socket.on("close", forget);
    headTimers.set(socket, setTimeout(destroy, handshakeTimeout, socket));
  });
  server.on("request", (request: http.IncomingMessage, response: http.ServerResponse) => {
    disarm(request.socket);
    const answer = path !== undefined && pathOf(request) !== path
      ? refusal(404, "not found\n")
      : core.closing
      ? refusal(503, "the server is shutting down\n")
      : plainRequestRefusal(request);
    response.writeHead(answer.status, answer.reason, Object.fromEntries(answer.headers));
    response.end(answer.body);
  });
  server.on("upgrade", (request: http.IncomingMessage, socket: Duplex, head: Uint8Array) => {
    // From here the core tracks the socket (a handshake, then a connection).
    disarm(socket);
    sockets.delete(socket);
    socket.off("close", forget);
    if (path !== undefined && pathOf(request) !== path) {
      writeRefusal(socket, refusal(404, "not found\n"));
    } else {
      handleUpgrade(core, request, socket, head);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (error) => core.reportError(error, undefined));
  const address = server.address() as AddressInfo;
  const addr = { hostname: address.address, port: address.port };
  const close = closeOnce(async () => {
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    await core.close();
    for (const socket of sockets) socket.destroy();
    server.closeAllConnections?.();
    await stopped;
  }, signal);
  return {
    ...serverHandle(core, close),
    addr,
    url: dialableUrl(tls, addr.hostname, addr.port),
    engine: "codec",
  };
}

/**
 * Starts a WebSocket server on `node:http` with wirely's codec (the Node and Bun binding; see
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
