/**
 * The Node build of `@wirely/wirely/events/server` (the npm package's `"node"` export
 * condition): everything `events/server.ts` exports, with the {@linkcode EventClient} of
 * `events/mod.node.ts` (the codec transport on runtimes without a global `WebSocket`).
 *
 * @module
 */

export {
  type AckArgs,
  type AckOptions,
  type AppendOrigin,
  BroadcastOperator,
  type BroadcastTarget,
  ClientSession,
  decodePacket,
  type DefaultEvents,
  type EmitArgs,
  encodeAck,
  encodeError,
  encodeEvent,
  type EventAnswer,
  type EventClientOptions,
  type EventData,
  EventError,
  type EventErrorCode,
  type EventErrorOptions,
  type EventHandler,
  type EventMiddleware,
  type EventName,
  EVENTS_PROTOCOL,
  EventServer,
  type EventServerOptions,
  EventSocket,
  type ExceptTarget,
  type Frame,
  type HistoryBounds,
  type LogEntry,
  type LogRead,
  type LogRecord,
  MAX_ACK_ID,
  MAX_EVENT_NAME_BYTES,
  MemoryStore,
  type Packet,
  recovery,
  RECOVERY_PROTOCOL,
  type RecoveryClientOptions,
  type RecoveryOptions,
  type RecoveryReason,
  type RecoveryResult,
  type RecoveryStore,
  type SessionClaim,
  type SessionHost,
  type SessionRecord,
  type SocketHost,
  type StoreServer,
} from "./server.ts";
export { EventClient } from "./mod.node.ts";
