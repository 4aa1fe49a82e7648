/**
 * Deno's native sockets behind your own fetch-style handler: {@linkcode createNativeServer} and
 * {@linkcode upgrade}. The handshake of one request (also used by `serve.deno.ts`) is in
 * `_native_upgrade.ts`: the codec's checks BEFORE `Deno.upgradeWebSocket` (reached through
 * `serve.deno.ts`), which on its own accepts requests the RFC refuses.
 *
 * @module
 */

import { ServerCore } from "./core.ts";
import { refuseDeflate } from "./_deflate.ts";
import { nativeUpgrade } from "./_native_upgrade.ts";
import { BAD_URL, toResponse, urlOf } from "./_fetch_upgrade.ts";
import { denoApi } from "./serve.deno.ts";
import type {
  AnyAuthenticateResult,
  AuthenticatedData,
  AuthenticatedOptions,
  ServerOptions,
  WebSocketServer,
} from "./types.ts";
import { serverHandle } from "./_binding.ts";

/**
 * What {@linkcode upgrade} reads from `Deno.serve`'s second handler argument: the peer's
 * address (becomes `ServerConnection.remoteAddress`).
 *
 * @example
 * ```ts
 * import type { NativeRequestInfo } from "@wirely/wirely/server";
 * const info: NativeRequestInfo = { remoteAddr: { hostname: "127.0.0.1" } };
 * console.log(info.remoteAddr?.hostname); // 127.0.0.1
 * ```
 */
export interface NativeRequestInfo {
  /** The peer's address. @default undefined (unknown) */
  remoteAddr?: { hostname?: string };
}

/**
 * A server on Deno's native sockets without a listener: answer upgrade requests from your own
 * `Deno.serve` (or other fetch-style) handler with {@linkcode NativeWebSocketServer.upgrade}.
 *
 * @example A `Deno.serve` handler (declared, not run)
 * ```ts
 * import type { NativeRequestInfo, NativeWebSocketServer } from "@wirely/wirely/server";
 * function handler(wss: NativeWebSocketServer) {
 *   return (request: Request, info?: NativeRequestInfo): Response | Promise<Response> =>
 *     request.headers.get("upgrade") ? wss.upgrade(request, info) : new Response("hello");
 * }
 * console.log(typeof handler); // function
 * ```
 */
export interface NativeWebSocketServer<Data = undefined> extends WebSocketServer<Data> {
  /**
   * Checks the handshake and, if accepted, upgrades with `Deno.upgradeWebSocket`; returns the
   * 101 response, or the refusal (400/403/405/426/...). The connection opens (and `onOpen`
   * runs) once Deno has sent the 101.
   *
   * @param request The upgrade request.
   * @param info `Deno.serve`'s second handler argument, for the peer's address.
   */
  upgrade(request: Request, info?: NativeRequestInfo): Promise<Response>;
}

/**
 * Creates a server on Deno's native sockets (see the other overload), with the connections'
 * `Data` inferred from what `authenticate` returns (see {@linkcode AuthenticatedData}).
 *
 * @example
 * ```ts
 * import { createNativeServer } from "@wirely/wirely/server";
 * const wss = createNativeServer({
 *   authenticate: (request) => ({ data: { path: request.url.pathname } }),
 *   onOpen: (conn) => console.log(conn.data.path),
 * });
 * await wss.close();
 * ```
 *
 * @typeParam Result The type `authenticate` returns.
 * @typeParam _Explicit Never given: it keeps explicit `<Data>` calls on the other overload.
 */
export function createNativeServer<Result extends AnyAuthenticateResult, _Explicit>(
  options: AuthenticatedOptions<Result, ServerOptions<AuthenticatedData<Result>>>,
): NativeWebSocketServer<AuthenticatedData<Result>>;
/**
 * Creates a server on Deno's native sockets for your own fetch-style handler (Deno only):
 * pass the handler to `Deno.serve`.
 *
 * @example One route of a `Deno.serve` handler
 * ```ts
 * import { createNativeServer, type NativeRequestInfo } from "@wirely/wirely/server";
 * const wss = createNativeServer({ onMessage: (conn, message) => conn.send(message.data) });
 * const handler = (request: Request, info?: NativeRequestInfo): Response | Promise<Response> =>
 *   new URL(request.url).pathname === "/ws" ? wss.upgrade(request, info) : new Response("hello");
 * console.log((await handler(new Request("http://localhost/"))).status); // 200
 * await wss.close();
 * ```
 */
export function createNativeServer<Data = undefined>(
  options?: ServerOptions<Data>,
): NativeWebSocketServer<Data>;
export function createNativeServer<Data = undefined>(
  options: ServerOptions<Data> = {},
): NativeWebSocketServer<Data> {
  refuseDeflate(options as ServerOptions<unknown>, "create a native server");
  const core = new ServerCore<Data>(options);
  return { ...serverHandle(core), upgrade: (request, info) => upgradeWith(core, request, info) };
}

const servers = new WeakMap<object, NativeWebSocketServer<never>>();

/**
 * Answers one upgrade request on Deno's native sockets (Deno only): the 101 response, or the
 * refusal. Calls with the same `options` object share one server (its connections, rooms and
 * heartbeat); use {@linkcode createNativeServer} to also get `clients`, `broadcast` and
 * `close`.
 *
 * @example A handler for `Deno.serve`
 * ```ts
 * import { type NativeRequestInfo, type ServerOptions, upgrade } from "@wirely/wirely/server";
 * const options: ServerOptions = { onMessage: (conn, message) => conn.send(message.data) };
 * const handler = (request: Request, info?: NativeRequestInfo): Promise<Response> =>
 *   upgrade(request, options, info);
 * // A plain GET is not an upgrade: the codec's refusal.
 * console.log((await handler(new Request("http://localhost/"))).status); // 400
 * ```
 */
export function upgrade<Data = undefined>(
  request: Request,
  options: ServerOptions<Data>,
  info?: NativeRequestInfo,
): Promise<Response> {
  let server = servers.get(options) as NativeWebSocketServer<Data> | undefined;
  if (server === undefined) {
    server = createNativeServer(options);
    servers.set(options, server as NativeWebSocketServer<never>);
  }
  return server.upgrade(request, info);
}

/** Checks and answers one upgrade request of a native server (a 400 for a URL Deno cannot build). */
function upgradeWith<Data>(
  core: ServerCore<Data>,
  request: Request,
  info: NativeRequestInfo | undefined,
): Promise<Response> {
  const url = urlOf(request);
  if (url === undefined) return Promise.resolve(toResponse(BAD_URL()));
  const remote = info?.remoteAddr?.hostname;
  return Promise.resolve(nativeUpgrade(core, request, url, remote, denoApi().upgradeWebSocket));
}
