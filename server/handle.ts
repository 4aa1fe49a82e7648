/**
 * The public binding API: what an adapter for another runtime (Bun, Cloudflare,
 * uWebSockets.js, Hono) writes against instead of wirely's internals. A
 * {@linkcode ServerHandle} decides on upgrade requests with the server's policy and runs a
 * `ServerConnection` over any {@linkcode ServerTransport} (or over a {@linkcode ByteSocket},
 * with wirely's codec on top); it also has `clients`, `broadcast` and a graceful `close`.
 *
 * @module
 */

import type { ServerConnection } from "./connection.ts";
import { ServerCore } from "./core.ts";
import type { HandshakeLimits, Limits } from "./options.ts";
import type { ByteSocket, ServerTransport } from "./transport.ts";
import type { ServerOptions, UpgradeRequest, WebSocketServer } from "./types.ts";
import type { HeaderLookup, UpgradeAcceptance, UpgradeDecision } from "./upgrade.ts";
import { serverHandle } from "./_binding.ts";

/**
 * The per-connection limits of a server (its `limits` option) with every default applied, for a
 * transport to enforce: `maxMessageSize`, `maxFramesPerMessage`, `maxBufferedBytes` (bytes,
 * counts) and `closeTimeout` (milliseconds).
 *
 * @example
 * ```ts
 * import { createServerHandle, type ServerLimits } from "@wirely/wirely/server";
 * const limits: ServerLimits = createServerHandle({ limits: { maxMessageSize: 1024 } }).limits;
 * console.log(limits.maxMessageSize, limits.closeTimeout); // 1024 5000
 * ```
 */
export type ServerLimits = Limits;

/**
 * The handshake limits of a server (from its `handshake` option) with every default applied, for
 * a binding that reads request heads itself: `timeout` (milliseconds) and `maxHeadSize` (bytes).
 *
 * @example
 * ```ts
 * import { createServerHandle, type ServerHandshakeLimits } from "@wirely/wirely/server";
 * const handshake: ServerHandshakeLimits = createServerHandle({ handshake: { timeout: 2_000 } })
 *   .handshake;
 * console.log(handshake.timeout, handshake.maxHeadSize); // 2000 16384
 * ```
 */
export type ServerHandshakeLimits = HandshakeLimits;

/**
 * A server without a listener, for a runtime binding: decide on upgrades, then run each
 * accepted one as a `ServerConnection` over a transport.
 *
 * @example See {@linkcode createServerHandle}.
 * ```ts
 * import type { ServerHandle } from "@wirely/wirely/server";
 * const count = (handle: ServerHandle<undefined>): number => handle.clients.size;
 * console.log(typeof count); // function
 * ```
 */
export interface ServerHandle<Data = undefined> extends WebSocketServer<Data> {
  /** The server's per-connection limits, defaults applied: what a transport enforces. */
  readonly limits: ServerLimits;
  /** The server's handshake limits, defaults applied: what a binding that reads heads enforces. */
  readonly handshake: ServerHandshakeLimits;
  /**
   * Decides on an upgrade request: RFC 6455 validity (400/405/426), `handshake.origins` (403),
   * `authenticate` (its refusal; 500 if it throws, reported to `onError`), subprotocol; 503
   * while closing. Synchronous unless an `authenticate` hook runs.
   *
   * @param headers A cheaper view of the headers than `request.headers`. @default request.headers
   */
  negotiate(
    request: UpgradeRequest,
    headers?: HeaderLookup,
  ): UpgradeDecision<Data> | Promise<UpgradeDecision<Data>>;
  /**
   * Runs a connection over an upgraded message transport (after the 101 answer) and calls
   * `onOpen`. The transport must enforce `limits` as wirely's transports do.
   */
  open(
    transport: ServerTransport,
    request: UpgradeRequest,
    accepted: UpgradeAcceptance<Data>,
  ): ServerConnection<Data>;
  /** Like {@linkcode ServerHandle.open}, over an upgraded byte stream framed by wirely's codec. */
  openBytes(
    socket: ByteSocket,
    request: UpgradeRequest,
    accepted: UpgradeAcceptance<Data>,
  ): ServerConnection<Data>;
  /**
   * Tracks a handshake in progress (an `authenticate` that waits) so that `close()` waits for it,
   * calling `abort` after `shutdownTimeout`. Returns the function to call when it is over.
   */
  trackHandshake(abort: () => void): () => void;
}

/**
 * Creates a {@linkcode ServerHandle}: the runtime-neutral server a binding drives.
 *
 * @example A message transport that loops back, run as a connection
 * ```ts
 * import { createServerHandle, type ServerTransport } from "@wirely/wirely/server";
 * const handle = createServerHandle({ onMessage: (conn, m) => conn.send(m.data) });
 * const request = {
 *   method: "GET",
 *   url: new URL("http://localhost/"),
 *   headers: new Headers({
 *     host: "localhost", upgrade: "websocket", connection: "Upgrade",
 *     "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13",
 *   }),
 *   remoteAddress: undefined,
 * };
 * const decision = await handle.negotiate(request);
 * if (decision.accept) {
 *   const sent: unknown[] = [];
 *   let closed = (): void => {};
 *   const transport: ServerTransport = {
 *     state: "open", bufferedAmount: 0, bytesReceived: 0, canPing: false,
 *     listen: (events) => {
 *       closed = () => events.closed({ code: 1000, reason: "", wasClean: true });
 *       queueMicrotask(() => events.message({ type: "text", data: "hi" }));
 *     },
 *     send: (data) => sent.push(data) > 0,
 *     sendPrepared: () => true,
 *     ping: () => {},
 *     close: () => closed(),
 *     terminate: () => closed(),
 *     pauseReading: () => {},
 *   };
 *   handle.open(transport, request, decision);
 *   await new Promise((resolve) => setTimeout(resolve, 0));
 *   console.log(sent); // [ "hi" ]
 * }
 * await handle.close();
 * ```
 */
export function createServerHandle<Data = undefined>(
  options: ServerOptions<Data> = {},
): ServerHandle<Data> {
  const core = new ServerCore<Data>(options);
  return {
    ...serverHandle(core),
    limits: core.limits,
    handshake: core.handshake,
    negotiate: (request, headers) => core.negotiate(request, headers),
    open: (transport, request, accepted) =>
      core.open(transport, request, accepted.protocol, accepted.data),
    openBytes: (socket, request, accepted) =>
      core.openBytes(socket, request, accepted.protocol, accepted.data, accepted.extensions),
    trackHandshake: (abort) => core.trackHandshake(abort),
  };
}
