/**
 * The Node build of `@wirely/wirely/events` (the npm package's `"node"` export condition):
 * everything `events/mod.ts` exports, but {@linkcode EventClient} connects with the
 * `WirelyClient` of `client/mod.node.ts`, which falls back to the codec transport
 * (`tcpTransport`) when the runtime has no global `WebSocket` (Node 20) and neither
 * `transport` nor `WebSocket` was given. With a global `WebSocket` (Node 22+) it behaves
 * exactly like the client of `events/mod.ts`.
 *
 * @example On Node 20, no transport option needed
 * ```ts ignore
 * import { EventClient } from "@wirely/wirely/events";
 * const socket = new EventClient("ws://127.0.0.1:8080/");
 * console.log(await socket.emitWithAck("join", "lobby"));
 * ```
 *
 * @module
 */

import { WirelyClient as BaseClient } from "../client/client.ts";
import { WirelyClient } from "../client/mod.node.ts";
import type { UrlSource } from "../client/options.ts";
import { EventClient as BaseEventClient, type EventClientOptions, splitOptions } from "./client.ts";
import type { DefaultEvents } from "./types.ts";

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

/**
 * {@linkcode BaseEventClient | EventClient} whose default transport also works on Node 20: the
 * runtime's global `WebSocket` when there is one, else the codec transport.
 *
 * @example Events before the connection opens are queued
 * ```ts
 * import { EventClient } from "@wirely/wirely/events";
 * const socket = new EventClient("ws://127.0.0.1:9", { autoConnect: false });
 * socket.emit("chat", "hello");
 * console.log(socket.client.queuedMessages); // 1
 * socket.close();
 * ```
 */
export class EventClient<
  Listen extends object = DefaultEvents,
  Emit extends object = DefaultEvents,
> extends BaseEventClient<Listen, Emit> {
  /**
   * Creates a client (connecting on the next microtask unless `autoConnect` is `false`), or
   * wraps an existing `WirelyClient`, as the client of `events/mod.ts` does.
   *
   * @param url Where to connect, or a client to wrap.
   * @param options As for the client of `events/mod.ts`; without `transport` and `WebSocket`
   *   on a runtime with no global `WebSocket`, the codec transport is used.
   * @throws {TypeError | RangeError} For a bad option.
   */
  constructor(url: UrlSource | BaseClient, options: EventClientOptions = {}) {
    // splitOptions checks the options before a client exists (a throw leaves nothing running).
    super(
      url instanceof BaseClient ? url : new WirelyClient(url, splitOptions(options).clientOptions),
      options,
    );
  }
}
