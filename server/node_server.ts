/**
 * WebSocket upgrades on a `node:http` server you own: {@linkcode createWebSocketServer} and
 * {@linkcode attach}, and the handshake of one `upgrade` event (also used by `serve.node.ts`).
 * Only the objects Node hands over are used (type-only `node:*` imports): importing this file
 * loads no Node module, so the Deno entry can export it.
 *
 * @module
 */

import type * as http from "node:http";
import type * as https from "node:https";
import type { Socket as NetSocket } from "node:net";
import type { Duplex } from "node:stream";
import { builtinZlibDeflate } from "../deflate/_zlib_binding.ts";
import { ServerCore } from "./core.ts";
import type {
  AnyAuthenticateResult,
  AuthenticatedData,
  AuthenticatedOptions,
  ServerOptions,
  WebSocketServer,
} from "./types.ts";
import { refusal } from "./upgrade.ts";
import { NodeUpgradeRequest } from "./_node_socket.ts";
import { nodeHeadSize, noop, pathOf, upgradeSocket, writeRefusal } from "./_node_upgrade.ts";
import { serverHandle } from "./_binding.ts";

/**
 * Options of {@linkcode createWebSocketServer} and {@linkcode attach}.
 *
 * @example
 * ```ts
 * import type { NodeServerOptions } from "@wirely/wirely/server";
 * const options: NodeServerOptions = { path: "/ws", onMessage: (conn, m) => conn.send(m.data) };
 * console.log(options.path); // "/ws"
 * ```
 */
export interface NodeServerOptions<Data = undefined> extends ServerOptions<Data> {
  /** Only upgrades to this pathname are handled; others get 404 (`attach` leaves them alone when the HTTP server has another `upgrade` listener). @default undefined (every path) */
  path?: string;
}

/**
 * A server not bound to a listener: call {@linkcode NodeWebSocketServer.handleUpgrade} from
 * your own `upgrade` listener.
 *
 * @example Route an `http.Server`'s upgrades (declared, not run)
 * ```ts
 * import type { Server } from "node:http";
 * import type { NodeWebSocketServer } from "@wirely/wirely/server";
 * function route(http: Server, wss: NodeWebSocketServer): void {
 *   http.on("upgrade", (request, socket, head) => wss.handleUpgrade(request, socket, head));
 * }
 * console.log(typeof route); // function
 * ```
 */
export interface NodeWebSocketServer<Data = undefined> extends WebSocketServer<Data> {
  /**
   * Runs the handshake on a request from an `http.Server`'s `upgrade` event and, if accepted,
   * opens a connection; refusals are answered with their HTTP status.
   */
  handleUpgrade(request: http.IncomingMessage, socket: Duplex, head: Uint8Array): void;
}

/**
 * Creates a server without a listener (see the other overload), with the connections' `Data`
 * inferred from what `authenticate` returns (see {@linkcode AuthenticatedData}).
 *
 * @example
 * ```ts
 * import { createWebSocketServer } from "@wirely/wirely/server";
 * const wss = createWebSocketServer({
 *   authenticate: (request) => request.headers.has("x-user") ? { data: { id: 1 } } : false,
 *   onOpen: (conn) => console.log(conn.data.id),
 * });
 * await wss.close();
 * ```
 *
 * @typeParam Result The type `authenticate` returns.
 * @typeParam _Explicit Never given: it keeps explicit `<Data>` calls on the other overload.
 */
export function createWebSocketServer<Result extends AnyAuthenticateResult, _Explicit>(
  options: AuthenticatedOptions<Result, NodeServerOptions<AuthenticatedData<Result>>>,
): NodeWebSocketServer<AuthenticatedData<Result>>;
/**
 * Creates a server without a listener, for an existing `http.Server` (Express, Koa, ...):
 * call `handleUpgrade` from its `upgrade` event, or use {@linkcode attach}.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * import { createWebSocketServer } from "@wirely/wirely/server";
 * const wss = createWebSocketServer({ onMessage: (conn, message) => conn.send(message.data) });
 * const http = createServer((_req, res) => res.end("hello"));
 * http.on("upgrade", (req, socket, head) => wss.handleUpgrade(req, socket, head));
 * await wss.close();
 * ```
 */
export function createWebSocketServer<Data = undefined>(
  options?: NodeServerOptions<Data>,
): NodeWebSocketServer<Data>;
export function createWebSocketServer<Data = undefined>(
  options: NodeServerOptions<Data> = {},
): NodeWebSocketServer<Data> {
  // node:zlib is looked up now, not imported: the Deno entry exports this file.
  const core = new ServerCore<Data>(options, builtinZlibDeflate());
  return {
    ...serverHandle(core),
    handleUpgrade: (request, socket, head) => handleUpgrade(core, request, socket, head),
  };
}

/**
 * Accepts WebSocket upgrades on an existing server (see the other overload), with the
 * connections' `Data` inferred from what `authenticate` returns (see {@linkcode AuthenticatedData}).
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * import { attach } from "@wirely/wirely/server";
 * const wss = attach(createServer(), {
 *   authenticate: (request) => ({ data: { path: request.url.pathname } }),
 *   onOpen: (conn) => console.log(conn.data.path),
 * });
 * await wss.close();
 * ```
 *
 * @typeParam Result The type `authenticate` returns.
 * @typeParam _Explicit Never given: it keeps explicit `<Data>` calls on the other overload.
 */
export function attach<Result extends AnyAuthenticateResult, _Explicit>(
  server: http.Server | https.Server,
  options: AuthenticatedOptions<Result, NodeServerOptions<AuthenticatedData<Result>>>,
): NodeWebSocketServer<AuthenticatedData<Result>>;
/**
 * Accepts WebSocket upgrades on an existing `http.Server` or `https.Server`. `close()` stops
 * handling upgrades and closes the WebSocket connections; the HTTP server keeps running.
 *
 * With `path`, an upgrade to another path is answered 404, unless the server has another
 * `upgrade` listener when it arrives (yours, or a second `attach`): then it is left to that
 * listener.
 *
 * @example With a plain `node:http` server (Express: pass the value of `app.listen()`)
 * ```ts
 * import { createServer } from "node:http";
 * import { attach } from "@wirely/wirely/server";
 * const http = createServer((_req, res) => res.end("hello"));
 * const wss = attach(http, { path: "/ws", onMessage: (conn, message) => conn.send(message.data) });
 * await wss.close();
 * ```
 */
export function attach<Data = undefined>(
  server: http.Server | https.Server,
  options?: NodeServerOptions<Data>,
): NodeWebSocketServer<Data>;
export function attach<Data = undefined>(
  server: http.Server | https.Server,
  options: NodeServerOptions<Data> = {},
): NodeWebSocketServer<Data> {
  const wss = createWebSocketServer(options);
  const listener = (request: http.IncomingMessage, socket: Duplex, head: Uint8Array): void => {
    if (options.path !== undefined && pathOf(request.url ?? "/") !== options.path) {
      // Another upgrade listener of the app owns the other paths; without one, nobody would
      // answer and the client would wait out its connect timeout.
      if (server.listenerCount("upgrade") <= 1) writeRefusal(socket, refusal(404, "not found\n"));
      return;
    }
    wss.handleUpgrade(request, socket, head);
  };
  server.on("upgrade", listener);
  const close = (): Promise<void> => {
    server.off("upgrade", listener);
    return wss.close();
  };
  return { ...wss, close, [Symbol.asyncDispose]: close };
}

/** Handshake of one upgrade request from an `http.Server`, then the connection. */
export function handleUpgrade<Data>(
  core: ServerCore<Data>,
  request: http.IncomingMessage,
  duplex: Duplex,
  head: Uint8Array,
): void {
  const socket = duplex as NetSocket;
  if (socket.listenerCount("error") === 0) socket.on("error", noop);
  if (nodeHeadSize(request) > core.handshake.maxHeadSize) {
    writeRefusal(socket, refusal(431, "the request head is too large\n"));
    return;
  }
  let upgradeRequest: NodeUpgradeRequest;
  try {
    const { method = "GET", url = "/", rawHeaders } = request;
    upgradeRequest = new NodeUpgradeRequest(method, url, rawHeaders, socket);
  } catch {
    writeRefusal(socket, refusal(400, "malformed request\n"));
    return;
  }
  upgradeSocket(core, socket, head, upgradeRequest, request);
}
