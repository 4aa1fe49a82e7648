// This module is browser compatible.
/**
 * Options of {@linkcode WirelyClient} and of its `send`. Times are in milliseconds, sizes in
 * bytes. Bad values throw `RangeError`/`TypeError` (`Invalid '<name>': <value>`) from the
 * constructor, before any I/O.
 *
 * @module
 */

import type { BackoffOptions } from "./backoff.ts";
import type { Clock } from "./clock.ts";
import type { ClosePolicy } from "./close_policy.ts";
import type { Heartbeat } from "./heartbeat.ts";
import type { WebSocketConstructor } from "./native_transport.ts";
import type { SendQueue, SendQueueOptions } from "./queue.ts";
import type { TransportFactory } from "./transport.ts";

/**
 * Where to connect: a `ws:`/`wss:` URL (`http:`/`https:` are mapped to them), or a function
 * called before every attempt (for example to put a fresh token in the query).
 *
 * @example A fresh token for every attempt
 * ```ts
 * import type { UrlSource } from "@wirely/wirely/client";
 * const getToken = () => Promise.resolve("t0k3n");
 * const url: UrlSource = async () => `wss://example.com/live?token=${await getToken()}`;
 * console.log(await url()); // wss://example.com/live?token=t0k3n
 * ```
 */
export type UrlSource = string | URL | (() => string | URL | Promise<string | URL>);

/**
 * Subprotocols to offer, in order of preference: a name, a list, or a function called before
 * every attempt.
 *
 * @example
 * ```ts
 * import type { ProtocolsSource } from "@wirely/wirely/client";
 * const protocols: ProtocolsSource = ["chat.v2", "chat.v1"];
 * console.log(protocols.length); // 2
 * ```
 */
export type ProtocolsSource =
  | string
  | readonly string[]
  | (() => string | readonly string[] | Promise<string | readonly string[]>);

/**
 * What `send` accepts. Bytes are sent as a binary message, text as a text message. Bytes that
 * have to wait in the queue are copied, so the caller may reuse its buffer.
 *
 * @example
 * ```ts
 * import type { SendData } from "@wirely/wirely/client";
 * const messages: SendData[] = ["text", new Uint8Array([1, 2]), new ArrayBuffer(4)];
 * console.log(messages.length); // 3
 * ```
 */
export type SendData = string | ArrayBuffer | ArrayBufferView | Blob;

/**
 * Options of {@linkcode WirelyClient}.
 *
 * @example A client for Node 20 (no global `WebSocket`) with fast first retries
 * ```ts
 * import { heartbeat, WirelyClient, type WirelyClientOptions } from "@wirely/wirely/client";
 * import WebSocket from "ws";
 * const options: WirelyClientOptions = {
 *   WebSocket,
 *   backoff: { baseDelay: 250, maxDelay: 10_000 },
 *   heartbeat: heartbeat(),
 *   autoConnect: false,
 * };
 * const client = new WirelyClient("ws://127.0.0.1:9", options);
 * console.log(client.state); // idle
 * client.close();
 * ```
 */
export interface WirelyClientOptions {
  /** Subprotocols to offer. @default {[]} */
  protocols?: ProtocolsSource;
  /** How to connect; mutually exclusive with `WebSocket`. @default {nativeTransport()} */
  transport?: TransportFactory;
  /** The `WebSocket` constructor for the native transport. @default {globalThis.WebSocket} */
  WebSocket?: WebSocketConstructor;
  /** Milliseconds an attempt (URL function and handshake) may take before it fails with 1006. @default {10_000} */
  connectTimeout?: number;
  /** The closing-handshake deadline, in milliseconds: once `close()` sent our close frame, how long the server has to answer before the connection is dropped (`CLOSE_TIMEOUT`). The same meaning as the server's `limits.closeTimeout` and `tcpTransport`'s `closeTimeout`. @default {5_000} */
  closeTimeout?: number;
  /** Retry delays and limits (see {@linkcode BackoffOptions}). @default {{}} */
  backoff?: BackoffOptions;
  /** Whether to retry after a close. @default {defaultClosePolicy} */
  closePolicy?: ClosePolicy;
  /** Bounds of the offline send queue, or the queue itself (one per client; for example an `ExpiringQueue`). @default {{ maxMessages: 1_000, maxBytes: 1_048_576 }} */
  queue?: SendQueueOptions | SendQueue;
  /** The application-level heartbeat, made by `heartbeat(options)` (opt-in: its code ships only with that import); `undefined` or `false`: none. @default {undefined} */
  heartbeat?: Heartbeat | false;
  /** Start connecting right after construction (on the next microtask). @default {true} */
  autoConnect?: boolean;
  /** Time source for timeouts, backoff and heartbeat; inject a fake one in tests. @default {systemClock} */
  clock?: Clock;
  /** Gets every `error` event that no `error` handler listens for; `false` drops them. @default `console.error`, once per distinct error `code` (or `name`) per client */
  onUnhandledError?: ((error: Error) => void) | false;
}
