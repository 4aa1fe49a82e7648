// This module is browser compatible.
/**
 * The events of {@linkcode ReconnectingWebSocket}: `Event` subclasses for `close` and `error`
 * (Node 20 has no global `CloseEvent` or `ErrorEvent`), the event map and the handler type.
 *
 * @module
 */

import type { ReconnectingWebSocket } from "./reconnecting_websocket.ts";

/**
 * The `close` event of {@linkcode ReconnectingWebSocket}: `code`, `reason` and `wasClean` as
 * in a `CloseEvent` (which Node 20 does not have as a global), plus `willReconnect`.
 *
 * @example
 * ```ts
 * import { ReconnectingCloseEvent } from "@wirely/wirely/client";
 * const event = new ReconnectingCloseEvent({ code: 1001, reason: "restart", wasClean: true, willReconnect: true });
 * console.log(event.type, event.code, event.willReconnect); // close 1001 true
 * ```
 */
export class ReconnectingCloseEvent extends Event {
  /** The close code; 1006 when the connection dropped without a close frame. */
  readonly code: number;
  /** The close reason, `""` when none. */
  readonly reason: string;
  /** Whether the closing handshake completed. */
  readonly wasClean: boolean;
  /** `true` when a retry is scheduled (the socket is `CONNECTING` again); `false` at the final close. */
  readonly willReconnect: boolean;

  /**
   * Creates a `close` event.
   *
   * @param init The close's code, reason, cleanliness and whether a retry follows.
   */
  constructor(
    init: { code: number; reason: string; wasClean: boolean; willReconnect: boolean },
  ) {
    super("close");
    this.code = init.code;
    this.reason = init.reason;
    this.wasClean = init.wasClean;
    this.willReconnect = init.willReconnect;
  }
}

/**
 * The `error` event of {@linkcode ReconnectingWebSocket}: a plain `Event` as the WebSocket API
 * gives, plus the `error` behind it (a `ClientError` with a stable `code`, or what the
 * transport reported).
 *
 * @example
 * ```ts
 * import { ClientError, ReconnectingErrorEvent } from "@wirely/wirely/client";
 * const event = new ReconnectingErrorEvent(new ClientError("CONNECT_TIMEOUT", "too slow"));
 * console.log(event.type, event.message); // error too slow
 * ```
 */
export class ReconnectingErrorEvent extends Event {
  /** What failed. */
  readonly error: Error;
  /** The error's message. */
  readonly message: string;

  /**
   * Creates an `error` event.
   *
   * @param error What failed.
   */
  constructor(error: Error) {
    super("error");
    this.error = error;
    this.message = error.message;
  }
}

/**
 * The events of {@linkcode ReconnectingWebSocket} by name.
 *
 * @example
 * ```ts
 * import type { ReconnectingWebSocketEventMap } from "@wirely/wirely/client";
 * const onClose = (event: ReconnectingWebSocketEventMap["close"]) => console.log(event.code);
 * console.log(typeof onClose); // function
 * ```
 */
export interface ReconnectingWebSocketEventMap {
  /** A connection opened (again). */
  open: Event;
  /** A message arrived: `data` is a `string`, or a `Blob`/`ArrayBuffer` by `binaryType`. */
  message: MessageEvent;
  /** A connection that had opened dropped (`willReconnect: true`), or the socket closed for good. */
  close: ReconnectingCloseEvent;
  /** Something failed (also each failed attempt while reconnecting). */
  error: ReconnectingErrorEvent;
}

/**
 * A handler attribute of {@linkcode ReconnectingWebSocket} (`onopen`...), called with the
 * socket as `this`; `null` when none.
 *
 * @example
 * ```ts
 * import type { ReconnectingWebSocketHandler } from "@wirely/wirely/client";
 * const onClose: ReconnectingWebSocketHandler<"close"> = (event) => console.log(event.code);
 * console.log(typeof onClose); // function
 * ```
 */
export type ReconnectingWebSocketHandler<K extends keyof ReconnectingWebSocketEventMap> =
  | ((this: ReconnectingWebSocket, event: ReconnectingWebSocketEventMap[K]) => unknown)
  | null;
