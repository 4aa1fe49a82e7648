/**
 * The Deno binding: `serve()` with the codec engine on a `node:net` listener (the default,
 * `serve.node.ts`, loaded with a dynamic import only then: importing the Deno entry loads no
 * Node module), or on `Deno.serve`
 * with Deno's native sockets (`engine: "native"`). The only server file that touches `Deno.*`.
 *
 * Gaps of the native socket that wirely cannot fix because `Deno.serve` owns it (pick the
 * `"codec"` engine when they matter) are listed in docs/server.md beside the limit each affects,
 * and shown by `native_gaps_test.ts`: half-sent request heads never time out, refused sockets
 * stay open, no terminate once closing, no close frame for protocol errors, fragments joined
 * before `limits.maxFramesPerMessage` could count them, no ping API, no permessage-deflate, no pause.
 *
 * @module
 */

import { ServerCore } from "./core.ts";
import { refuseDeflate } from "./_deflate.ts";
import type { NativeWebSocket } from "./native_transport.ts";
import type { NativeRequestInfo } from "./native_server.ts";
import { nativeUpgrade } from "./_native_upgrade.ts";
import { BAD_URL, toResponse, urlOf } from "./_fetch_upgrade.ts";
import {
  defineServe,
  type ServedWebSocketServer,
  type ServeFunction,
  type ServeOptions,
} from "./serve.ts";
import { refusal } from "./upgrade.ts";
import { closeOnce } from "./_close_once.ts";
import { dialableUrl, serverHandle } from "./_binding.ts";

/** The part of the `Deno` namespace the native engine uses. */
export interface DenoApi {
  serve(
    options: {
      port: number;
      hostname: string;
      cert?: string;
      key?: string;
      onListen: () => void;
    },
    handler: (request: Request, info: NativeRequestInfo) => Response | Promise<Response>,
  ): { addr: { hostname: string; port: number }; shutdown(): Promise<void> };
  upgradeWebSocket(
    request: Request,
    options: { idleTimeout?: number },
  ): { socket: NativeWebSocket; response: Response };
}

/** The `Deno` namespace (for `native_server.ts`'s `upgradeWebSocket`). */
export function denoApi(): DenoApi {
  const api = (globalThis as { Deno?: DenoApi }).Deno;
  if (api === undefined) {
    throw new TypeError("Cannot use the native engine as it needs Deno: use the codec engine");
  }
  return api;
}

/** Whether this runtime is Deno (where the native engine exists). */
function inDeno(): boolean {
  const scope = globalThis as { Deno?: { upgradeWebSocket?: unknown } };
  return typeof scope.Deno?.upgradeWebSocket === "function";
}

/** Starts the codec engine (the default, loaded on demand), or `Deno.serve` with the native engine. */
async function serveDeno<Data>(options: ServeOptions<Data>): Promise<ServedWebSocketServer<Data>> {
  if (!inDeno()) {
    // This entry run by Bun directly (a .ts file): the Bun binding (node:http elsewhere).
    const { serve } = await import("./serve.bun.ts");
    return await serve(options);
  }
  if (options.engine !== "native") {
    // The default: the codec engine holds every limit and measures faster than Deno's native
    // sockets on small messages and broadcast (BENCHMARKS.md); node:http is loaded on demand.
    const { serve } = await import("./serve.node.ts");
    return await serve(options);
  }
  refuseDeflate(options as ServeOptions<unknown>, "serve on the native engine");
  const { port = 8000, hostname = "0.0.0.0", cert, key, signal, path } = options;
  const api = denoApi();
  const upgradeWebSocket = api.upgradeWebSocket.bind(api);
  const core = new ServerCore<Data>(options);
  const server = api.serve(
    { port, hostname, ...(cert !== undefined ? { cert, key } : {}), onListen: () => {} },
    (request, info) => {
      const url = urlOf(request);
      if (url === undefined) return toResponse(BAD_URL());
      if (path !== undefined && url.pathname !== path) {
        return toResponse(refusal(404, "not found\n"));
      }
      return nativeUpgrade(core, request, url, info.remoteAddr?.hostname, upgradeWebSocket);
    },
  );
  const addr = { hostname: server.addr.hostname, port: server.addr.port };
  // The closing handshakes first (new handshakes get 503 meanwhile), up to shutdownTimeout; then
  // Deno's shutdown, which also ends the sockets of peers that never answered (wirely cannot).
  const close = closeOnce(async () => {
    await core.close();
    await server.shutdown();
  }, signal);
  return {
    ...serverHandle(core, close),
    addr,
    url: dialableUrl(cert !== undefined, addr.hostname, addr.port),
    engine: "native",
  };
}

/**
 * Starts a WebSocket server: in Deno on `node:http` with wirely's codec (engine `"codec"`, the
 * default) or on `Deno.serve` with Deno's native sockets (engine `"native"`); in Bun on
 * `Bun.serve`; elsewhere always `node:http` with the codec. See
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
export const serve: ServeFunction = defineServe(serveDeno);
