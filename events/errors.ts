// This module is browser compatible.
/**
 * {@linkcode EventError}: the typed errors of the named-events layer, each with a stable code
 * (listed in `docs/errors.md`).
 *
 * @module
 */

import { WirelyError } from "../codec/errors.ts";

/**
 * Stable codes of {@linkcode EventError}:
 *
 * - `ACK_TIMEOUT`: no answer arrived within the `timeout` of `emitWithAck`.
 * - `ACK_DISCONNECTED`: the connection that carried the event closed before the answer.
 * - `ACK_UNSENT`: the event never left the client's offline queue: the client closed with it
 *   queued.
 * - `MALFORMED_EVENT`: the peer sent a frame that is not a valid `wirely.v1` packet; it was
 *   dropped and no handler saw it.
 * - `REJECTED`: the peer refused the event (a middleware hook or a handler failed); `remoteCode`
 *   says why.
 * - `HANDLER_ERROR`: a local handler threw or rejected; the peer got an error answer if it
 *   asked for one (a middleware refusal is not reported: it is an answer, not a failure).
 * - `NOT_NEGOTIATED`: the connection did not negotiate the `wirely.v1` subprotocol, so it
 *   carries plain messages only.
 *
 * @example
 * ```ts
 * import { EventError, type EventErrorCode } from "@wirely/wirely/events";
 * const code: EventErrorCode = new EventError("ACK_TIMEOUT", "no answer").code;
 * console.log(code); // ACK_TIMEOUT
 * ```
 */
export type EventErrorCode =
  | "ACK_TIMEOUT"
  | "ACK_DISCONNECTED"
  | "ACK_UNSENT"
  | "MALFORMED_EVENT"
  | "REJECTED"
  | "HANDLER_ERROR"
  | "NOT_NEGOTIATED";

/** Options of {@linkcode EventError}. */
export interface EventErrorOptions {
  /** The underlying error. @default undefined */
  cause?: unknown;
  /** The code the peer sent with a `REJECTED` answer (for example `"REJECTED"` or `"NO_HANDLER"`). @default undefined */
  remoteCode?: string;
  /** The event this error is about, when known. @default undefined */
  event?: string;
}

/**
 * An error of the named-events layer. Throw one from a handler or middleware to answer the
 * peer with your own code and message (`remoteCode ?? code` and `message` are sent as they are;
 * any other error is sent as `HANDLER_ERROR` with the message `"internal error"`, or, from a
 * middleware, as `REJECTED` with its message).
 *
 * @example Refuse an event with a code the client sees
 * ```ts
 * import { EventError } from "@wirely/wirely/events";
 * const error = new EventError("REJECTED", "log in first", { remoteCode: "UNAUTHORIZED" });
 * console.log(error.code, error.remoteCode); // REJECTED UNAUTHORIZED
 * ```
 */
export class EventError extends WirelyError<EventErrorCode> {
  /** The code the peer sent (answers of type `REJECTED`), or the code to send (when thrown). */
  readonly remoteCode: string | undefined;
  /** The event concerned, when known. */
  readonly event: string | undefined;

  /**
   * Creates an event error.
   *
   * @param code The stable code.
   * @param message A human-readable explanation.
   * @param options `cause`, `remoteCode`, `event`.
   */
  constructor(code: EventErrorCode, message: string, options: EventErrorOptions = {}) {
    super(code, message, "cause" in options ? options : undefined);
    this.name = "EventError";
    this.remoteCode = options.remoteCode;
    this.event = options.event;
  }
}
