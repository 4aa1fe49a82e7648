// This module is browser compatible.
/**
 * Named events over plain WebSocket, socket.io style: `emit`/`on`/`once`/`off`, answers with
 * `emitWithAck` (or a handler's return value), typed event maps for both directions, binary
 * data in one frame. This entry is the client side and the wire format (it runs in browsers);
 * the server side is `@wirely/wirely/events/server`.
 *
 * The wire format `wirely.v1` (negotiated as a subprotocol) is JSON arrays in text frames, so a
 * raw WebSocket can take part with `JSON.stringify`/`JSON.parse`; see `docs/events.md`.
 *
 * @example A typed client (declared, not run: it needs a server)
 * ```ts
 * import { EventClient } from "@wirely/wirely/events";
 * interface ServerToClient { said: (line: { from: number; text: string }) => void }
 * interface ClientToServer { join: (room: string) => number; say: (text: string) => void }
 * function chat(url: string): EventClient<ServerToClient, ClientToServer> {
 *   const socket = new EventClient<ServerToClient, ClientToServer>(url);
 *   socket.on("said", ({ from, text }) => console.log(`${from}: ${text}`));
 *   socket.emitWithAck("join", "lobby", { timeout: 5_000 }).then((members) => {
 *     console.log(`${members} in the room`);
 *     socket.emit("say", "hello");
 *   });
 *   return socket;
 * }
 * console.log(typeof chat); // function
 * ```
 *
 * @example The wire format
 * ```ts
 * import { decodePacket, encodeEvent } from "@wirely/wirely/events";
 * console.log(encodeEvent("say", "hi", 3)); // ["e","say",3,"hi"]
 * console.log(decodePacket('["a",3,2]')); // { type: "ack", id: 3, value: 2 }
 * ```
 *
 * @module
 */

export { EventClient, type EventClientOptions } from "./client.ts";
export { EventError, type EventErrorCode, type EventErrorOptions } from "./errors.ts";
export {
  ClientSession,
  recovery,
  type RecoveryClientOptions,
  type RecoveryReason,
  type RecoveryResult,
  type SessionHost,
} from "./session.ts";
export type {
  AckArgs,
  AckOptions,
  DefaultEvents,
  EmitArgs,
  EventAnswer,
  EventData,
  EventHandler,
  EventName,
} from "./types.ts";
export {
  decodePacket,
  encodeAck,
  encodeError,
  encodeEvent,
  EVENTS_PROTOCOL,
  type Frame,
  MAX_ACK_ID,
  MAX_EVENT_NAME_BYTES,
  type Packet,
  RECOVERY_PROTOCOL,
} from "./wire.ts";
