// This module is browser compatible.
/**
 * Typed errors raised by the codec. Every error has a stable {@linkcode WirelyError.code}
 * string; the table of codes lives in `docs/errors.md`.
 *
 * Three families, kept apart on purpose:
 * - {@linkcode ProtocolError}: the peer broke RFC 6455; carries the close code to send.
 * - {@linkcode HandshakeError}: an opening handshake was wrong; carries the HTTP status to answer.
 * - {@linkcode InvalidStateError}: the caller used an API at the wrong time (our fault, not the peer's).
 *
 * @module
 */

/**
 * Stable codes for {@linkcode ProtocolError}. Each maps to one close code.
 *
 * @example Read the code of a decoder error
 * ```ts
 * import { FrameDecoder, ProtocolError, type ProtocolErrorCode } from "@wirely/wirely/codec";
 * const decoder = new FrameDecoder({ role: "server" });
 * try {
 *   decoder.push(new Uint8Array([0x81, 0x00]), () => {}); // an unmasked frame from a client
 * } catch (error) {
 *   const code: ProtocolErrorCode | undefined = error instanceof ProtocolError ? error.code : undefined;
 *   console.log(code); // UNMASKED_FRAME
 * }
 * ```
 */
export type ProtocolErrorCode =
  | "RESERVED_BITS"
  | "RESERVED_OPCODE"
  | "CONTROL_FRAME_TOO_LONG"
  | "FRAGMENTED_CONTROL_FRAME"
  | "LENGTH_OUT_OF_RANGE"
  | "UNMASKED_FRAME"
  | "MASKED_FRAME"
  | "FRAME_TOO_BIG"
  | "MESSAGE_TOO_BIG"
  | "TOO_MANY_FRAMES"
  | "UNEXPECTED_CONTINUATION"
  | "EXPECTED_CONTINUATION"
  | "INVALID_UTF8"
  | "INVALID_CLOSE_CODE"
  | "INVALID_CLOSE_PAYLOAD"
  | "BAD_COMPRESSED_DATA";

/**
 * Stable codes for {@linkcode HandshakeError}.
 *
 * @example Read the code of a refused upgrade request
 * ```ts
 * import { HandshakeError, type HandshakeErrorCode, validateUpgradeRequest } from "@wirely/wirely/codec";
 * try {
 *   validateUpgradeRequest({ method: "POST", headers: new Headers() });
 * } catch (error) {
 *   const code: HandshakeErrorCode | undefined = error instanceof HandshakeError ? error.code : undefined;
 *   console.log(code); // METHOD_NOT_ALLOWED
 * }
 * ```
 */
export type HandshakeErrorCode =
  | "METHOD_NOT_ALLOWED"
  | "BAD_UPGRADE"
  | "BAD_CONNECTION"
  | "BAD_KEY"
  | "MISSING_HOST"
  | "BAD_HOST"
  | "BAD_TARGET"
  | "UNSUPPORTED_VERSION"
  | "BAD_PROTOCOL_HEADER"
  | "BAD_EXTENSION_HEADER"
  | "BAD_STATUS"
  | "BAD_ACCEPT"
  | "UNEXPECTED_PROTOCOL"
  | "UNEXPECTED_EXTENSION"
  | "BAD_EXTENSION_PARAMS"
  | "HEAD_TOO_LARGE"
  | "TOO_MANY_HEADERS"
  | "BAD_HTTP";

/**
 * Every stable error code the codec can raise. The client and the server add their own codes
 * by extending {@linkcode WirelyError} with another code type.
 *
 * @example
 * ```ts
 * import { type ErrorCode, InvalidStateError, ProtocolError } from "@wirely/wirely/codec";
 * const codes: ErrorCode[] = [
 *   new ProtocolError("INVALID_UTF8", 1007, "bad text").code,
 *   new InvalidStateError("not open").code,
 * ];
 * console.log(codes); // [ "INVALID_UTF8", "INVALID_STATE" ]
 * ```
 */
export type ErrorCode = ProtocolErrorCode | HandshakeErrorCode | "INVALID_STATE";

/**
 * Base class of every error wirely raises on purpose.
 *
 * @example Tell wirely's errors apart from others
 * ```ts
 * import { ProtocolError, WirelyError } from "@wirely/wirely/codec";
 * const error: unknown = new ProtocolError("RESERVED_OPCODE", 1002, "opcode 3 is reserved");
 * if (error instanceof WirelyError) console.log(error.code); // "RESERVED_OPCODE"
 * ```
 */
export class WirelyError<C extends string = ErrorCode> extends Error {
  /** The stable, documented code of this error. */
  readonly code: C;

  /**
   * Creates an error with a stable code.
   *
   * @param code The stable code.
   * @param message A human-readable explanation.
   * @param options `cause`: the underlying error, when there is one.
   */
  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "WirelyError";
    this.code = code;
  }
}

/**
 * The peer broke the protocol. {@linkcode ProtocolError.closeCode} is the close code to send
 * (1002 protocol error, 1007 invalid payload data, 1009 message too big).
 *
 * @example
 * ```ts
 * import { ProtocolError } from "@wirely/wirely/codec";
 * const error = new ProtocolError("INVALID_UTF8", 1007, "invalid UTF-8 in a text message");
 * console.log(error.closeCode); // 1007
 * ```
 */
export class ProtocolError extends WirelyError<ProtocolErrorCode> {
  /** The close code to send to the peer. */
  readonly closeCode: number;

  /**
   * Creates a protocol error.
   *
   * @param code The stable code.
   * @param closeCode The close code to send to the peer (1002, 1007, 1009, ...).
   * @param message A human-readable explanation (safe to send as a close reason).
   */
  constructor(code: ProtocolErrorCode, closeCode: number, message: string) {
    super(code, message);
    this.name = "ProtocolError";
    this.closeCode = closeCode;
  }
}

/**
 * An opening handshake (HTTP upgrade) was wrong. {@linkcode HandshakeError.status} is the HTTP
 * status to answer with on the server side (400, 405, 426, 431); on the client side it is the
 * status received, or 0 when the response itself was malformed.
 *
 * @example
 * ```ts
 * import { HandshakeError } from "@wirely/wirely/codec";
 * const error = new HandshakeError("UNSUPPORTED_VERSION", 426, "version 8 is not supported", {
 *   "sec-websocket-version": "13",
 * });
 * console.log(error.status, error.headers["sec-websocket-version"]); // 426 "13"
 * ```
 */
export class HandshakeError extends WirelyError<HandshakeErrorCode> {
  /** The HTTP status to answer with (server side) or the one received (client side). */
  readonly status: number;
  /** Extra response headers to send with the refusal, lower-case names. */
  readonly headers: Readonly<Record<string, string>>;

  /**
   * Creates a handshake error.
   *
   * @param code The stable code.
   * @param status The HTTP status.
   * @param message A human-readable explanation (safe to send as the response body).
   * @param headers Extra response headers to send with the refusal.
   */
  constructor(
    code: HandshakeErrorCode,
    status: number,
    message: string,
    headers: Readonly<Record<string, string>> = {},
  ) {
    super(code, message);
    this.name = "HandshakeError";
    this.status = status;
    this.headers = headers;
  }
}

/**
 * The caller used an API in a state where it cannot work (for example sending after the
 * connection closed). This is never the peer's fault.
 *
 * @example
 * ```ts
 * import { InvalidStateError } from "@wirely/wirely/codec";
 * const error = new InvalidStateError("cannot send: the connection is closed");
 * console.log(error.code); // "INVALID_STATE"
 * ```
 */
export class InvalidStateError extends WirelyError<"INVALID_STATE"> {
  /**
   * Creates an invalid-state error.
   *
   * @param message A human-readable explanation.
   */
  constructor(message: string) {
    super("INVALID_STATE", message);
    this.name = "InvalidStateError";
  }
}
