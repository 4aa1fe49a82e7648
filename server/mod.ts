/**
 * WebSocket server: one handler API with limits, heartbeats, rooms and broadcast. This slice
 * runs on `node:http`'s `upgrade` event (in Node, and in Deno through its `node:http`
 * compatibility), framing with wirely's codec.
 *
 * Defaults (all configurable on {@linkcode ServerOptions}): messages up to 1 MiB (bigger: close
 * 1009), 1024 frames per message, 16 MiB waiting in a socket (more: close 1008, "slow
 * consumer"), 10 s closing handshake then the socket is destroyed, 5 s to send the request head
 * and 5 s for `authenticate`, 16 KiB request head (bigger: 431), a ping to peers silent for
 * 30 s and 10 s to answer. A hook that throws closes its connection with 1011 and reaches
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
export { ServerConnection, type ServerConnectionState } from "./connection.ts";
export { type OutgoingData, PreparedMessage } from "./prepared_message.ts";
export {
  type BroadcastEnvelope,
  type BroadcastOptions,
  MemoryAdapter,
  type PubSubAdapter,
} from "./rooms.ts";
export {
  attach,
  createWebSocketServer,
  type NodeServerOptions,
  type NodeWebSocketServer,
  serve,
  type ServedWebSocketServer,
  type ServeOptions,
} from "./serve.node.ts";
export type {
  AuthenticateResult,
  CloseInfo,
  HandshakeRefusal,
  OriginPolicy,
  ProtocolPolicy,
  ServerConnectionEventMap,
  ServerConnectionListener,
  ServerOptions,
  Socket,
  SocketHandlers,
  UpgradeRequest,
  WebSocketServer,
} from "./types.ts";
