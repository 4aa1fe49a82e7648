// This module is browser compatible.
/**
 * {@linkcode ReconnectingWebSocket}: the WHATWG `WebSocket` surface over
 * {@linkcode WirelyClient}, so that replacing `new WebSocket(url)` with
 * `new ReconnectingWebSocket(url)` is the whole migration.
 *
 * @module
 */

import type { Message } from "../codec/message.ts";
import { WirelyClient } from "./client.ts";
import type { ClientCloseEvent, ClientState } from "./events.ts";
import type { SendData, UrlSource, WirelyClientOptions } from "./options.ts";
import { toWebSocketUrl } from "./_options.ts";
import {
  ReconnectingCloseEvent,
  ReconnectingErrorEvent,
  type ReconnectingWebSocketEventMap,
  type ReconnectingWebSocketHandler,
} from "./reconnecting_events.ts";

/**
 * Options of {@linkcode ReconnectingWebSocket}: those of {@linkcode WirelyClient} but
 * `protocols` (the constructor's second argument, as for `WebSocket`) and `autoConnect` (it
 * always connects, as `WebSocket` does).
 *
 * @example Fast retries, a small queue
 * ```ts
 * import type { ReconnectingWebSocketOptions } from "@wirely/wirely/client";
 * const options: ReconnectingWebSocketOptions = {
 *   backoff: { baseDelay: 250, maxDelay: 5_000 },
 *   queue: { maxMessages: 100 },
 * };
 * console.log(options.queue?.maxMessages); // 100
 * ```
 */
export type ReconnectingWebSocketOptions = Omit<WirelyClientOptions, "protocols" | "autoConnect">;

type EventType = keyof ReconnectingWebSocketEventMap;
type Handler = ((this: ReconnectingWebSocket, event: never) => unknown) | null;
const TYPES = ["open", "message", "close", "error"] as const;

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/**
 * A reconnecting `WebSocket` with the WHATWG surface: `readyState`, `binaryType`,
 * `bufferedAmount`, `protocol`, `extensions`, `url`, `send`, `close`, the `on*` attributes,
 * `addEventListener`, and the `CONNECTING`...`CLOSED` constants. Underneath is a
 * {@linkcode WirelyClient} (its backoff, bounded queue and close policy), reachable as
 * {@linkcode ReconnectingWebSocket.client}. Where it differs from `WebSocket`:
 *
 * - While a retry is pending or under way, `readyState` is `CONNECTING` (0).
 * - `close` fires for every connection that had opened and then dropped, with
 *   `willReconnect: true` (like partysocket), and once more, `willReconnect: false`, at the
 *   final close: after `close()`, a stopping close code or `maxRetries`. A failed attempt while
 *   reconnecting fires `error` only. Every `open` is followed by exactly one `close`.
 * - `send()` while `CONNECTING` queues the message (bounded by the `queue` option; a full queue
 *   throws `ClientError` `QUEUE_FULL`) instead of throwing; queued messages go out, in order,
 *   when a connection opens, before the `open` event. After `close()` it discards the data, as
 *   `WebSocket` does.
 * - `bufferedAmount` counts the queued bytes too.
 * - `protocol` and `extensions` are those of the latest connection that opened.
 * - The `on*` attributes are accessors of each instance (not of the prototype), so the class
 *   stays free of side effects and tree-shakes.
 *
 * @example An app written for `WebSocket`
 * ```ts ignore
 * import { ReconnectingWebSocket } from "@wirely/wirely/client";
 * const socket = new ReconnectingWebSocket("wss://example.com/live"); // was: new WebSocket(...)
 * socket.binaryType = "arraybuffer";
 * socket.onopen = () => socket.send(JSON.stringify({ subscribe: "prices" }));
 * socket.onmessage = (event) => console.log(event.data);
 * socket.onclose = (event) => console.log("down", event.code, event.willReconnect);
 * ```
 *
 * @example Sends before the first open are queued
 * ```ts
 * import { ReconnectingWebSocket } from "@wirely/wirely/client";
 * const socket = new ReconnectingWebSocket("ws://127.0.0.1:9", [], { backoff: { baseDelay: 50 } });
 * socket.send("hello");
 * console.log(socket.readyState === ReconnectingWebSocket.CONNECTING, socket.bufferedAmount); // true 5
 * socket.close();
 * console.log(socket.readyState); // 3
 * ```
 */
export class ReconnectingWebSocket extends EventTarget {
  /** The socket is connecting, or waiting to reconnect. */
  static readonly CONNECTING = 0;
  /** The socket is open. */
  static readonly OPEN = 1;
  /** `close()` was called and the closing handshake is under way. */
  static readonly CLOSING = 2;
  /** The socket is closed for good. */
  static readonly CLOSED = 3;
  /** The socket is connecting, or waiting to reconnect. */
  readonly CONNECTING = 0;
  /** The socket is open. */
  readonly OPEN = 1;
  /** `close()` was called and the closing handshake is under way. */
  readonly CLOSING = 2;
  /** The socket is closed for good. */
  readonly CLOSED = 3;

  /** The client underneath: its `on("reconnecting")`, `opened`, `queuedMessages`... */
  readonly client: WirelyClient;
  /** How binary messages arrive: `"blob"` (as `WebSocket`'s default) or `"arraybuffer"`. */
  binaryType: "blob" | "arraybuffer" = "blob";
  readonly #url: string;
  #readyState = CONNECTING;
  #protocol = "";
  #extensions = "";
  /** The final `close` was dispatched. */
  #closed = false;
  /** Code and reason of `close()`, for a final close without a connection. */
  #closeArguments: [number, string] | undefined;
  readonly #handlers: { [K in EventType]?: Handler } = {};

  /**
   * Creates the socket; it starts connecting at once.
   *
   * @param url Where to connect (`ws:`/`wss:`, or `http:`/`https:`), or a function called before
   *   each attempt.
   * @param protocols Subprotocols to offer, as for `WebSocket`.
   * @param options Backoff, queue bounds, heartbeat, transport (see
   *   {@linkcode ReconnectingWebSocketOptions}).
   * @throws {TypeError} When a static URL is not `ws:`/`wss:`, or an option has a wrong type.
   * @throws {RangeError} When an option is out of range.
   */
  constructor(
    url: UrlSource,
    protocols: string | readonly string[] = [],
    options: ReconnectingWebSocketOptions = {},
  ) {
    super();
    this.#url = typeof url === "function" ? "" : toWebSocketUrl(url);
    this.client = this.createClient(url, { ...options, protocols, autoConnect: false });
    for (const type of TYPES) {
      this.addEventListener(type, (event) => this.#handlers[type]?.call(this, event as never));
      // The `on*` attributes: accessors on the instance (a loop in the constructor, so the
      // class stays free of side effects and a page that does not use it does not ship it).
      Object.defineProperty(this, `on${type}`, {
        get: (): Handler => this.#handlers[type] ?? null,
        set: (handler: Handler): void => {
          this.#handlers[type] = handler;
        },
      });
    }
    const client = this.client;
    client.on("state", ({ state }) => this.#onState(state));
    client.on("open", ({ protocol, extensions }) => {
      this.#protocol = protocol;
      this.#extensions = extensions;
      this.#readyState = OPEN;
      this.dispatchEvent(new Event("open"));
    });
    client.on("message", (message) => this.#onMessage(message));
    client.on("close", (event) => this.#onClose(event));
    client.on("error", (error) => this.dispatchEvent(new ReconnectingErrorEvent(error)));
    client.connect();
  }

  /**
   * Makes the client underneath; a subclass may change its options (the Node build adds its
   * default transport here).
   *
   * @param url As given to the constructor.
   * @param options The constructor's options with `protocols` and `autoConnect: false`.
   * @returns A client that has not started connecting.
   */
  protected createClient(url: UrlSource, options: WirelyClientOptions): WirelyClient {
    return new WirelyClient(url, options);
  }

  /** `CONNECTING` (0, also while reconnecting), `OPEN` (1), `CLOSING` (2) or `CLOSED` (3). */
  get readyState(): number {
    return this.#readyState;
  }

  /** The URL given (normalised), or that of the latest attempt when a function was given. */
  get url(): string {
    return this.client.url ?? this.#url;
  }

  /** The subprotocol the server chose for the latest connection that opened; `""` if none. */
  get protocol(): string {
    return this.#protocol;
  }

  /** The extensions the server accepted for the latest connection that opened; `""` if none. */
  get extensions(): string {
    return this.#extensions;
  }

  /** Bytes not yet written: those of the open connection plus those in the queue. */
  get bufferedAmount(): number {
    return this.client.bufferedAmount + this.client.queuedBytes;
  }

  /** Called on `open`. */
  declare onopen: ReconnectingWebSocketHandler<"open">;
  /** Called on `message`. */
  declare onmessage: ReconnectingWebSocketHandler<"message">;
  /** Called on `close` (per drop, and at the final close). */
  declare onclose: ReconnectingWebSocketHandler<"close">;
  /** Called on `error`. */
  declare onerror: ReconnectingWebSocketHandler<"error">;

  /**
   * Sends now when open; queues while `CONNECTING`; discards after `close()`.
   *
   * @param data Text, or bytes (`ArrayBuffer`, any view, `Blob`).
   * @throws {ClientError} `QUEUE_FULL` when the queue has no room.
   */
  send(data: SendData): void {
    if (this.#readyState === CLOSING || this.#readyState === CLOSED) return;
    this.client.send(data);
  }

  /**
   * Closes for good: no reconnection afterwards. A `close` event follows (once).
   *
   * @param code 1000 or 3000-4999. @default {1000}
   * @param reason At most 123 UTF-8 bytes. @default {""}
   * @throws {RangeError} When `code` or `reason` is not allowed.
   */
  close(code?: number, reason?: string): void {
    if (this.#readyState === CLOSING || this.#readyState === CLOSED) return;
    this.#closeArguments = [code ?? 1000, reason ?? ""];
    this.client.close(code, reason);
  }

  #onState(state: ClientState): void {
    if (state === "closing") this.#readyState = CLOSING;
    else if (state === "connecting" || state === "reconnecting") this.#readyState = CONNECTING;
    else if (state === "closed") {
      this.#readyState = CLOSED;
      if (this.#closed) return;
      // Closed with no connection to report (close() or an abort while not open).
      const [code, reason] = this.#closeArguments ?? [1006, ""];
      queueMicrotask(() => this.#dispatchClose(code, reason, false, false));
    }
  }

  #onMessage(message: Message): void {
    let data: string | Blob | ArrayBuffer;
    if (message.type === "text") data = message.data;
    else if (this.binaryType === "blob") data = new Blob([message.data as Uint8Array<ArrayBuffer>]);
    else {
      const bytes = message.data;
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
      data = whole && bytes.buffer instanceof ArrayBuffer ? bytes.buffer : bytes.slice().buffer;
    }
    this.dispatchEvent(new MessageEvent("message", { data, origin: originOf(this.url) }));
  }

  #onClose(event: ClientCloseEvent): void {
    // A failed attempt while reconnecting: its `error` event said why.
    if (!event.opened && event.willReconnect) return;
    const { code, reason, wasClean, willReconnect } = event;
    this.#readyState = willReconnect ? CONNECTING : CLOSED;
    this.#dispatchClose(code, reason, wasClean, willReconnect);
  }

  #dispatchClose(code: number, reason: string, wasClean: boolean, willReconnect: boolean): void {
    if (this.#closed) return;
    if (!willReconnect) this.#closed = true;
    this.dispatchEvent(new ReconnectingCloseEvent({ code, reason, wasClean, willReconnect }));
  }
}

/** The typed listener methods of {@linkcode ReconnectingWebSocket} (merged into the class). */
export interface ReconnectingWebSocket {
  /**
   * Adds a listener of a socket event; the same as `EventTarget`'s, typed by
   * {@linkcode ReconnectingWebSocketEventMap}.
   */
  addEventListener<K extends keyof ReconnectingWebSocketEventMap>(
    type: K,
    listener: (this: ReconnectingWebSocket, event: ReconnectingWebSocketEventMap[K]) => unknown,
    options?: Parameters<EventTarget["addEventListener"]>[2],
  ): void;
  /** Adds a listener of any event type, as `EventTarget` does. */
  addEventListener(
    type: string,
    listener: Parameters<EventTarget["addEventListener"]>[1],
    options?: Parameters<EventTarget["addEventListener"]>[2],
  ): void;
  /** Removes a listener added with `addEventListener`. */
  removeEventListener<K extends keyof ReconnectingWebSocketEventMap>(
    type: K,
    listener: (this: ReconnectingWebSocket, event: ReconnectingWebSocketEventMap[K]) => unknown,
    options?: Parameters<EventTarget["removeEventListener"]>[2],
  ): void;
  /** Removes a listener of any event type, as `EventTarget` does. */
  removeEventListener(
    type: string,
    listener: Parameters<EventTarget["addEventListener"]>[1],
    options?: Parameters<EventTarget["removeEventListener"]>[2],
  ): void;
}

/** The `origin` of a message event: the URL's origin, as `WebSocket` gives it. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "";
  }
}
