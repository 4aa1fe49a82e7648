/**
 * The Deno native engine: `Deno.serve` accepts the HTTP request, wirely checks the handshake
 * with the codec (RFC 6455 validity, origins, `authenticate`, subprotocol) BEFORE calling
 * `Deno.upgradeWebSocket`, which on its own accepts requests the RFC refuses (other versions,
 * keys that are not 16 base64 bytes, no `Host`). The only server file that touches `Deno.*`.
 *
 * Gaps of the native socket that wirely cannot fix from outside (pick the `"codec"` engine when
 * they matter): it echoes data from unmasked client frames instead of closing with 1002; it has
 * no ping API (`ServerConnection.ping()` does nothing; dead peers are found by Deno's
 * `idleTimeout`, derived from `heartbeatInterval`); it has no permessage-deflate; it cannot
 * pause reading; a message is read whole before its size can be checked (then 1009); the
 * request head limits are Deno's (`maxHeadSize` is checked after parsing, `handshakeTimeout`
 * only bounds `authenticate`).
 *
 * @module
 */

import { NativeTransport, type NativeWebSocket, OPEN } from "./native_transport.ts";
import { ServerCore } from "./core.ts";
import type { ServedWebSocketServer, ServeOptions } from "./serve.ts";
import type {
  AnyAuthenticateResult,
  AuthenticatedData,
  AuthenticatedOptions,
  ServerOptions,
  UpgradeRequest,
  WebSocketServer,
} from "./types.ts";
import { type Acceptance, type Refusal, refusal } from "./upgrade.ts";
import { closeOnce } from "./_close_once.ts";
import { dialableUrl } from "./_url.ts";

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

/** The part of the `Deno` namespace this file uses. */
interface DenoApi {
  serve(
    options: {
      port: number;
      hostname: string;
      cert?: string;
      key?: string;
      onListen: () => void;
    },
    handler: (request: Request, info: NativeRequestInfo) => Promise<Response>,
  ): { addr: { hostname: string; port: number }; shutdown(): Promise<void> };
  upgradeWebSocket(
    request: Request,
    options: { idleTimeout?: number },
  ): { socket: NativeWebSocket; response: Response };
}

function deno(): DenoApi {
  const api = (globalThis as { Deno?: DenoApi }).Deno;
  if (api === undefined) {
    throw new TypeError("Cannot use the native engine as it needs Deno: use the codec engine");
  }
  return api;
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
  const core = new ServerCore<Data>(options);
  return {
    clients: core.clients,
    broadcast: (data, broadcastOptions) => core.broadcast(data, broadcastOptions),
    upgrade: (request, info) => nativeUpgrade(core, request, info),
    close: () => core.close(),
    [Symbol.asyncDispose]: () => core.close(),
  };
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

/** Starts `Deno.serve` with the native engine; called by `serve()`. */
export function serveNative<Data>(options: ServeOptions<Data>): ServedWebSocketServer<Data> {
  const { port = 8000, hostname = "0.0.0.0", cert, key, signal, path } = options;
  const api = deno();
  const core = new ServerCore<Data>(options);
  const server = api.serve(
    { port, hostname, ...(cert !== undefined ? { cert, key } : {}), onListen: () => {} },
    (request, info) => {
      const url = urlOf(request);
      if (url === undefined) return Promise.resolve(toResponse(BAD_URL()));
      if (path !== undefined && url.pathname !== path) {
        return Promise.resolve(toResponse(refusal(404, "not found\n")));
      }
      return nativeUpgrade(core, request, info);
    },
  );
  const addr = { hostname: server.addr.hostname, port: server.addr.port };
  const close = closeOnce(async () => {
    const stopped = server.shutdown();
    await core.close();
    await stopped;
  }, signal);
  return {
    addr,
    url: dialableUrl(cert !== undefined, addr.hostname, addr.port),
    engine: "native",
    clients: core.clients,
    broadcast: (data, broadcastOptions) => core.broadcast(data, broadcastOptions),
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function nativeUpgrade<Data>(
  core: ServerCore<Data>,
  request: Request,
  info: NativeRequestInfo | undefined,
): Promise<Response> {
  const url = urlOf(request);
  if (url === undefined) return toResponse(BAD_URL());
  if (headSize(request, url) > core.limits.maxHeadSize) {
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
  let decision: Acceptance<Data> | Refusal;
  try {
    // Only `authenticate` can make the decision wait: no timer per handshake without it.
    decision = !core.hasAuthenticate ? await core.negotiate(upgradeRequest) : await Promise.race([
      core.negotiate(upgradeRequest),
      new Promise<Refusal>((resolve) => {
        timer = setTimeout(
          () => resolve(refusal(503, "the handshake took too long\n")),
          core.limits.handshakeTimeout,
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
  const heartbeat = core.limits.heartbeatInterval;
  let upgraded: { socket: NativeWebSocket; response: Response };
  try {
    upgraded = deno().upgradeWebSocket(request, {
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
const BAD_URL = (): Refusal => refusal(400, "malformed request\n");

/**
 * The request's URL, or `undefined` when Deno cannot build one: `request.url` throws for a
 * `Host` like `a b` or a bad target, which must become a 400, not a 500 with a stack trace.
 */
function urlOf(request: Request): URL | undefined {
  try {
    return new URL(request.url);
  } catch {
    return undefined;
  }
}

function toResponse(answer: Refusal): Response {
  return new Response(answer.body, {
    status: answer.status,
    statusText: answer.reason,
    headers: answer.headers,
  });
}

/** Approximate bytes of the request head (request line, header lines, blank line). */
function headSize(request: Request, url: URL): number {
  let size = request.method.length + url.pathname.length + url.search.length + 14;
  for (const [name, value] of request.headers) size += name.length + value.length + 4;
  return size + 2;
}
