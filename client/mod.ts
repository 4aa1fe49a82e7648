// This module is browser compatible.
/**
 * A reconnecting WebSocket client for Deno, Node, Bun and browsers: exponential backoff with
 * full jitter, a close-code policy, a bounded offline queue and typed events. Opt-in, each
 * shipped only when imported: an application-level heartbeat (`heartbeat()`), liveness checks
 * and ping frames (`checkLiveness(client)`, `ping(client)`), network signals
 * (`followNetwork(client, browserNetworkSignals())`), JSON helpers (`sendJson`, `onJson`) and
 * `for await` over messages (`messages(client)`).
 *
 * @example Connect, send JSON, read messages
 * ```ts ignore
 * import {
 *   browserNetworkSignals,
 *   followNetwork,
 *   heartbeat,
 *   onJson,
 *   opened,
 *   sendJson,
 *   WirelyClient,
 * } from "@wirely/wirely/client";
 * const client = new WirelyClient("wss://example.com/live", { heartbeat: heartbeat() });
 * followNetwork(client, browserNetworkSignals());
 * onJson(client, (value) => console.log("got", value));
 * client.on("reconnecting", ({ attempt, delay }) => console.log(`retry ${attempt} in ${delay} ms`));
 * await opened(client);
 * sendJson(client, { subscribe: "prices" });
 * ```
 *
 * @example Offline sends are queued and reported if never sent
 * ```ts
 * import { WirelyClient } from "@wirely/wirely/client";
 * const client = new WirelyClient("ws://127.0.0.1:9", { autoConnect: false });
 * client.send("hello");
 * console.log(client.close().map((entry) => entry.data)); // [ "hello" ]
 * ```
 *
 * @module
 */

export { WirelyClient } from "./client.ts";
export {
  ReconnectingWebSocket,
  type ReconnectingWebSocketOptions,
} from "./reconnecting_websocket.ts";
export {
  ReconnectingCloseEvent,
  ReconnectingErrorEvent,
  type ReconnectingWebSocketEventMap,
  type ReconnectingWebSocketHandler,
} from "./reconnecting_events.ts";
export type { Message } from "../codec/message.ts";
export type { ProtocolsSource, SendData, UrlSource, WirelyClientOptions } from "./options.ts";
export type {
  ClientCloseEvent,
  ClientEventHandler,
  ClientEventMap,
  ClientEventType,
  ClientState,
  OpenInfo,
  ReconnectInfo,
  StateChange,
} from "./events.ts";
export { ClientError, type ClientErrorCode } from "./errors.ts";
export { Backoff, backoffCeiling, type BackoffOptions } from "./backoff.ts";
export {
  type CloseContext,
  type CloseDecision,
  type ClosePolicy,
  type ClosePolicyOptions,
  createClosePolicy,
  defaultClosePolicy,
} from "./close_policy.ts";
export { byteLength, type QueuedMessage, SendQueue, type SendQueueOptions } from "./queue.ts";
export {
  type Heartbeat,
  heartbeat,
  HEARTBEAT_PING,
  HEARTBEAT_PONG,
  type HeartbeatOptions,
  type HeartbeatWatch,
} from "./heartbeat.ts";
export { onJson, sendJson } from "./json.ts";
export { messages, type MessagesOptions } from "./messages.ts";
export { checkLiveness, ping } from "./liveness.ts";
export { closeOnAbort, opened } from "./lifecycle.ts";
export { sendVolatile } from "./volatile.ts";
export { ExpiringQueue, type ExpiringQueueOptions } from "./expiring_queue.ts";
export { type Clock, systemClock } from "./clock.ts";
export {
  browserNetworkSignals,
  followNetwork,
  type NetworkEventTarget,
  type NetworkSignal,
  type NetworkSignals,
  type VisibilityEventTarget,
} from "./network.ts";
export type {
  Transport,
  TransportData,
  TransportEvent,
  TransportFactory,
  TransportListener,
} from "./transport.ts";
export {
  type CloseEventLike,
  nativeTransport,
  type NativeTransportOptions,
  type WebSocketConstructor,
  type WebSocketLike,
} from "./native_transport.ts";
