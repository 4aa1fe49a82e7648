/**
 * WebSocket server: one handler API with limits, heartbeats, rooms and broadcast, on two
 * engines: everywhere, `node:http`'s `upgrade` event framed by wirely's codec (engine `"codec"`,
 * the default in Deno and the only one in Node); in Deno, `Deno.serve` + `Deno.upgradeWebSocket`
 * (engine `"native"`, after wirely's handshake checks). `upgrade(request, options)` serves one route
 * of your own `Deno.serve` handler; `attach`/`handleUpgrade` one of your `node:http` server.
 * The text message `{"type":"wirely:ping"}` is answered with `{"type":"wirely:pong"}`. The
 * native engine's gaps (no ping API, no permessage-deflate, unmasked client frames accepted)
 * and how to choose an engine: `docs/server.md`.
 *
 * This is the Deno entry (`deno` export condition): importing it loads no Node module; the
 * first `serve()` on the codec engine (the default) loads `node:http` then. Bun gets `mod.bun.ts` (`serve()` on `Bun.serve`), Node and other
 * runtimes `mod.node.ts`, with the same exports. To run the server on another runtime, write a binding against
 * {@linkcode createServerHandle} and {@linkcode ServerTransport} (see `ARCHITECTURE.md`).
 *
 * Defaults (all configurable on {@linkcode ServerOptions}, grouped as `limits`, `handshake` and
 * `heartbeat`): messages up to 1 MiB (bigger: close 1009), 4096 frames per message, 16 MiB
 * waiting in a socket (more: close 1008, "slow consumer"), 5 s for a closing handshake then the
 * socket is destroyed (`limits`); 5 s to send the request head and 5 s for `authenticate`,
 * 16 KiB request head (bigger: 431) (`handshake`); a ping to peers silent for 30 s and 10 s to
 * answer (`heartbeat`); `server.close()` waits up to 10 s (`shutdownTimeout`). A hook that throws closes its connection with 1011 and reaches
 * `onError`.
 *
 * @example An echo server
 * ```ts
 * import { serve } from "@wirely/wirely/server";
 * const server = await serve({
 *   port: 0,
 *   hostname: "127.0.0.1",
 *   onMessage: (conn, message) => conn.send(message.data),
 * });
 * console.log(`listening on ${server.url}`);
 * await server.close();
 * ```
 *
 * @module
 */

export type { Message } from "../codec/message.ts";
export { type ServerConnection, type ServerConnectionState } from "./connection.ts";
export { HEARTBEAT_PING, HEARTBEAT_PONG } from "../client/heartbeat.ts";
export { type OutgoingData, PreparedMessage } from "./prepared_message.ts";
export {
  type AdapterServer,
  type BroadcastEnvelope,
  MemoryAdapter,
  type PubSubAdapter,
} from "./pubsub.ts";
export type { BroadcastOptions } from "./rooms.ts";
export {
  attach,
  createWebSocketServer,
  type NodeServerOptions,
  type NodeWebSocketServer,
} from "./node_server.ts";
export {
  createNativeServer,
  type NativeRequestInfo,
  type NativeWebSocketServer,
  upgrade,
} from "./native_server.ts";
export { createBunServer } from "./bun_server.ts";
export type {
  BunServer,
  BunSocketData,
  BunWebSocketHandler,
  BunWebSocketServer,
} from "./bun_types.ts";
export type { BunServerWebSocket } from "./bun_transport.ts";
export {
  createServerHandle,
  type ServerHandle,
  type ServerHandshakeLimits,
  type ServerLimits,
} from "./handle.ts";
export {
  type HeaderLookup,
  type UpgradeAcceptance,
  type UpgradeDecision,
  type UpgradeRefusal,
} from "./upgrade.ts";
export {
  type ServedWebSocketServer,
  type ServeFunction,
  type ServeOptions,
  type ServerEngine,
} from "./serve.ts";
export {
  type ByteSocket,
  type ByteSocketHandlers,
  type ServerTransport,
  type ServerTransportEvents,
} from "./transport.ts";
export type {
  AnyAuthenticateResult,
  AuthenticatedData,
  AuthenticatedOptions,
  AuthenticateResult,
  CloseInfo,
  HandshakeRefusal,
  ServerConnectionEventMap,
  ServerConnectionListener,
  ServerOptions,
  ServerSendOptions,
  UpgradeRequest,
  WebSocketServer,
} from "./types.ts";
export type {
  OriginPolicy,
  PerMessageDeflateServerOptions,
  ProtocolPolicy,
  ServerHandshakeOptions,
  ServerHeartbeatOptions,
  ServerLimitOptions,
} from "./option_types.ts";
export { serve } from "./serve.deno.ts";
