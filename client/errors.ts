// This module is browser compatible.
/**
 * Typed errors raised by the client. Each {@linkcode ClientError} has a stable
 * {@linkcode ClientError.code}; the table of codes lives in `docs/errors.md`.
 *
 * Sending after `close()` throws the codec's `InvalidStateError` (code `INVALID_STATE`):
 * that is the caller's misuse, not a client condition.
 *
 * @module
 */
import { WirelyError } from "../codec/errors.ts";

/**
 * Stable codes for {@linkcode ClientError}.
 *
 * - `QUEUE_FULL`: a send did not fit in the offline queue (messages or bytes).
 * - `CONNECT_TIMEOUT`: an attempt did not open within `connectTimeout`.
 * - `HEARTBEAT_TIMEOUT`: nothing arrived within the heartbeat's `timeout` after a ping.
 * - `CLOSE_TIMEOUT`: the server did not finish the closing handshake within `closeTimeout`.
 * - `INVALID_JSON`: a text message could not be parsed for the `json` event.
 * - `URL_PROVIDER_FAILED`: the URL or protocols function threw or rejected.
 * - `INVALID_URL`: the URL is not a `ws:`/`wss:` URL, or the transport refused it.
 * - `TRANSPORT_ERROR`: the transport reported an error (details in `cause`).
 * - `UNSUPPORTED_DATA`: the transport delivered data of a type the client cannot read.
 * - `HANDSHAKE_REFUSED`: the client stopped because the server refused the handshake with an
 *   HTTP status the close policy does not retry (a 4xx, `tcpTransport` only); the status is
 *   in the message and in the `close` event's `status` (the transport's own `HandshakeError`
 *   came as an `error` event before).
 * - `MAX_RETRIES`: the client stopped after `maxRetries` retries.
 * - `CLOSED`: the client closed before the awaited condition (for example `opened(client)`).
 * - `ITERATOR_OVERFLOW`: a `for await` loop fell more than its buffer limit behind.
 * - `PROXY_REFUSED`: an HTTP proxy answered `CONNECT` with a status other than 2xx
 *   (`ProxyError`, with `status`).
 *
 * @example
 * ```ts
 * import { ClientError, type ClientErrorCode, SendQueue } from "@wirely/wirely/client";
 * try {
 *   new SendQueue({ maxMessages: 0 }).push("hi", Date.now());
 * } catch (error) {
 *   const code: ClientErrorCode | undefined = error instanceof ClientError ? error.code : undefined;
 *   console.log(code); // QUEUE_FULL
 * }
 * ```
 */
export type ClientErrorCode =
  | "QUEUE_FULL"
  | "CONNECT_TIMEOUT"
  | "HEARTBEAT_TIMEOUT"
  | "CLOSE_TIMEOUT"
  | "INVALID_JSON"
  | "URL_PROVIDER_FAILED"
  | "INVALID_URL"
  | "TRANSPORT_ERROR"
  | "UNSUPPORTED_DATA"
  | "HANDSHAKE_REFUSED"
  | "MAX_RETRIES"
  | "CLOSED"
  | "ITERATOR_OVERFLOW"
  | "PROXY_REFUSED";

/**
 * A condition of the client: a full queue, a timeout, a bad URL, an unreadable message.
 * Carries a stable {@linkcode ClientErrorCode}.
 *
 * @example Tell a full queue apart from other failures
 * ```ts
 * import { ClientError } from "@wirely/wirely/client";
 * const error: unknown = new ClientError("QUEUE_FULL", "the send queue holds 1000 messages");
 * if (error instanceof ClientError && error.code === "QUEUE_FULL") console.log("slow down");
 * ```
 */
export class ClientError extends WirelyError<ClientErrorCode> {
  /**
   * Creates an error with a stable code.
   *
   * @param code The stable code.
   * @param message A human-readable explanation.
   * @param options `cause`: the underlying error, when there is one.
   */
  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "ClientError";
  }
}
