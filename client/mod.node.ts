/**
 * The Node build of `@wirely/wirely/client` (the npm package's `"node"` export condition):
 * everything `client/mod.ts` exports, but {@linkcode WirelyClient} falls back to the codec
 * transport ({@linkcode tcpTransport}) when the runtime has no global `WebSocket` (Node 20)
 * and neither `transport` nor `WebSocket` was given. With a global `WebSocket` (Node 22+) it
 * behaves exactly like the client of `client/mod.ts`.
 *
 * @example On Node 20, no transport option needed
 * ```ts ignore
 * import { opened, WirelyClient } from "@wirely/wirely/client";
 * const client = new WirelyClient("ws://127.0.0.1:8080/live");
 * await opened(client);
 * client.send("hello");
 * ```
 *
 * @module
 */

import { WirelyClient as BaseClient } from "./client.ts";
import type { UrlSource, WirelyClientOptions } from "./options.ts";
import { ReconnectingWebSocket as BaseReconnectingWebSocket } from "./reconnecting_websocket.ts";
import { tcpTransport } from "./tcp.ts";

export {
  Backoff,
  backoffCeiling,
  type BackoffOptions,
  browserNetworkSignals,
  byteLength,
  checkLiveness,
  type ClientCloseEvent,
  ClientError,
  type ClientErrorCode,
  type ClientEventHandler,
  type ClientEventMap,
  type ClientEventType,
  type ClientState,
  type Clock,
  type CloseContext,
  type CloseDecision,
  type CloseEventLike,
  closeOnAbort,
  type ClosePolicy,
  type ClosePolicyOptions,
  createClosePolicy,
  defaultClosePolicy,
  ExpiringQueue,
  type ExpiringQueueOptions,
  followNetwork,
  type Heartbeat,
  heartbeat,
  HEARTBEAT_PING,
  HEARTBEAT_PONG,
  type HeartbeatOptions,
  type HeartbeatWatch,
  type Message,
  messages,
  type MessagesOptions,
  nativeTransport,
  type NativeTransportOptions,
  type NetworkEventTarget,
  type NetworkSignal,
  type NetworkSignals,
  onJson,
  opened,
  type OpenInfo,
  ping,
  type ProtocolsSource,
  type QueuedMessage,
  type ReconnectInfo,
  ReconnectingCloseEvent,
  ReconnectingErrorEvent,
  type ReconnectingWebSocketEventMap,
  type ReconnectingWebSocketHandler,
  type ReconnectingWebSocketOptions,
  type SendData,
  sendJson,
  SendQueue,
  type SendQueueOptions,
  sendVolatile,
  type StateChange,
  systemClock,
  type Transport,
  type TransportData,
  type TransportEvent,
  type TransportFactory,
  type TransportListener,
  type UrlSource,
  type VisibilityEventTarget,
  type WebSocketConstructor,
  type WebSocketLike,
  type WirelyClientOptions,
} from "./mod.ts";

/** The options with the codec transport added when nothing else could connect. */
function withNodeDefaults(options: WirelyClientOptions): WirelyClientOptions {
  if (options.transport !== undefined || options.WebSocket !== undefined) return options;
  const scope: { WebSocket?: unknown } = globalThis;
  if (typeof scope.WebSocket === "function") return options;
  return { ...options, transport: tcpTransport() };
}

/**
 * {@linkcode BaseClient | WirelyClient} whose default transport also works on Node 20: the
 * runtime's global `WebSocket` when there is one, else {@linkcode tcpTransport}.
 *
 * @example Sends made before the connection opens wait in the queue
 * ```ts
 * import { WirelyClient } from "@wirely/wirely/client";
 * const client = new WirelyClient("ws://127.0.0.1:9", { autoConnect: false });
 * client.send("hello");
 * console.log(client.close().length); // 1 (never sent)
 * ```
 */
export class WirelyClient extends BaseClient {
  /**
   * Creates a client; it starts connecting on the next microtask unless `autoConnect` is
   * `false`.
   *
   * @param url Where to connect, or a function called before each attempt.
   * @param options As for the client of `client/mod.ts`; without `transport` and `WebSocket`
   *   on a runtime with no global `WebSocket`, `transport` defaults to `tcpTransport()`.
   */
  constructor(url: UrlSource, options: WirelyClientOptions = {}) {
    super(url, withNodeDefaults(options));
  }
}

/**
 * {@linkcode BaseReconnectingWebSocket | ReconnectingWebSocket} over the Node build's client:
 * without `transport` and `WebSocket` on a runtime with no global `WebSocket` (Node 20), it
 * connects with {@linkcode tcpTransport}.
 *
 * @example Sends before the first open are queued
 * ```ts
 * import { ReconnectingWebSocket } from "@wirely/wirely/client";
 * const socket = new ReconnectingWebSocket("ws://127.0.0.1:9");
 * socket.send("hello");
 * socket.close();
 * console.log(socket.readyState); // 3
 * ```
 */
export class ReconnectingWebSocket extends BaseReconnectingWebSocket {
  /**
   * Makes the client with the Node defaults.
   *
   * @param url As given to the constructor.
   * @param options The constructor's options with `protocols` and `autoConnect: false`.
   * @returns A client that has not started connecting.
   */
  protected override createClient(url: UrlSource, options: WirelyClientOptions): BaseClient {
    return new WirelyClient(url, options);
  }
}
