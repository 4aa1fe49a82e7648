/**
 * Real peers of the client tests: `ws` servers, raw TCP servers (silent, or a hand-made
 * handshake), and clients and servers closed after the tests. Named `_test.ts` so it is never
 * published; it holds no tests.
 *
 * @module
 */

import { createServer, type Server, type Socket } from "node:net";
import type WebSocket from "ws";
import { WebSocketServer } from "ws";
import { acceptResponseHeaders } from "../codec/handshake.ts";
import { HttpHeadParser } from "../codec/http_head.ts";
import { writeResponseHead } from "../codec/http_write.ts";
import { WirelyClient } from "./client.ts";
import type { WirelyClientOptions } from "./options.ts";
import { within } from "./_helpers_test.ts";

/** A `ws` server on 127.0.0.1 with a per-connection behaviour. */
export interface TestServer {
  readonly port: number;
  readonly url: string;
  readonly wss: WebSocketServer;
  /** Text messages received, over every connection, in order. */
  readonly received: string[];
  /** Connections accepted so far, by request path. */
  readonly connections: string[];
  /** Stops listening and drops every connection at once (no close frame). */
  kill(): Promise<void>;
}

/** What a test server does with a new connection: `echo` unless told otherwise. */
export type ServerBehaviour = (socket: WebSocket, path: string, server: TestServer) => void;

/** Echoes every message, with its type. */
export const echo: ServerBehaviour = (socket: WebSocket): void => {
  socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
};

/** Options of {@linkcode startServer}. */
export interface TestServerOptions {
  /** Subprotocols the server accepts, first match wins; none by default. */
  protocols?: string[];
  /** Refuse every handshake with this HTTP status. */
  refuseWith?: number;
}

/** Starts a `ws` server on `port` (0: any free port). */
export async function startServer(
  behaviour: ServerBehaviour = echo,
  port = 0,
  options: TestServerOptions = {},
): Promise<TestServer> {
  const { protocols, refuseWith } = options;
  const wss = new WebSocketServer({
    host: "127.0.0.1",
    port,
    handleProtocols: protocols === undefined
      ? undefined
      : (offered) => protocols.find((name) => offered.has(name)) ?? false,
    verifyClient: refuseWith === undefined
      ? undefined
      : (_info, callback) => callback(false, refuseWith),
  });
  await within(
    new Promise<void>((resolve, reject) => {
      wss.once("listening", resolve);
      wss.once("error", reject);
    }),
    2_000,
    "the test server to listen",
  );
  const address = wss.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  const received: string[] = [];
  const connections: string[] = [];
  const server: TestServer = {
    port: address.port,
    url: `ws://127.0.0.1:${address.port}`,
    wss,
    received,
    connections,
    kill: () =>
      within(
        new Promise<void>((resolve) => {
          for (const client of wss.clients) client.terminate();
          wss.close(() => resolve());
        }),
        2_000,
        "the test server to stop",
      ),
  };
  wss.on("connection", (socket, request) => {
    const path = request.url ?? "/";
    connections.push(path);
    socket.on("message", (data, isBinary) => {
      if (!isBinary) received.push(data.toString());
    });
    behaviour(socket, path, server);
  });
  return server;
}

/** A plain TCP server on 127.0.0.1 that destroys every socket it holds when stopped. */
export interface RawServer {
  readonly port: number;
  readonly url: string;
  /** Drops every connection (no close frame) and stops listening. */
  stop(): Promise<void>;
}

/** Listens on a free port and hands each new socket, its errors ignored, to `onSocket`. */
async function listenTcp(
  name: string,
  path: string,
  onSocket: (socket: Socket) => void,
): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    onSocket(socket);
  });
  await within(
    new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)),
    2_000,
    `the ${name} server to listen`,
  );
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    port: address.port,
    url: `ws://127.0.0.1:${address.port}${path}`,
    stop: () =>
      within(
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          server.close(() => resolve());
        }),
        2_000,
        `the ${name} server to stop`,
      ),
  };
}

/** A TCP server that accepts connections and never answers (for connect timeouts). */
export async function startSilentServer(): Promise<RawServer & { accepted: () => number }> {
  let accepted = 0;
  const server = await listenTcp("silent", "", () => accepted++);
  return { ...server, accepted: () => accepted };
}

/**
 * A TCP server that completes the WebSocket handshake by hand, then hands the socket to
 * `onOpen` with a function that returns every byte received after the handshake.
 */
export function startRawServer(
  onOpen: (socket: Socket, received: () => Uint8Array) => void,
): Promise<RawServer> {
  return listenTcp("raw", "/", (socket) => {
    const parser = new HttpHeadParser("request");
    const after: Uint8Array[] = [];
    let opened = false;
    socket.on("data", async (chunk: Uint8Array) => {
      if (opened) {
        after.push(new Uint8Array(chunk));
        return;
      }
      const head = parser.push(chunk);
      if (head === undefined) return;
      opened = true;
      const headers = await acceptResponseHeaders(head.headers.get("sec-websocket-key") ?? "");
      socket.write(writeResponseHead(101, "Switching Protocols", headers));
      onOpen(socket, () => Uint8Array.from(after.flatMap((part) => [...part])));
    });
  });
}

/** Short real delays for clients of real servers: tests never wait longer than needed. */
export const FAST_RETRY: WirelyClientOptions = {
  backoff: { baseDelay: 5, maxDelay: 20 },
  closeTimeout: 1_000,
};

/** Clients and `ws` servers of a test file, all closed by {@linkcode Tracked.cleanup}. */
export interface Tracked {
  /** A client with the defaults under `options`, closed by `cleanup()` if still open. */
  client(
    url: ConstructorParameters<typeof WirelyClient>[0],
    options?: WirelyClientOptions,
  ): WirelyClient;
  /** {@linkcode startServer}, killed by `cleanup()`. */
  server(
    behaviour?: ServerBehaviour,
    port?: number,
    options?: TestServerOptions,
  ): Promise<TestServer>;
  /** Closes every client not closed yet, then kills every server; for `after`. */
  cleanup(): Promise<void>;
}

/** Starts tracking clients (made with `defaults`) and servers. */
export function track(defaults: WirelyClientOptions = {}): Tracked {
  const clients: WirelyClient[] = [];
  const servers: TestServer[] = [];
  return {
    client: (url, options = {}) => {
      const created = new WirelyClient(url, { ...defaults, ...options });
      clients.push(created);
      return created;
    },
    server: async (behaviour, port, options) => {
      const server = await startServer(behaviour, port, options);
      servers.push(server);
      return server;
    },
    cleanup: async () => {
      for (const c of clients) if (c.state !== "closed") c.close();
      for (const server of servers) await server.kill().catch(() => {});
    },
  };
}
