// This module is browser compatible.
/**
 * The wirely codec: a pure-TypeScript RFC 6455 implementation with no I/O. It runs unchanged in
 * Deno, Node, Bun and browsers.
 *
 * - Frames: {@linkcode encodeFrame}, {@linkcode FrameEncoder}, the streaming
 *   {@linkcode FrameDecoder}, and {@linkcode applyMask}.
 * - Messages: {@linkcode MessageAssembler} (fragmentation, limits, UTF-8 validation) and the close
 *   frame payload helpers {@linkcode parseClosePayload} / {@linkcode encodeClosePayload}.
 * - The sans-I/O {@linkcode Connection}: bytes and commands in, events and bytes out, and
 *   {@linkcode receiveAndProcess}, the receive loop of an I/O layer around it.
 * - The opening handshake: {@linkcode generateKey}, {@linkcode computeAccept},
 *   {@linkcode validateUpgradeRequest}, {@linkcode acceptResponseHeaders},
 *   {@linkcode buildUpgradeRequestHeaders}, {@linkcode validateUpgradeResponse},
 *   {@linkcode parseExtensions}, and the HTTP/1.1 {@linkcode HttpHeadParser}.
 * - Typed errors with stable codes: {@linkcode ProtocolError}, {@linkcode HandshakeError},
 *   {@linkcode InvalidStateError}.
 *
 * @example Two connections wired back to back
 * ```ts
 * import { Connection } from "@wirely/wirely/codec";
 *
 * const client = new Connection({ role: "client" });
 * const server = new Connection({ role: "server" });
 * client.sendText("hello");
 * for (const bytes of client.takeBytes()) server.receive(bytes);
 * console.log(server.takeEvents()); // [ { type: "text", data: "hello" } ]
 * ```
 *
 * @module
 */
export { CloseCode, isControlOpcode, isValidWireCloseCode, Opcode } from "./constants.ts";
export {
  type ErrorCode,
  HandshakeError,
  type HandshakeErrorCode,
  InvalidStateError,
  ProtocolError,
  type ProtocolErrorCode,
  WirelyError,
} from "./errors.ts";
export { type Frame, type MaskSource, type Role } from "./frame.ts";
export { applyMask, defaultMaskSource } from "./mask.ts";
export {
  encodeFrame,
  encodeFrameHeader,
  type EncodeFrameOptions,
  FrameEncoder,
  type FrameEncoderFrameOptions,
  type FrameEncoderOptions,
} from "./frame_encoder.ts";
export { FrameDecoder, type FrameDecoderOptions } from "./frame_decoder.ts";
export { Utf8StreamDecoder } from "./utf8.ts";
export { encodeClosePayload, parseClosePayload } from "./close.ts";
export { type Message, MessageAssembler, type MessageAssemblerOptions } from "./message.ts";
export {
  Connection,
  type ConnectionEvent,
  type ConnectionOptions,
  type ConnectionState,
} from "./connection.ts";
export { receiveAndProcess } from "./receive_loop.ts";
export {
  type ExtensionOffer,
  type ExtensionParam,
  formatExtensions,
  parseExtensions,
} from "./extensions.ts";
export {
  type Extension,
  type ExtensionEncodeOptions,
  type ExtensionNegotiator,
} from "./extension.ts";
export {
  acceptDeflateOffers,
  acceptDeflateResponse,
  type DeflateAgreement,
  deflateOffer,
  type DeflateParameters,
  type DeflateServerOptions,
  parseDeflateParameters,
  PERMESSAGE_DEFLATE,
} from "./deflate_negotiation.ts";
export {
  type DeflateBinding,
  PerMessageDeflate,
  type PerMessageDeflateOptions,
} from "./permessage_deflate.ts";
export { perMessageDeflateServer } from "./permessage_deflate_server.ts";
export { computeAccept, generateKey } from "./accept_key.ts";
export {
  acceptResponseHeaders,
  handshakeErrorResponse,
  selectSubprotocol,
  type UpgradeRequestInfo,
  type UpgradeRequestOptions,
  validateUpgradeRequest,
} from "./handshake.ts";
export {
  buildUpgradeRequestHeaders,
  type UpgradeRequestHeadersOptions,
  type UpgradeResponseExpectation,
  type UpgradeResponseInfo,
  validateUpgradeResponse,
} from "./handshake_client.ts";
export {
  type HttpHead,
  type HttpHeadOf,
  HttpHeadParser,
  type HttpHeadParserOptions,
  type HttpRequestHead,
  type HttpResponseHead,
} from "./http_head.ts";
export { type HeaderFields, writeRequestHead, writeResponseHead } from "./http_write.ts";
