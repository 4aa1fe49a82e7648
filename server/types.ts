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
import type {
  PerMessageDeflateServerOptions,
  ServerHandshakeOptions,
  ServerHeartbeatOptions,
  ServerLimitOptions,
} from "./option_types.ts";

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
