/**
 * Bun's own WebSockets behind your own `Bun.serve`: {@linkcode createBunServer} gives the
 * `fetch`-side {@linkcode BunWebSocketServer.upgrade} and the `websocket` handlers to pass to
 * `Bun.serve` (also used by `serve.bun.ts`). wirely checks the handshake with the codec (RFC
 * 6455 validity, origins, `authenticate`, subprotocol, head size; `_fetch_upgrade.ts`) BEFORE
 * `server.upgrade()`. Touches no `Bun.*` API: it calls the server and sockets Bun hands it. Its
 * types are in `bun_types.ts`.
 *
 * @module
 */

import { ServerCore } from "./core.ts";
import { type BunServerWebSocket, BunTransport } from "./bun_transport.ts";
import type {
  BunServer,
  BunSocketData,
  BunWebSocketHandler,
  BunWebSocketServer,
} from "./bun_types.ts";
import type {
  AnyAuthenticateResult,
  AuthenticatedData,
  AuthenticatedOptions,
  ServerOptions,
} from "./types.ts";
import { refusal } from "./upgrade.ts";
import { serverHandle } from "./_binding.ts";
import { refuseDeflate } from "./_deflate.ts";
import { decideTracked, fetchUpgradeRequest, toResponse } from "./_fetch_upgrade.ts";

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
  const upgradeRequest = fetchUpgradeRequest(core, request, server.requestIP(request)?.address);
  if (upgradeRequest instanceof Response) return upgradeRequest;
  const { decision, done } = await decideTracked(core, upgradeRequest);
  if (!decision.accept) return toResponse(decision);
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
