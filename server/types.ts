/**
 * Runtime-neutral types of the server: the {@linkcode UpgradeRequest} hooks see, close
 * details, and the {@linkcode ServerOptions} every binding accepts.
 *
 * @module
 */

import type { Message } from "../codec/message.ts";
import type { ServerConnection } from "./connection.ts";
import type { OutgoingData } from "./prepared_message.ts";
import type { PubSubAdapter } from "./pubsub.ts";
import type { BroadcastOptions } from "./rooms.ts";

/**
 * The HTTP request that asked for the upgrade, as hooks and connections see it on every
 * runtime.
 *
 * @example
 * ```ts
 * import type { UpgradeRequest } from "@wirely/wirely/server";
 * const request: UpgradeRequest = {
 *   method: "GET",
 *   url: new URL("http://example.com/chat?room=a"),
 *   headers: new Headers({ origin: "https://example.com" }),
 *   remoteAddress: "127.0.0.1",
 * };
 * console.log(request.url.searchParams.get("room")); // "a"
 * ```
 */
export interface UpgradeRequest {
  /** The HTTP method (a valid upgrade always has `GET`). */
  readonly method: string;
  /** The request target resolved against the `Host` header, with an `http:` or `https:` scheme. */
  readonly url: URL;
  /** The request headers (on Deno's native engine, once upgraded, only with `handshake.keepHeaders`: otherwise reading them throws `InvalidStateError`). */
  readonly headers: Headers;
  /** The peer's IP address, when the runtime knows it. */
  readonly remoteAddress: string | undefined;
}

/**
 * An HTTP answer that refuses an upgrade, returned by an `authenticate` hook.
 *
 * @example
 * ```ts
 * import type { HandshakeRefusal } from "@wirely/wirely/server";
 * const refusal: HandshakeRefusal = { status: 401, body: "log in first" };
 * console.log(refusal.status); // 401
 * ```
 */
export interface HandshakeRefusal {
  /** HTTP status, 400-599. */
  status: number;
  /** Plain-text body. @default "" */
  body?: string;
  /** Extra response headers. @default {} */
  headers?: Readonly<Record<string, string>>;
}

/**
 * What an `authenticate` hook returns: `true` accepts (the connection's `data` is left
 * `undefined`), `{ data }` accepts with per-connection data, `false` refuses with 403, and a
 * {@linkcode HandshakeRefusal} refuses with its status and body.
 *
 * @example
 * ```ts
 * import type { AuthenticateResult } from "@wirely/wirely/server";
 * const accept: AuthenticateResult<{ user: string }> = { data: { user: "ada" } };
 * const refuse: AuthenticateResult<{ user: string }> = { status: 401, body: "no token" };
 * console.log("data" in accept, "status" in refuse); // true true
 * ```
 */
export type AuthenticateResult<Data> =
  | (undefined extends Data ? true : never)
  | false
  | { data: Data }
  | HandshakeRefusal;

/**
 * The per-connection `Data` an `authenticate` hook's result type carries, for the overloads of
 * `serve()`, `createWebSocketServer()`, `attach()` and `createNativeServer()` that infer it:
 * the type of `data` in its `{ data }` answers, `undefined` when it only answers `true`, `false`
 * or a refusal. A refusal written as an object literal does not add `undefined` (as it would
 * when `Data` is inferred through `AuthenticateResult<Data>`).
 *
 * @example
 * ```ts
 * import type { AuthenticatedData } from "@wirely/wirely/server";
 * type Answer = { data: { user: string } } | { status: number; body: string };
 * const data: AuthenticatedData<Promise<Answer>> = { user: "ada" };
 * console.log(data.user); // ada
 * ```
 */
export type AuthenticatedData<Result> = Awaited<Result> extends infer Answer ? [
    Answer extends { data: infer D } ? D : Answer extends true ? undefined : never,
  ] extends [never] ? undefined
  : Answer extends { data: infer D } ? D
  : Answer extends true ? undefined
  : never
  : never;

/**
 * `Options` with the `authenticate` hook typed by its own result `Result` (from which
 * {@linkcode AuthenticatedData} derives the connections' `Data`).
 *
 * @example
 * ```ts
 * import type { AuthenticatedOptions, ServerOptions } from "@wirely/wirely/server";
 * type Answer = { data: { user: string } } | false;
 * const options: AuthenticatedOptions<Answer, ServerOptions<{ user: string }>> = {
 *   authenticate: (request) => request.headers.has("x-user") ? { data: { user: "ada" } } : false,
 *   onOpen: (conn) => console.log(conn.data.user),
 * };
 * console.log(typeof options.authenticate); // function
 * ```
 */
export type AuthenticatedOptions<Result, Options> = Omit<Options, "authenticate"> & {
  /** Accepts or refuses a valid upgrade request before the 101 answer (see {@linkcode ServerOptions.authenticate}). */
  authenticate: (request: UpgradeRequest) => Result;
};

/**
 * What an `authenticate` hook may return, whatever its data (the inferring overloads' constraint).
 *
 * @example
 * ```ts
 * import type { AnyAuthenticateResult } from "@wirely/wirely/server";
 * const answers: AnyAuthenticateResult[] = [true, false, { data: 1 }, { status: 401 }];
 * console.log(answers.length); // 4
 * ```
 */
export type AnyAuthenticateResult =
  | AuthenticateResult<unknown>
  | Promise<AuthenticateResult<unknown>>;

/**
 * How a connection ended.
 *
 * @example
 * ```ts
 * import type { CloseInfo } from "@wirely/wirely/server";
 * const info: CloseInfo = { code: 1000, reason: "bye", wasClean: true };
 * console.log(info.wasClean); // true
 * ```
 */
export interface CloseInfo {
  /** The close code (1005 when the close frame had none, 1006 when no close frame was exchanged). */
  code: number;
  /** The close reason, `""` when none. */
  reason: string;
  /** Whether both close frames were exchanged before the transport closed. */
  wasClean: boolean;
}

/**
 * The events of a {@linkcode ServerConnection}, by name, for
 * {@linkcode ServerConnection.on}.
 *
 * @example
 * ```ts
 * import type { ServerConnectionEventMap } from "@wirely/wirely/server";
 * const event: ServerConnectionEventMap["message"] = { type: "text", data: "hi" };
 * console.log(event.type); // "text"
 * ```
 */
export interface ServerConnectionEventMap {
  /** A complete text or binary message. */
  message: Message;
  /** A ping arrived (it is answered with a pong automatically). */
  ping: Uint8Array;
  /** A pong arrived. */
  pong: Uint8Array;
  /** The socket's write buffer went back below its high-water mark. */
  drain: undefined;
  /** The connection is closed and the transport released. Fired once. */
  close: CloseInfo;
}

/**
 * A listener of one {@linkcode ServerConnectionEventMap} event; it may return a promise (a
 * rejection is handled like a throw: `onError`, then close 1011).
 *
 * @example
 * ```ts
 * import type { ServerConnectionListener } from "@wirely/wirely/server";
 * const onClose: ServerConnectionListener<"close"> = (info) => console.log(info.code);
 * onClose({ code: 1000, reason: "", wasClean: true }); // 1000
 * ```
 */
export type ServerConnectionListener<K extends keyof ServerConnectionEventMap> = (
  event: ServerConnectionEventMap[K],
) => unknown;

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
 * Per-message choices of `ServerConnection.send`.
 *
 * @example Send a message that does not compress well as it is
 * ```ts
 * import type { ServerSendOptions } from "@wirely/wirely/server";
 * const options: ServerSendOptions = { compress: false };
 * // conn.send(jpegBytes, options);
 * console.log(options.compress); // false
 * ```
 */
export interface ServerSendOptions {
  /** `false`: send this message uncompressed even when permessage-deflate is agreed (already compressed data, tiny latency-bound messages). @default true (messages of at least `threshold` bytes are compressed) */
  compress?: boolean;
}

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

/**
 * Options every server binding accepts: hooks, handshake policy, per-connection limits and
 * heartbeat, grouped. Times are in milliseconds, sizes in bytes; `Infinity` (or `0` where said)
 * turns a limit off.
 *
 * @example An authenticated chat server's options
 * ```ts
 * import type { ServerOptions } from "@wirely/wirely/server";
 * const options: ServerOptions<{ user: string }> = {
 *   handshake: { origins: ["https://chat.example.com"], protocols: ["chat.v1"] },
 *   authenticate: (request) => {
 *     const user = request.url.searchParams.get("user");
 *     return user ? { data: { user } } : { status: 401, body: "who are you?" };
 *   },
 *   onMessage: (conn, message) => {
 *     if (message.type === "text") conn.send(`${conn.data.user}: ${message.data}`);
 *   },
 *   limits: { maxMessageSize: 65_536 },
 *   heartbeat: { interval: 20_000 },
 * };
 * console.log(options.limits?.maxMessageSize); // 65536
 * ```
 */
export interface ServerOptions<Data = undefined> {
  /** Handshake policy and limits: `timeout`, `maxHeadSize`, `origins`, `protocols`, `refuseUnknownProtocols` (see {@linkcode ServerHandshakeOptions}). @default {} */
  handshake?: ServerHandshakeOptions;
  /** Accepts or refuses a valid upgrade request (after the `handshake` checks) before the 101 answer. @default undefined (accept all) */
  authenticate?: (
    request: UpgradeRequest,
  ) => AuthenticateResult<Data> | Promise<AuthenticateResult<Data>>;
  /** Called when a connection opens, before its first message; may return a promise (a rejection counts as a throw). */
  onOpen?: (conn: ServerConnection<Data>) => unknown;
  /** Called for every message (messages are also iterable with `for await`); may return a promise. */
  onMessage?: (conn: ServerConnection<Data>, message: Message) => unknown;
  /** Called once when a connection is closed and released; may return a promise. */
  onClose?: (conn: ServerConnection<Data>, info: CloseInfo) => unknown;
  /** Gets every error thrown or rejected by a hook or listener (the connection closes with 1011). @default console.error */
  onError?: (error: unknown, conn: ServerConnection<Data> | undefined) => void;
  /** Per-connection limits: `maxMessageSize`, `maxFramesPerMessage`, `maxBufferedBytes`, `closeTimeout` (see {@linkcode ServerLimitOptions}). @default {} */
  limits?: ServerLimitOptions;
  /** Pings to silent peers and the answer to the client's heartbeat message (see {@linkcode ServerHeartbeatOptions}); `false` turns both off. @default {} (a ping every 30 s, 10 s to answer) */
  heartbeat?: ServerHeartbeatOptions | false;
  /** Milliseconds `server.close()` (and `signal`, `await using`) waits for the closing handshakes and the handshakes in progress before destroying what is left. @default 10_000 */
  shutdownTimeout?: number;
  /**
   * permessage-deflate (RFC 7692): `true` or settings to accept it when a client offers it, `false`
   * to never. The codec engine (Node, Bun, Deno's `"codec"` engine, `attach`,
   * `createWebSocketServer`) accepts it by default: nothing is kept per connection between
   * messages, so an idle connection costs about 0.2 kB more (docs/server.md). Deno's `"native"` engine cannot compress: it
   * ignores the default, and an explicit `true` or object there throws a `TypeError` at startup.
   * `limits.maxMessageSize` applies to the inflated size.
   * @default true (codec engine); false (native engine)
   */
  perMessageDeflate?: boolean | PerMessageDeflateServerOptions;
  /** Where broadcasts are published; swap it to span several processes. @default new MemoryAdapter() */
  adapter?: PubSubAdapter;
}

/**
 * The handle of a running server, the same on every runtime.
 *
 * @example Broadcast to a room, then shut down
 * ```ts
 * import type { WebSocketServer } from "@wirely/wirely/server";
 * async function announce(server: WebSocketServer<undefined>): Promise<void> {
 *   server.broadcast("maintenance in 5 minutes", { room: "lobby" });
 *   await server.close();
 * }
 * console.log(typeof announce); // "function"
 * ```
 */
export interface WebSocketServer<Data = undefined> {
  /** Connections that are open or closing; a connection leaves it when its transport closes. */
  readonly clients: ReadonlySet<ServerConnection<Data>>;
  /**
   * Sends a message to every connection, or to a room's members, encoded once; also published
   * to other servers through the adapter. Connections that are not open are skipped.
   *
   * @returns How many local connections it was handed to.
   */
  broadcast(data: OutgoingData, options?: BroadcastOptions<ServerConnection<Data>>): number;
  /**
   * Graceful shutdown: stops accepting, answers new handshakes with 503, sends 1001 to every
   * peer, waits for the closing handshakes and handshakes in progress up to `shutdownTimeout`,
   * destroys what is left, and resolves once everything is released.
   */
  close(): Promise<void>;
  /** Same as {@linkcode WebSocketServer.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}
