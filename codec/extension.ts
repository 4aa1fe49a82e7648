// This module is browser compatible.
/**
 * The extension seam of {@linkcode Connection} (RFC 6455 section 9): an extension negotiated in
 * the opening handshake transforms data frames on their way in and out, and may use RSV bits.
 * The model is python-websockets' `Extension` (`decode(frame, max_size)` / `encode(frame)`).
 *
 * @module
 */

import type { ExtensionOffer } from "./extensions.ts";
import type { Frame } from "./frame.ts";

/**
 * What the sender asks of the extensions for one message.
 *
 * @example
 * ```ts
 * import type { ExtensionEncodeOptions } from "@wirely/wirely/codec";
 * const options: ExtensionEncodeOptions = { compress: false };
 * console.log(options.compress); // false
 * ```
 */
export interface ExtensionEncodeOptions {
  /** `false`: send this message as it is (a compressing extension leaves it alone). @default true */
  compress?: boolean;
}

/**
 * One negotiated extension on one connection. The connection calls `decode` with every data
 * frame received (unmasked, in order, before messages are assembled) and `encode` with every
 * data frame it sends; control frames never reach an extension (a control frame with an RSV bit
 * set fails the connection with 1002). Both run synchronously inside the connection's calls.
 *
 * A `decode` error that is a {@linkcode ProtocolError} fails the connection with its close code
 * (1002 for a misused RSV bit, 1009 over the size limit, 1007 for bad data); anything else thrown
 * is a bug (1011).
 *
 * @example An extension that does nothing (and uses no RSV bit)
 * ```ts
 * import { Connection, type Extension } from "@wirely/wirely/codec";
 * const identity: Extension = {
 *   name: "x-identity",
 *   rsv: 0,
 *   decode: (frame) => frame,
 *   encode: (frame) => frame,
 * };
 * const server = new Connection({ role: "server", extensions: [identity] });
 * server.sendText("hi");
 * console.log(server.takeBytes()); // [ Uint8Array(4) [ 129, 2, 104, 105 ] ]
 * ```
 */
export interface Extension {
  /** The extension token negotiated, for example `permessage-deflate`. */
  readonly name: string;
  /** The RSV bits it may set on received data frames: 4 = RSV1, 2 = RSV2, 1 = RSV3. */
  readonly rsv: number;
  /**
   * Transforms one received data frame (text, binary or continuation) and clears the RSV bits it
   * owns. A frame whose content is not known yet (the start of a compressed message) may come
   * back with an empty payload, and the content with a later frame of the same message.
   *
   * @param frame The frame, unmasked; its payload belongs to the extension.
   * @param maxSize Bytes the current message may still grow by (`Infinity` for no limit): an
   * extension that expands data stops at this many output bytes and throws `MESSAGE_TOO_BIG`.
   * @returns The frame to assemble.
   * @throws {ProtocolError} When the frame breaks the extension's rules.
   */
  decode(frame: Frame, maxSize: number): Frame;
  /**
   * Transforms one data frame to send (a whole message, or one frame of a message the caller
   * fragments with `sendFrame`). The payload is not the extension's: return a new one to change
   * it, never change it in place.
   *
   * @param frame The frame to send.
   * @param options What the sender asked for this message.
   * @returns The frame to write, with the RSV bits the extension sets.
   */
  encode(frame: Frame, options?: ExtensionEncodeOptions): Frame;
}

/**
 * The server's hook into extension negotiation: given the offers of one upgrade request (from
 * {@linkcode validateUpgradeRequest}), it returns the elements to answer in
 * `Sec-WebSocket-Extensions` (pass them to {@linkcode acceptResponseHeaders}) and the extensions
 * to give the connection (in the same order). Offers it cannot honour are declined: both lists are
 * then empty. It keeps no state about a connection: it may remember its answer to a frozen list of
 * offers (the server shares one such list among requests with the same header, and reuses a
 * returned `response` list as it is), never the extensions, which are new at every call.
 *
 * @example Negotiate for one request with permessage-deflate
 * ```ts
 * import { deflateRawSync, inflateRawSync, constants } from "node:zlib";
 * import { Connection, type ExtensionNegotiator, parseExtensions, perMessageDeflateServer } from "@wirely/wirely/codec";
 * const negotiate: ExtensionNegotiator = perMessageDeflateServer({
 *   deflate: (data, options) => deflateRawSync(data, { ...options, finishFlush: constants.Z_SYNC_FLUSH }),
 *   inflate: (data, { maxOutputLength }) => inflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength }),
 * });
 * const { response, extensions } = negotiate(parseExtensions("permessage-deflate; client_max_window_bits"));
 * const connection = new Connection({ role: "server", extensions });
 * console.log(response); // [ { name: "permessage-deflate", params: [ [ "server_no_context_takeover", true ], [ "client_no_context_takeover", true ] ] } ]
 * ```
 */
export type ExtensionNegotiator = (offers: readonly ExtensionOffer[]) => {
  /** The elements of the response's `Sec-WebSocket-Extensions`, in order. */
  response: ExtensionOffer[];
  /** The extensions of the connection, in the same order. */
  extensions: Extension[];
};
