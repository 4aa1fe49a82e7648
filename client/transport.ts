// This module is browser compatible.
/**
 * The contract between the client core and a way of carrying WebSocket messages: the
 * runtime's native `WebSocket` ({@linkcode nativeTransport}) or, later, wirely's codec over
 * TCP/TLS. The client core only sees this interface, so a transport can be added without
 * touching it.
 *
 * @module
 */

/**
 * What the client hands to a transport: text, bytes, or (where the runtime has it) a `Blob`.
 * Transports send in call order, `Blob`s included.
 *
 * @example
 * ```ts
 * import { byteLength, type TransportData } from "@wirely/wirely/client";
 * const messages: TransportData[] = ["héllo", new Uint8Array(3), new Blob(["abcd"])];
 * console.log(messages.map(byteLength)); // [ 6, 3, 4 ]
 * ```
 */
export type TransportData = string | Uint8Array | Blob;

/**
 * What a transport reports. The order is fixed: at most one `open`, then `message`s (and
 * `pong`s), then exactly one `close`; `error` may come at any point before `close`; nothing
 * after `close`. Binary messages arrive as `Uint8Array`, text as `string`. Only transports that
 * see frames (the codec over TCP/TLS) report `pong`.
 *
 * @example Narrow on `type`
 * ```ts
 * import type { TransportEvent } from "@wirely/wirely/client";
 * const event: TransportEvent = { type: "message", data: "hi" };
 * if (event.type === "message" && typeof event.data === "string") console.log(event.data); // hi
 * ```
 */
export type TransportEvent =
  | {
    readonly type: "open";
    /** The subprotocol the server chose, `""` when none. */
    readonly protocol: string;
    /** The extensions the server accepted, as in `Sec-WebSocket-Extensions`, `""` when none. */
    readonly extensions: string;
  }
  | { readonly type: "message"; readonly data: string | Uint8Array }
  | {
    readonly type: "pong";
    /** The pong frame's payload (a ping's answer echoes the ping's data). */
    readonly data: Uint8Array;
  }
  | { readonly type: "error"; readonly error: Error }
  | {
    readonly type: "close";
    /** The close code; 1005 when the close frame had none, 1006 when there was no close frame. */
    readonly code: number;
    /** The close reason, `""` when none. */
    readonly reason: string;
    /** Whether the closing handshake completed. */
    readonly wasClean: boolean;
    /**
     * The HTTP status of a refused handshake (not 101), when the transport saw it:
     * `tcpTransport` does; the WebSocket API hides it, so the native transport never sets it.
     */
    readonly status?: number;
  };

/**
 * Receives a transport's events. A transport never calls it synchronously from
 * {@linkcode TransportFactory.connect}.
 *
 * @example
 * ```ts
 * import type { TransportListener } from "@wirely/wirely/client";
 * const listener: TransportListener = (event) => {
 *   if (event.type === "close") console.log(event.code, event.wasClean);
 * };
 * listener({ type: "close", code: 1000, reason: "", wasClean: true }); // 1000 true
 * ```
 */
export type TransportListener = (event: TransportEvent) => void;

/**
 * One connection attempt, from {@linkcode TransportFactory.connect} until its `close` event.
 *
 * @example A transport that loops messages back (for tests)
 * ```ts
 * import type { Transport, TransportListener } from "@wirely/wirely/client";
 * function loopback(listener: TransportListener): Transport {
 *   queueMicrotask(() => listener({ type: "open", protocol: "", extensions: "" }));
 *   return {
 *     bufferedAmount: 0,
 *     send: (data) => {
 *       if (typeof data === "string") queueMicrotask(() => listener({ type: "message", data }));
 *     },
 *     close: (code = 1005, reason = "") =>
 *       queueMicrotask(() => listener({ type: "close", code, reason, wasClean: true })),
 *     abort: () => {},
 *   };
 * }
 * loopback((event) => console.log(event.type)).send("hi"); // open, message
 * ```
 */
export interface Transport {
  /** Bytes accepted by {@linkcode Transport.send} but not yet written to the network. */
  readonly bufferedAmount: number;
  /**
   * Sends one message. Only called after `open` and before `close`; messages go out in call
   * order.
   */
  send(data: TransportData): void;
  /**
   * Starts the closing handshake; the `close` event follows when it completes (or fails).
   *
   * @param code A close code the caller may send (1000 or 3000-4999); absent sends none.
   * @param reason A reason of at most 123 UTF-8 bytes.
   */
  close(code?: number, reason?: string): void;
  /**
   * Drops the connection now, without waiting for a closing handshake, and stops delivering
   * events (no `close` event follows). Used after a timeout, when the peer is presumed gone.
   */
  abort(): void;
  /**
   * Sends a ping frame, when the transport can (the codec over TCP/TLS can; the WebSocket API
   * cannot, so the native transport has no `ping`). The answer arrives as a `pong` event.
   *
   * @param data At most 125 bytes the pong will echo.
   */
  ping?(data?: Uint8Array): void;
}

/**
 * Opens transports. One factory serves every attempt of a client.
 *
 * @example The runtime's `WebSocket` as a factory
 * ```ts
 * import { nativeTransport, type TransportFactory } from "@wirely/wirely/client";
 * const factory: TransportFactory = nativeTransport();
 * console.log(factory.name); // native
 * ```
 */
export interface TransportFactory {
  /** A short name for logs and errors, for example `"native"`. */
  readonly name: string;
  /**
   * Starts one connection attempt. Events go to `listener`, never synchronously.
   *
   * @param url A `ws:` or `wss:` URL.
   * @param protocols Subprotocols to offer, in order of preference; may be empty.
   * @param listener Receives the events of this attempt.
   * @throws {SyntaxError} When the URL or a protocol is refused before any I/O.
   */
  connect(url: string, protocols: readonly string[], listener: TransportListener): Transport;
}
