// This module is browser compatible.
/**
 * The public types of {@linkcode Connection}: its states, events and options (re-exported by
 * `connection.ts`).
 *
 * @module
 */

import type { ProtocolError } from "./errors.ts";
import type { Extension } from "./extension.ts";
import type { MaskSource, Role } from "./frame.ts";

/**
 * Where a {@linkcode Connection} stands: `connecting` (before the HTTP handshake ended), `open`,
 * `closing` (our close frame is sent; waiting for the peer's close frame, or in the client role
 * for the end of the transport) and `closed`.
 *
 * @example
 * ```ts
 * import { Connection, type ConnectionState } from "@wirely/wirely/codec";
 * const connection = new Connection({ role: "server" });
 * const before: ConnectionState = connection.state;
 * connection.close(1000);
 * console.log(before, connection.state); // open closing
 * ```
 */
export type ConnectionState = "connecting" | "open" | "closing" | "closed";

/**
 * What a {@linkcode Connection} reports. Payload views (`data` of binary, ping and pong events)
 * may point into the chunks given to {@linkcode Connection.receive}.
 *
 * @example
 * ```ts
 * import type { ConnectionEvent } from "@wirely/wirely/codec";
 * function describe(event: ConnectionEvent): string {
 *   return event.type === "close" ? `closed with ${event.code}` : event.type;
 * }
 * console.log(describe({ type: "close", code: 1000, reason: "", wasClean: true })); // "closed with 1000"
 * ```
 */
export type ConnectionEvent =
  | { type: "text"; data: string }
  | { type: "binary"; data: Uint8Array }
  | { type: "ping"; data: Uint8Array }
  | { type: "pong"; data: Uint8Array }
  | { type: "close"; code: number; reason: string; wasClean: boolean }
  | { type: "error"; error: ProtocolError };

/**
 * Options of {@linkcode Connection}.
 *
 * @example
 * ```ts
 * import type { ConnectionOptions } from "@wirely/wirely/codec";
 * const options: ConnectionOptions = { role: "server", maxMessageSize: 65_536 };
 * console.log(options.role); // "server"
 * ```
 */
export interface ConnectionOptions {
  /** Our end: a "client" masks what it sends and expects unmasked frames, a "server" the opposite. */
  role: Role;
  /** The state to start in: "connecting" until {@linkcode Connection.open} is called. @default "open" */
  state?: "connecting" | "open";
  /** Largest message received, in bytes (refused at the frame header that overflows it); `Infinity` turns the limit off. @default 1_048_576 */
  maxMessageSize?: number;
  /**
   * Most frames in one received message (more: 1009); `Infinity` turns the limit off. The
   * default scales with `maxMessageSize`, so fragments of 256 bytes or more within the size
   * limit are never refused for their count, while a flood of tiny fragments is.
   * @default max(1024, ceil(maxMessageSize / 256)) (4096 for 1 MiB; `Infinity` if maxMessageSize is)
   */
  maxFramesPerMessage?: number;
  /** RSV bits negotiated extensions allow on received frames (4 = RSV1, 2 = RSV2, 1 = RSV3); the connection does not interpret them. @default 0 */
  allowedRsv?: number;
  /** Where masking keys come from (client role); tests pass a fixed one. @default crypto.getRandomValues */
  maskSource?: MaskSource;
  /** Answer each ping with a pong carrying the same payload (the ping event is emitted either way); `false` leaves it to you. @default true */
  autoPong?: boolean;
  /**
   * Extensions negotiated in the handshake, in the order of the response header (their RSV bits
   * are allowed on data frames; see {@linkcode Extension}). A connection that starts
   * `connecting` may get them from {@linkcode Connection.open} instead.
   * @default [] (none)
   */
  extensions?: readonly Extension[];
  /**
   * Makes the buffer of a received payload that spans several `receive` calls, of `size` bytes
   * (see `FrameDecoderOptions.allocate`): every byte of it is written before it is
   * handed out, so it need not be zeroed.
   * @default (size) => new Uint8Array(size)
   */
  allocate?: (size: number) => Uint8Array;
  /**
   * Whether the caller reuses the memory of the bytes it passes to `receive` once the call
   * returns (Node's server reads every socket into one shared buffer): the connection then keeps
   * nothing of them and copies each payload (see `FrameDecoderOptions.copyInput`). With `false`
   * it owns them: payloads may be views of them, unmasked in place.
   * @default {false}
   */
  copyInput?: boolean;
}
