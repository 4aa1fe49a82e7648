/**
 * One port for the page and the WebSocket, on either engine: in Deno `Deno.serve` with
 * wirely's `createNativeServer` (engine `native`, the default); in Node, or in Deno with
 * `--engine codec`, `node:http` with wirely's `attach`. The only example file that touches
 * `Deno.*` or `node:http`.
 *
 * @module
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  attach,
  createNativeServer,
  type NativeRequestInfo,
  type ServerEngine,
  type ServerOptions,
  type WebSocketServer,
} from "../../server/mod.ts";

/** A static file: its content type and body. */
export interface StaticFile {
  type: string;
  body: string;
}

/** What {@linkcode listen} needs. */
export interface ListenOptions<Data> {
  /** TCP port; `0` picks a free one. */
  port: number;
  /** Interface to listen on. */
  hostname: string;
  /** `native` (Deno only) or `codec`. */
  engine: ServerEngine;
  /** Static files by pathname (`/`, `/page.js`, ...). */
  files: ReadonlyMap<string, StaticFile>;
  /** The WebSocket route (`/ws`) and its server options. */
  wsPath: string;
  ws: ServerOptions<Data>;
}

/** A running example server. */
export interface Listening<Data> {
  wss: WebSocketServer<Data>;
  port: number;
  engine: ServerEngine;
  close(): Promise<void>;
}

interface DenoServe {
  serve(
    options: { port: number; hostname: string; onListen: () => void },
    handler: (request: Request, info: NativeRequestInfo) => Response | Promise<Response>,
  ): { addr: { port: number }; shutdown(): Promise<void> };
}

const NOT_FOUND: StaticFile = { type: "text/plain; charset=utf-8", body: "not found\n" };

/** Starts the HTTP server with the static files and the WebSocket route. */
export async function listen<Data>(options: ListenOptions<Data>): Promise<Listening<Data>> {
  const deno = (globalThis as { Deno?: DenoServe }).Deno;
  if (options.engine === "native" && deno !== undefined) return listenDeno(deno, options);
  return await listenNode(options);
}

function listenDeno<Data>(deno: DenoServe, options: ListenOptions<Data>): Listening<Data> {
  const wss = createNativeServer(options.ws);
  const server = deno.serve(
    { port: options.port, hostname: options.hostname, onListen: () => {} },
    (request, info) => {
      const path = new URL(request.url).pathname;
      if (path === options.wsPath) return wss.upgrade(request, info);
      const file = options.files.get(path);
      const status = file === undefined ? 404 : 200;
      const { type, body } = file ?? NOT_FOUND;
      return new Response(body, { status, headers: { "content-type": type } });
    },
  );
  return {
    wss,
    port: server.addr.port,
    engine: "native",
    close: async () => {
      const stopped = server.shutdown();
      await wss.close();
      await stopped;
    },
  };
}

async function listenNode<Data>(options: ListenOptions<Data>): Promise<Listening<Data>> {
  const http = createServer((request, response: ServerResponse) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    const file = options.files.get(path);
    response.writeHead(file === undefined ? 404 : 200, {
      "content-type": (file ?? NOT_FOUND).type,
    });
    response.end((file ?? NOT_FOUND).body);
  });
  const wss = attach(http, { ...options.ws, path: options.wsPath });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port, options.hostname, () => resolve());
  });
  return {
    wss,
    port: (http.address() as AddressInfo).port,
    engine: "codec",
    close: async () => {
      const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
      await wss.close();
      http.closeAllConnections();
      await stopped;
    },
  };
}
