/**
 * The Bun binding: `serve()` on `Bun.serve` with Bun's own WebSockets (engine `"native"`, the
 * default in Bun), or the codec engine on `node:http` (`engine: "codec"`, loaded on demand).
 * The only server file that touches `Bun.*`. The per-request code is `bun_server.ts`.
 *
 * What Bun enforces itself and wirely cannot change: the request head is parsed by Bun (over
 * Bun's own header limit, 16 KiB by default, Bun answers 431; `handshake.maxHeadSize` is checked
 * after parsing), a slow head is bounded by Bun's HTTP idle timeout (whole seconds, set from
 * `handshake.timeout`), reading cannot be paused, and there is no permessage-deflate here.
 *
 * @module
 */

import { ServerCore } from "./core.ts";
import { bunServerOver } from "./bun_server.ts";
import type { BunServer, BunWebSocketHandler } from "./bun_types.ts";
import { toResponse } from "./_fetch_upgrade.ts";
import {
  defineServe,
  type ServedWebSocketServer,
  type ServeFunction,
  type ServeOptions,
} from "./serve.ts";
import { refusal } from "./upgrade.ts";
import { closeOnce } from "./_close_once.ts";
import { refuseDeflate } from "./_deflate.ts";
import { dialableUrl } from "./_binding.ts";

/** The part of the `Bun` namespace the binding uses. */
interface BunApi {
  serve(options: {
    port: number;
    hostname: string;
    tls?: { cert: string; key: string };
    idleTimeout: number;
    fetch(request: Request, server: BunServer): Promise<Response | undefined> | Response;
    websocket: BunWebSocketHandler;
  }): { port: number; hostname: string; stop(closeActiveConnections?: boolean): Promise<void> };
}

/** The `Bun` namespace, when this runtime is Bun. */
function bunApi(): BunApi | undefined {
  const api = (globalThis as { Bun?: BunApi }).Bun;
  return typeof api?.serve === "function" ? api : undefined;
}

/** Bun's HTTP idle timeout is whole seconds, 1 to 255. */
function idleSeconds(ms: number): number {
  return Math.min(255, Math.max(1, Math.ceil(ms / 1000)));
}

/** Starts `Bun.serve` with Bun's WebSockets, or the codec engine (loaded on demand). */
async function serveBun<Data>(options: ServeOptions<Data>): Promise<ServedWebSocketServer<Data>> {
  const api = bunApi();
  if (api === undefined || options.engine === "codec") {
    const { serve } = await import("./serve.node.ts");
    return await serve(options);
  }
  const { port = 8000, hostname = "0.0.0.0", cert, key, signal, path } = options;
  refuseDeflate(options as ServeOptions<unknown>, "serve on the native engine");
  const core = new ServerCore<Data>(options);
  const wss = bunServerOver(core);
  const server = api.serve({
    port,
    hostname,
    ...(cert !== undefined && key !== undefined ? { tls: { cert, key } } : {}),
    idleTimeout: idleSeconds(core.handshake.timeout),
    fetch(request, bun): Promise<Response | undefined> | Response {
      if (path !== undefined && new URL(request.url).pathname !== path) {
        return toResponse(refusal(404, "not found\n"));
      }
      return wss.upgrade(request, bun);
    },
    websocket: wss.websocket,
  });
  const addr = { hostname: server.hostname, port: server.port };
  const close = closeOnce(async () => {
    const stopped = server.stop(false);
    await core.close();
    await server.stop(true);
    await stopped;
  }, signal);
  return {
    clients: wss.clients,
    broadcast: wss.broadcast,
    close,
    [Symbol.asyncDispose]: close,
    addr,
    url: dialableUrl(cert !== undefined, addr.hostname, addr.port),
    engine: "native",
  };
}

/**
 * Starts a WebSocket server: in Bun on `Bun.serve` with Bun's WebSockets (engine `"native"`, the
 * default) or `node:http` (engine `"codec"`); elsewhere always `node:http` with the codec. See
 * {@linkcode ServeFunction} for the options and overloads.
 *
 * @example An echo server on a free port
 * ```ts
 * import { serve } from "@wirely/wirely/server";
 * const server = await serve({
 *   port: 0,
 *   hostname: "127.0.0.1",
 *   onMessage: (conn, message) => conn.send(message.data),
 * });
 * console.log(server.url.startsWith("ws://127.0.0.1:")); // true
 * await server.close();
 * ```
 */
export const serve: ServeFunction = defineServe(serveBun);
