/**
 * Bun's own WebSockets behind your own `Bun.serve`: {@linkcode createBunServer} gives the
 * `fetch`-side {@linkcode BunWebSocketServer.upgrade} and the `websocket` handlers to pass to
 * `Bun.serve` (also used by `serve.bun.ts`). wirely checks the handshake with the codec (RFC
 * 6455 validity, origins, `authenticate`, subprotocol, head size) BEFORE `server.upgrade()`.
 * Touches no `Bun.*` API: it calls the server and sockets Bun hands it.
 *
 * @module
 */

import { ServerCore } from "./core.ts";
import { type BunServerWebSocket, BunTransport } from "./bun_transport.ts";
import { BAD_URL, toResponse, urlOf } from "./native_server.ts";
import type { ServerTransport } from "./transport.ts";
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
import { refuseDeflate } from "./_deflate.ts";

/**
 * The part of Bun's `Server` (`fetch`'s second argument) that {@linkcode createBunServer} uses.
 *
 * @example
 * ```ts
 * import type { BunServer } from "@wirely/wirely/server";
 * const server: BunServer = { upgrade: () => false, requestIP: () => null };
 * console.log(server.upgrade(new Request("http://localhost/"), {})); // false
 * ```
 */
export interface BunServer {
  /** Upgrades the request; `false` when it is not a valid upgrade. */
  upgrade(request: Request, options: { headers?: Record<string, string>; data?: unknown }): boolean;
  /** The peer's address. */
  requestIP(request: Request): { address: string } | null;
}

/** What wirely keeps on each Bun socket (`ws.data`). */
export interface BunSocketData {
  /** The upgrade request as `ServerConnection.request` shows it. */
  readonly request: UpgradeRequest;
  /** The chosen subprotocol (`""`: none). */
  readonly protocol: string;
  /** What `authenticate` returned as `data`. */
  readonly data: unknown;
  /** Ends the handshake's tracking. */
  readonly done: () => void;
  /** The connection's transport, once open. */
  transport: ServerTransport | undefined;
}

/**
 * The `websocket` option of `Bun.serve` made by {@linkcode createBunServer}: Bun's handlers and
 * the settings that carry wirely's limits (`maxPayloadLength` is `limits.maxMessageSize`; Bun's own
 * idle timeout, pings, backpressure close and compression are off: wirely does those).
 *
 * @example
 * ```ts
 * import { createBunServer } from "@wirely/wirely/server";
 * const wss = createBunServer({ limits: { maxMessageSize: 1024 } });
 * console.log(wss.websocket.maxPayloadLength); // 1024
 * await wss.close();
 * ```
 */
export interface BunWebSocketHandler {
  /** Bun's `open` handler. */
  open(ws: BunServerWebSocket<BunSocketData>): void;
  /** Bun's `message` handler. */
  message(ws: BunServerWebSocket<BunSocketData>, message: string | Uint8Array): void;
  /** Bun's `close` handler. */
  close(ws: BunServerWebSocket<BunSocketData>, code: number, reason: string): void;
  /** Bun's `drain` handler. */
  drain(ws: BunServerWebSocket<BunSocketData>): void;
  /** Bun's `ping` handler. */
  ping(ws: BunServerWebSocket<BunSocketData>, data: Uint8Array): void;
  /** Bun's `pong` handler. */
  pong(ws: BunServerWebSocket<BunSocketData>, data: Uint8Array): void;
  /** Bytes: `maxMessageSize` (Bun closes with 1009 above it). */
  readonly maxPayloadLength: number;
  /** Bytes Bun queues before dropping sends: above `maxBufferedBytes`, which closes with 1008 first. */
  readonly backpressureLimit: number;
  /** `false`: wirely closes slow consumers with 1008 itself. */
  readonly closeOnBackpressureLimit: false;
  /** `0`: no idle timeout of Bun's; wirely's heartbeat pings. */
  readonly idleTimeout: number;
  /** `false`: wirely's heartbeat pings. */
  readonly sendPings: false;
  /** `false`: no permessage-deflate on Bun's sockets. */
  readonly perMessageDeflate: false;
}

/**
 * A server on Bun's WebSockets without a listener: pass `websocket` to `Bun.serve` and answer
 * upgrade requests from its `fetch` with {@linkcode BunWebSocketServer.upgrade}.
 *
 * @example A `Bun.serve` setup (declared, not run)
 * ```ts
 * import type { BunServer, BunWebSocketServer } from "@wirely/wirely/server";
 * function options(wss: BunWebSocketServer) {
 *   return {
 *     fetch: (request: Request, server: BunServer) => wss.upgrade(request, server),
 *     websocket: wss.websocket,
 *   };
 * }
 * console.log(typeof options); // function
 * ```
 */
export interface BunWebSocketServer<Data = undefined> extends WebSocketServer<Data> {
  /**
   * Checks the handshake and, if accepted, upgrades with `server.upgrade()`: resolves to
   * `undefined` (Bun sends the 101; `onOpen` runs once it has) or the refusal
   * (400/403/405/426/431/...). Return it from `fetch`.
   */
  upgrade(request: Request, server: BunServer): Promise<Response | undefined>;
  /** The `websocket` option for `Bun.serve`. */
  readonly websocket: BunWebSocketHandler;
}

/**
 * Creates a server on Bun's WebSockets (see the other overload), with the connections' `Data`
 * inferred from what `authenticate` returns (see {@linkcode AuthenticatedData}).
 *
 * @example
 * ```ts
 * import { createBunServer } from "@wirely/wirely/server";
 * const wss = createBunServer({
 *   authenticate: (request) => ({ data: { path: request.url.pathname } }),
 *   onOpen: (conn) => console.log(conn.data.path),
 * });
 * await wss.close();
 * ```
 *
 * @typeParam Result The type `authenticate` returns.
 * @typeParam _Explicit Never given: it keeps explicit `<Data>` calls on the other overload.
 */
export function createBunServer<Result extends AnyAuthenticateResult, _Explicit>(
  options: AuthenticatedOptions<Result, ServerOptions<AuthenticatedData<Result>>>,
): BunWebSocketServer<AuthenticatedData<Result>>;
/**
 * Creates a server on Bun's WebSockets for your own `Bun.serve` (Bun only at run time).
 *
 * @example One route of a `Bun.serve` app (declared, not run)
 * ```ts
 * import { type BunServer, createBunServer } from "@wirely/wirely/server";
 * const wss = createBunServer({ onMessage: (conn, message) => conn.send(message.data) });
 * const app = {
 *   fetch: (request: Request, server: BunServer) =>
 *     new URL(request.url).pathname === "/ws" ? wss.upgrade(request, server) : new Response("hi"),
 *   websocket: wss.websocket, // Bun.serve(app) in Bun
 * };
 * console.log(typeof app.fetch); // function
 * await wss.close();
 * ```
 */
export function createBunServer<Data = undefined>(
  options?: ServerOptions<Data>,
): BunWebSocketServer<Data>;
export function createBunServer<Data = undefined>(
  options: ServerOptions<Data> = {},
): BunWebSocketServer<Data> {
  refuseDeflate(options as ServerOptions<unknown>, "create a Bun server");
  return bunServerOver(new ServerCore<Data>(options));
}

/** The transport of a Bun socket (always a `BunTransport`: `open` put it there). */
const bunTransport = (ws: BunServerWebSocket<BunSocketData>): BunTransport | undefined =>
  ws.data.transport as BunTransport | undefined;

/** Bun's largest 32-bit settings (for an unlimited `maxMessageSize` or `maxBufferedBytes`). */
const BUN_MAX = 2 ** 31 - 1;

/** The Bun server over an existing core (`serve.bun.ts` shares it with its listener). */
export function bunServerOver<Data>(core: ServerCore<Data>): BunWebSocketServer<Data> {
  const { maxMessageSize, maxBufferedBytes } = core.limits;
  const websocket: BunWebSocketHandler = {
    open(ws): void {
      const state = ws.data;
      state.done();
      if (core.closing) {
        ws.close(1001, "server shutting down");
        return;
      }
      const transport = new BunTransport(ws, core.limits);
      state.transport = transport;
      core.open(transport, state.request, state.protocol, state.data as Data);
    },
    message: (ws, message) => bunTransport(ws)?.onMessage(message),
    close(ws, code, reason): void {
      ws.data.done();
      bunTransport(ws)?.onClose(code, reason);
    },
    drain: (ws) => bunTransport(ws)?.onDrain(),
    ping: (ws, data) => bunTransport(ws)?.onPing(data),
    pong: (ws, data) => bunTransport(ws)?.onPong(data),
    maxPayloadLength: Math.min(maxMessageSize, BUN_MAX),
    backpressureLimit: Math.min(maxBufferedBytes * 2 + maxMessageSize, BUN_MAX),
    closeOnBackpressureLimit: false,
    idleTimeout: 0,
    sendPings: false,
    perMessageDeflate: false,
  };
  return {
    ...serverHandle(core),
    upgrade: (request, server) => bunUpgrade(core, request, server),
    websocket,
  };
}

async function bunUpgrade<Data>(
  core: ServerCore<Data>,
  request: Request,
  server: BunServer,
): Promise<Response | undefined> {
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
    remoteAddress: server.requestIP(request)?.address,
  };
  let aborted = false;
  const done = core.trackHandshake(() => {
    aborted = true;
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
  if (aborted || core.closing) decision = refusal(503, "the server is shutting down\n");
  if (!decision.accept) {
    done();
    return toResponse(decision);
  }
  const { protocol, data } = decision;
  const state: BunSocketData = {
    request: upgradeRequest,
    protocol,
    data,
    done,
    transport: undefined,
  };
  const headers: Record<string, string> = protocol === ""
    ? {}
    : { "sec-websocket-protocol": protocol };
  let upgraded = false;
  try {
    upgraded = server.upgrade(request, { headers, data: state });
  } catch (error) {
    core.reportError(error, undefined);
  }
  if (upgraded) return undefined;
  done();
  return toResponse(refusal(400, "the upgrade failed\n"));
}
