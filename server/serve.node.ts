/**
 * The `node:http` binding: accepts upgrades on the `upgrade` event and frames with wirely's codec
 * over the raw socket. Works in Node and in Deno (through its `node:http` compatibility).
 * The only server file that touches `node:*`.
 *
 * @module
 */

import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo, Socket as NetSocket } from "node:net";
import type { Duplex } from "node:stream";
import { HandshakeError } from "../codec/errors.ts";
import { handshakeErrorResponse, validateUpgradeRequest } from "../codec/handshake.ts";
import { writeResponseHead } from "../codec/http_write.ts";
import { ServerCore } from "./core.ts";
import type { ServedWebSocketServer, ServeOptions } from "./serve.ts";
import type {
  ServerOptions,
  Socket,
  SocketHandlers,
  UpgradeRequest,
  WebSocketServer,
} from "./types.ts";
import { type Refusal, refusal } from "./upgrade.ts";
import { closeOnce } from "./_close_once.ts";

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
  /** Only upgrades to this pathname are handled (`attach` leaves others to other listeners; `serve` answers 404). @default undefined (every path) */
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

const noop = (): void => {};

/** Adapts a `node:net` socket to the runtime-neutral {@linkcode Socket}. */
class NodeSocket implements Socket {
  readonly #socket: NetSocket;
  /** Bytes read with the request head; released once delivered (a view of the read buffer). */
  #head: Uint8Array | undefined;

  constructor(socket: NetSocket, head: Uint8Array) {
    this.#socket = socket;
    this.#head = head;
  }

  get bufferedAmount(): number {
    return this.#socket.writableLength;
  }

  write(chunks: readonly Uint8Array[]): boolean {
    const socket = this.#socket;
    if (chunks.length === 1) return socket.write(chunks[0]!);
    socket.cork();
    let ok = true;
    for (const chunk of chunks) ok = socket.write(chunk);
    socket.uncork();
    return ok;
  }

  end(): void {
    this.#socket.end();
  }

  destroy(): void {
    this.#socket.destroy();
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  listen(handlers: SocketHandlers): void {
    const socket = this.#socket;
    if (socket.destroyed) {
      queueMicrotask(() => handlers.close());
      return;
    }
    socket.on("close", () => handlers.close());
    socket.on("drain", () => handlers.drain());
    // Data flows from the next microtask, after onOpen ran: first the bytes read with the head.
    queueMicrotask(() => {
      if (socket.destroyed) return;
      const head = this.#head;
      this.#head = undefined;
      if (head !== undefined && head.length > 0) handlers.data(head);
      socket.on("data", (chunk: Uint8Array) => handlers.data(chunk));
      socket.on("end", () => handlers.end());
    });
  }
}

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
  options: NodeServerOptions<Data> = {},
): NodeWebSocketServer<Data> {
  const core = new ServerCore<Data>(options);
  return {
    clients: core.clients,
    broadcast: (data, broadcastOptions) => core.broadcast(data, broadcastOptions),
    handleUpgrade: (request, socket, head) => handleUpgrade(core, request, socket, head),
    close: () => core.close(),
    [Symbol.asyncDispose]: () => core.close(),
  };
}

/**
 * Accepts WebSocket upgrades on an existing `http.Server` or `https.Server`. `close()` stops
 * handling upgrades and closes the WebSocket connections; the HTTP server keeps running.
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
  options: NodeServerOptions<Data> = {},
): NodeWebSocketServer<Data> {
  const wss = createWebSocketServer(options);
  const listener = (request: http.IncomingMessage, socket: Duplex, head: Uint8Array): void => {
    if (options.path !== undefined && pathOf(request) !== options.path) return;
    wss.handleUpgrade(request, socket, head);
  };
  server.on("upgrade", listener);
  const close = (): Promise<void> => {
    server.off("upgrade", listener);
    return wss.close();
  };
  return { ...wss, close, [Symbol.asyncDispose]: close };
}

/**
 * Starts the codec engine on `node:http` (or `node:https` with `cert` and `key`); called by
 * `serve()` (which checked the options). Plain HTTP requests get the codec's refusal (400/405),
 * other paths 404 when `path` is set. A client has `handshakeTimeout` ms to send its request
 * head; heads over `maxHeadSize` get 431.
 */
export async function serveCodec<Data>(
  options: ServeOptions<Data>,
): Promise<ServedWebSocketServer<Data>> {
  const { port = 8000, hostname = "0.0.0.0", cert, key, signal, path } = options;
  const core = new ServerCore<Data>(options);
  const { handshakeTimeout, maxHeadSize } = core.limits;
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
  server.on(tls ? "secureConnection" : "connection", (socket: Duplex) => {
    sockets.add(socket);
    socket.on("error", noop);
    socket.on("close", () => {
      sockets.delete(socket);
      disarm(socket);
    });
    headTimers.set(socket, setTimeout(() => socket.destroy(), handshakeTimeout));
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
    disarm(socket);
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
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  const close = closeOnce(async () => {
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    await core.close();
    for (const socket of sockets) socket.destroy();
    server.closeAllConnections?.();
    await stopped;
  }, signal);
  return {
    addr,
    url: `${tls ? "wss" : "ws"}://${host}:${addr.port}/`,
    engine: "codec",
    clients: core.clients,
    broadcast: (data, broadcastOptions) => core.broadcast(data, broadcastOptions),
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Handshake of one upgrade request, then the connection. */
function handleUpgrade<Data>(
  core: ServerCore<Data>,
  request: http.IncomingMessage,
  duplex: Duplex,
  head: Uint8Array,
): void {
  const socket = duplex as NetSocket;
  socket.on("error", noop);
  if (headSize(request) > core.limits.maxHeadSize) {
    writeRefusal(socket, refusal(431, "the request head is too large\n"));
    return;
  }
  let upgradeRequest: UpgradeRequest;
  try {
    upgradeRequest = toUpgradeRequest(request, socket);
  } catch {
    writeRefusal(socket, refusal(400, "malformed request\n"));
    return;
  }
  let aborted = false;
  const abort = (): void => {
    aborted = true;
    socket.destroy();
  };
  const done = core.trackHandshake(abort);
  // Only `authenticate` can make the decision wait: no timer per handshake without it.
  const timer = core.hasAuthenticate ? setTimeout(abort, core.limits.handshakeTimeout) : undefined;
  core.negotiate(upgradeRequest).then((decision) => {
    clearTimeout(timer);
    if (aborted || socket.destroyed) return;
    if (!decision.accept) {
      writeRefusal(socket, decision);
      return;
    }
    socket.setNoDelay(true);
    socket.setTimeout(0);
    socket.write(switchingProtocols(decision.headers), "latin1");
    core.open(new NodeSocket(socket, head), upgradeRequest, decision.protocol, decision.data);
  }).catch((error) => {
    core.reportError(error, undefined);
    socket.destroy();
  }).finally(done);
}

/**
 * The 101 head as a string (Node writes it without a copy into a byte array). The fields come
 * from the codec's `acceptResponseHeaders`, which checked them (tokens and base64 only).
 */
function switchingProtocols(headers: Headers): string {
  let head = "HTTP/1.1 101 Switching Protocols\r\n";
  headers.forEach((value, name) => {
    head += `${name}: ${value}\r\n`;
  });
  return head + "\r\n";
}

/** Answers and closes: the socket is destroyed once the answer is flushed. */
function writeRefusal(socket: Duplex, answer: Refusal): void {
  if (socket.destroyed) return;
  socket.once("finish", () => socket.destroy());
  socket.write(writeResponseHead(answer.status, answer.reason, answer.headers));
  socket.end(answer.body);
}

/** The codec's answer to a request that is not an upgrade (400, 405, ...). */
function plainRequestRefusal(request: http.IncomingMessage): Refusal {
  try {
    validateUpgradeRequest({ method: request.method ?? "GET", headers: headersOf(request) });
  } catch (error) {
    if (error instanceof HandshakeError) return { accept: false, ...handshakeErrorResponse(error) };
  }
  return refusal(400, "expected a WebSocket upgrade\n");
}

function toUpgradeRequest(request: http.IncomingMessage, socket: NetSocket): UpgradeRequest {
  const headers = headersOf(request);
  const scheme = "encrypted" in socket && socket.encrypted ? "https" : "http";
  let url: URL;
  try {
    url = new URL(request.url ?? "/", `${scheme}://${headers.get("host") ?? "localhost"}`);
  } catch {
    url = new URL(request.url ?? "/", `${scheme}://localhost`);
  }
  return { method: request.method ?? "GET", url, headers, remoteAddress: socket.remoteAddress };
}

function headersOf(request: http.IncomingMessage): Headers {
  const headers = new Headers();
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return headers;
}

/** Bytes of the request head as sent (request line, header lines, blank line). */
function headSize(request: http.IncomingMessage): number {
  let size = (request.method?.length ?? 0) + (request.url?.length ?? 0) + 14;
  for (const field of request.rawHeaders) size += field.length + 2;
  return size + 2;
}

function pathOf(request: http.IncomingMessage): string {
  const target = request.url ?? "/";
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}
