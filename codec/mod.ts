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
export * from "./constants.ts";
export * from "./errors.ts";
export * from "./frame.ts";
export * from "./mask.ts";
export * from "./frame_encoder.ts";
export * from "./frame_decoder.ts";
export * from "./utf8.ts";
export * from "./close.ts";
export * from "./message.ts";
export * from "./connection.ts";
export * from "./receive_loop.ts";
export * from "./extensions.ts";
export * from "./extension.ts";
export * from "./deflate_negotiation.ts";
export * from "./permessage_deflate.ts";
export * from "./handshake.ts";
export * from "./handshake_client.ts";
export * from "./http_head.ts";
export * from "./http_write.ts";
