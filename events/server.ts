/**
 * The server side of named events: {@linkcode EventServer} (rooms, broadcast, middleware) and
 * the per-connection {@linkcode EventSocket}, over wirely's server on the `wirely.v1`
 * subprotocol. Also re-exports everything of `@wirely/wirely/events`.
 *
 * @example A chat room: join, broadcast to the others, answer
 * ```ts
 * import { EventServer } from "@wirely/wirely/events/server";
 * interface ClientToServer { join: (room: string) => number; say: (text: string) => void }
 * interface ServerToClient { said: (line: { from: number; text: string }) => void }
 * const io = new EventServer<ClientToServer, ServerToClient>();
 * io.use("say", (_socket, text: unknown) => {
 *   if (typeof text !== "string" || text.length > 500) throw new Error("bad message");
 * });
 * io.onConnection((socket) => {
 *   socket.on("join", (room) => {
 *     socket.join(room);
 *     return io.to(room).emit("said", { from: 0, text: `${socket.id} joined` });
 *   });
 *   socket.on("say", (text) => {
 *     for (const room of socket.rooms) socket.to(room).emit("said", { from: socket.id, text });
 *   });
 * });
 * const server = await io.serve({ port: 0, hostname: "127.0.0.1" });
 * await server.close();
 * ```
 *
 * @module
 */

export {
  type AckArgs,
  type AckOptions,
  ClientSession,
  decodePacket,
  type DefaultEvents,
  type EmitArgs,
  encodeAck,
  encodeError,
  encodeEvent,
  type EventAnswer,
  EventClient,
  type EventClientOptions,
  type EventData,
  EventError,
  type EventErrorCode,
  type EventErrorOptions,
  type EventHandler,
  type EventName,
  EVENTS_PROTOCOL,
  type Frame,
  MAX_ACK_ID,
  MAX_EVENT_NAME_BYTES,
  type Packet,
  recovery,
  RECOVERY_PROTOCOL,
  type RecoveryClientOptions,
  type RecoveryReason,
  type RecoveryResult,
  type SessionHost,
} from "./mod.ts";
export { type EventMiddleware, EventServer, type EventServerOptions } from "./event_server.ts";
export { EventSocket, type SocketHost } from "./socket.ts";
export { BroadcastOperator, type BroadcastTarget, type ExceptTarget } from "./broadcast.ts";
export { type HistoryBounds, MemoryStore } from "./memory_store.ts";
export type {
  AppendOrigin,
  LogEntry,
  LogRead,
  LogRecord,
  RecoveryOptions,
  RecoveryStore,
  SessionClaim,
  SessionRecord,
  StoreServer,
} from "./store.ts";
