/**
 * The grouped options of `ServerOptions`: the handshake policy (origins, subprotocols,
 * head size), per-connection limits, heartbeat and permessage-deflate tuning.
 *
 * @module
 */

import type { UpgradeRequest } from "./types.ts";

/**
 * Choose which origins may connect: exact `Origin` header values, or a function. A request
 * without an `Origin` header (not a browser) passes an exact list; a function sees `undefined`.
 *
 * @example
 * ```ts
 * import type { OriginPolicy } from "@wirely/wirely/server";
 * const exact: OriginPolicy = ["https://example.com"];
 * const any: OriginPolicy = (origin) => origin === undefined || origin.endsWith(".example.com");
 * console.log(exact.length, any("https://a.example.com", {} as never)); // 1 true
 * ```
 */
export type OriginPolicy =
  | readonly string[]
  | ((origin: string | undefined, request: UpgradeRequest) => boolean);

/**
 * Choose a subprotocol: a list in order of preference (first one the client offered wins), or a
 * function that gets the offered names (only when the client offered some) and returns one of
 * them or `undefined` for none.
 *
 * @example
 * ```ts
 * import type { ProtocolPolicy } from "@wirely/wirely/server";
 * const list: ProtocolPolicy = ["chat.v2", "chat.v1"];
 * const pick: ProtocolPolicy = (offered) => offered.find((name) => name.startsWith("chat."));
 * console.log(list[0], pick(["mqtt", "chat.v1"], {} as never)); // chat.v2 chat.v1
 * ```
 */
export type ProtocolPolicy =
  | readonly string[]
  | ((offered: string[], request: UpgradeRequest) => string | undefined);

/**
 * Tuning of permessage-deflate (RFC 7692) on a server (the `perMessageDeflate` option). The
 * server always compresses each message on its own (`server_no_context_takeover`: no compressor
 * is kept per connection, and a broadcast is compressed once for every receiver with the same
 * settings).
 *
 * @example
 * ```ts
 * import type { PerMessageDeflateServerOptions } from "@wirely/wirely/server";
 * const options: PerMessageDeflateServerOptions = { threshold: 256, level: 1 };
 * console.log(options.threshold); // 256
 * ```
 */
export interface PerMessageDeflateServerOptions {
  /** Messages smaller than this, in bytes, are sent uncompressed (`0` compresses all). @default 1024 */
  threshold?: number;
  /** zlib compression level, 0 (none) to 9 (best, slowest). @default 6 */
  level?: number;
  /** zlib memory level, 1-9: the compressor uses about 2^(memLevel + 9) bytes while it runs (nothing between messages). @default 8 */
  memLevel?: number;
  /** Largest LZ77 window the server compresses with, in bits (9-15; a client's smaller offer wins). @default undefined (15, or the client's offer) */
  serverMaxWindowBits?: number;
  /** Largest window a client may compress with, in bits (8-15); a client that cannot limit its window is served without compression. @default undefined (no limit) */
  clientMaxWindowBits?: number;
  /** Ask clients to compress each message on their own; `false` lets them keep their context, and the server then keeps up to 32 KiB of each client's window (made at its first compressed message). @default true */
  clientNoContextTakeover?: boolean;
}

/**
 * Per-connection limits (the `limits` option): what every connection's transport enforces. Sizes
 * in bytes, times in milliseconds; `Infinity` turns a size limit off.
 *
 * @example
 * ```ts
 * import type { ServerLimitOptions } from "@wirely/wirely/server";
 * const limits: ServerLimitOptions = { maxMessageSize: 65_536, closeTimeout: 2_000 };
 * console.log(limits.maxMessageSize); // 65536
 * ```
 */
export interface ServerLimitOptions {
  /** Largest incoming message, in bytes (text measured as UTF-8, compressed messages once inflated); a bigger one closes the connection with 1009. `Infinity` turns the limit off. @default 1_048_576 */
  maxMessageSize?: number;
  /**
   * Most frames in one incoming message (a count); more closes with 1009. The default scales with
   * `maxMessageSize`, so a client that fragments a message within the size limit into frames of
   * 256 bytes or more is never refused for the count, while a flood of tiny fragments is.
   * `Infinity` turns the limit off.
   * @default max(1024, ceil(maxMessageSize / 256)) (4096 for the default 1 MiB)
   */
  maxFramesPerMessage?: number;
  /** Outgoing bytes a connection may have waiting in its socket, checked before each write (so one bigger message still goes out); a write that finds more waiting closes with 1008. While more than half of it waits, the codec engine stops reading from that peer. `Infinity` turns the limit off. @default 16_777_216 */
  maxBufferedBytes?: number;
  /** The closing-handshake deadline of one connection, in milliseconds: once our close frame is sent (first, or answering the peer's), how long the peer has to finish the handshake before the socket is dropped (1006 locally). The same meaning as the client's and `tcpTransport`'s `closeTimeout`. @default 5_000 */
  closeTimeout?: number;
}

/**
 * The handshake policy and limits of a server (the `handshake` option). The `authenticate` hook
 * stays a top-level option beside the other hooks.
 *
 * @example
 * ```ts
 * import type { ServerHandshakeOptions } from "@wirely/wirely/server";
 * const handshake: ServerHandshakeOptions = {
 *   origins: ["https://chat.example.com"],
 *   protocols: ["chat.v1"],
 *   timeout: 2_000,
 * };
 * console.log(handshake.protocols); // [ "chat.v1" ]
 * ```
 */
export interface ServerHandshakeOptions {
  /** Milliseconds a client has to send its request head (codec engine), and again to be authenticated. @default 5_000 */
  timeout?: number;
  /** Largest request head (request line and headers), in bytes; bigger gets 431. `Infinity` turns the limit off. Deno's native engine counts only the request line and the fields the handshake reads unless `keepHeaders` is set. @default 16_384 */
  maxHeadSize?: number;
  /** Deno's native engine: keep every request header for `conn.headers` once the connection is open, and count every field toward `maxHeadSize`. It costs about 1.7 KiB of V8 heap (4 KiB of RSS) per idle connection, because Deno then builds its own list of the fields and keeps it with the request as long as the socket lives. Without it, `conn.headers` throws `InvalidStateError` once Deno has upgraded the request: read what you need in `authenticate` (its `request.headers` has every field) and keep it in `data`. The other engines always keep the headers (compactly). @default false */
  keepHeaders?: boolean;
  /** Origins allowed to connect; others get 403. @default undefined (every origin) */
  origins?: OriginPolicy;
  /** Subprotocols the server speaks. @default undefined (answer without a subprotocol) */
  protocols?: ProtocolPolicy;
  /** Refuse with 400 a client that offered subprotocols none of which `protocols` accepts; by default it is accepted without a subprotocol (RFC 6455 4.2.2), which browsers and `ws` then fail themselves. A client that offered none is always accepted. @default false */
  refuseUnknownProtocols?: boolean;
}

/**
 * The server's heartbeat (the `heartbeat` option): pings to silent peers, and the answer to the
 * application-level heartbeat message of wirely's client. `heartbeat: false` turns both off.
 *
 * @example
 * ```ts
 * import type { ServerHeartbeatOptions } from "@wirely/wirely/server";
 * const heartbeat: ServerHeartbeatOptions = { interval: 20_000, timeout: 5_000 };
 * console.log(heartbeat.interval); // 20000
 * ```
 */
export interface ServerHeartbeatOptions {
  /** Milliseconds between pings to silent peers; `0` sends no pings (the heartbeat message is still answered). Native engine: Deno's `idleTimeout` = 2x this, in whole seconds, at least 2. @default 30_000 */
  interval?: number;
  /** Milliseconds a pinged peer has to answer (with anything) before it is dropped (codec engine only); when set, it must be below `interval`. @default 10_000, or half of `interval` when that is shorter (at least 1) */
  timeout?: number;
  /** Answer the text message `{"type":"wirely:ping"}` with `{"type":"wirely:pong"}` instead of delivering it; `false` delivers it like any message. @default true */
  appMessage?: boolean;
}
