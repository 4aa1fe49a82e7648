/**
 * The Bun build of `@wirely/wirely/server` (the package's `bun` export condition): the same
 * exports as `mod.ts`, with `serve()` from the Bun binding (`serve.bun.ts`: `Bun.serve` and
 * Bun's own WebSockets; `engine: "codec"` for `node:http` and wirely's codec).
 * `entries_test.ts` checks that every entry exports the same names.
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
export { serve } from "./serve.bun.ts";
