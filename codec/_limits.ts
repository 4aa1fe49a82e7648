// This module is browser compatible.
/**
 * Limits and defaults shared by every layer, defined once: the default size and frame-count
 * limits of a received message (the second derived from the first), the head size limit the
 * codec's HTTP parser, the server and the TCP transport share, the closing-handshake deadline the
 * server, the client and the TCP transport share, and the ceiling every timer option is checked
 * against.
 *
 * @module
 */

/** Largest timer delay the platforms accept, in milliseconds (2^31 - 1): `setTimeout` ceiling. */
export const MAX_TIMER_DELAY = 2_147_483_647;

/** Largest received message, in bytes, unless an option says otherwise (codec, server, TCP transport). */
export const DEFAULT_MAX_MESSAGE_SIZE = 1_048_576;

/**
 * The closing-handshake deadline of one connection, in milliseconds, unless an option says
 * otherwise: once our close frame is sent, how long the peer has to finish the handshake before
 * the socket is dropped (server, client and TCP transport `closeTimeout`).
 */
export const DEFAULT_CLOSE_TIMEOUT = 5_000;

/** Largest HTTP head (start line, headers, blank line), in bytes, unless an option says otherwise. */
export const DEFAULT_MAX_HEAD_SIZE = 16_384;

/** Payload bytes per frame that the default frame-count limit allows for. */
export const BYTES_PER_FRAME = 256;
/** The default frame-count limit never goes below this. */
export const MIN_FRAMES_PER_MESSAGE = 1024;

/**
 * The default `maxFramesPerMessage` for a size limit: `max(1024, ceil(maxMessageSize / 256))`,
 * `Infinity` when the size limit is off. A client that fragments a message within the size limit
 * into frames of 256 bytes or more is never refused for its frame count, while a flood of empty
 * or tiny fragments still is (the per-frame cost stays bounded by the size limit).
 */
export function defaultMaxFramesPerMessage(maxMessageSize: number): number {
  if (maxMessageSize === Infinity) return Infinity;
  return Math.max(MIN_FRAMES_PER_MESSAGE, Math.ceil(maxMessageSize / BYTES_PER_FRAME));
}
