/**
 * Deno's native sockets behind your own fetch-style handler: {@linkcode createNativeServer} and
 * {@linkcode upgrade}, and the handshake of one request (also used by `serve.deno.ts`). wirely
 * checks the handshake with the codec (RFC 6455 validity, origins, `authenticate`, subprotocol)
 * BEFORE `Deno.upgradeWebSocket` (reached through `serve.deno.ts`), which on its own accepts
 * requests the RFC refuses (other versions, keys that are not 16 base64 bytes, no `Host`).
 *
 * @module
 */

import { ServerCore } from "./core.ts";
import { refuseDeflate } from "./_deflate.ts";
import { NativeTransport, type NativeWebSocket, OPEN } from "./native_transport.ts";
import { denoApi } from "./serve.deno.ts";
import type {
  AnyAuthenticateResult,
  AuthenticatedData,
  AuthenticatedOptions,
  ServerOptions,
  UpgradeRequest,
  WebSocketServer,
} from "./types.ts";
import { refusal, type UpgradeAcceptance, type UpgradeRefusal } from "./upgrade.ts";
import { headSize, serverHandle } from "./_binding.ts";

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
  return { ...serverHandle(core), upgrade: (request, info) => nativeUpgrade(core, request, info) };
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

export async function nativeUpgrade<Data>(
  core: ServerCore<Data>,
  request: Request,
  info: NativeRequestInfo | undefined,
): Promise<Response> {
  const url = urlOf(request);
  if (url === undefined) return toResponse(BAD_URL());
  let fields = 0;
  for (const [name, value] of request.headers) fields += name.length + value.length + 4;
  const size = headSize(request.method.length, url.pathname.length + url.search.length, fields);
  if (size > core.handshake.maxHeadSize) {
    return toResponse(refusal(431, "the request head is too large\n"));
  }
  const upgradeRequest: UpgradeRequest = {
    method: request.method,
    url,
    headers: request.headers,
    remoteAddress: info?.remoteAddr?.hostname,
  };
  const pending: { socket?: NativeWebSocket } = {};
  let aborted = false;
  const done = core.trackHandshake(() => {
    aborted = true;
    if (pending.socket?.readyState === OPEN) pending.socket.close(1001);
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let decision: UpgradeAcceptance<Data> | UpgradeRefusal;
  try {
    // Only `authenticate` can make the decision wait: no timer per handshake without it.
    decision = !core.hasAuthenticate ? await core.negotiate(upgradeRequest) : await Promise.race([
      core.negotiate(upgradeRequest),
      new Promise<UpgradeRefusal>((resolve) => {
        timer = setTimeout(
          () => resolve(refusal(503, "the handshake took too long\n")),
          core.handshake.timeout,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
  if (aborted) decision = refusal(503, "the server is shutting down\n");
  if (!decision.accept) {
    done();
    return toResponse(decision);
  }
  const { protocol, data } = decision;
  const heartbeat = core.heartbeat.interval;
  let upgraded: { socket: NativeWebSocket; response: Response };
  try {
    upgraded = denoApi().upgradeWebSocket(request, {
      // Deno pings after idleTimeout / 2 seconds of silence and closes idleTimeout / 2 later.
      idleTimeout: heartbeat === 0 ? 0 : Math.max(2, Math.ceil((2 * heartbeat) / 1000)),
    });
    // Deno's own `protocol` option only parses offers separated by ", " (not ","): the codec
    // already chose among the offered names, so the header is set here.
    if (protocol !== "") upgraded.response.headers.set("sec-websocket-protocol", protocol);
  } catch (error) {
    done();
    core.reportError(error, undefined);
    return toResponse(refusal(400, "the upgrade failed\n"));
  }
  const ws = upgraded.socket;
  pending.socket = ws;
  ws.binaryType = "arraybuffer";
  ws.onerror = () => {};
  ws.onclose = () => done();
  ws.onopen = () => {
    // Opened once: drop this closure (and the handshake's state it holds) from the socket.
    ws.onopen = null;
    done();
    if (aborted || core.closing) {
      ws.close(1001, "server shutting down");
      return;
    }
    core.open(new NativeTransport(ws, core.limits), upgradeRequest, protocol, data);
  };
  return upgraded.response;
}

/** The refusal of a request whose URL cannot be built (a bad `Host` header or target). */
export const BAD_URL = (): UpgradeRefusal => refusal(400, "malformed request\n");

/**
 * The request's URL, or `undefined` when Deno cannot build one: `request.url` throws for a
 * `Host` like `a b` or a bad target, which must become a 400, not a 500 with a stack trace.
 */
export function urlOf(request: Request): URL | undefined {
  try {
    return new URL(request.url);
  } catch {
    return undefined;
  }
}

export function toResponse(answer: UpgradeRefusal): Response {
  return new Response(answer.body, {
    status: answer.status,
    statusText: answer.reason,
    headers: answer.headers,
  });
}
