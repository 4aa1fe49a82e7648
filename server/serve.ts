/**
 * `serve()`'s types, shared by every runtime binding: each binding file (`serve.deno.ts`,
 * `serve.node.ts`, `serve.bun.ts`) exports a `serve` of type {@linkcode ServeFunction} made by
 * {@linkcode defineServe}, and the package's export conditions pick the binding (`deno` ->
 * `mod.ts`, `bun` -> `mod.bun.ts`, `node`/`default` -> `mod.node.ts`).
 *
 * - `"native"` (the default in Bun): in Deno `Deno.serve` and `Deno.upgradeWebSocket`,
 *   after wirely's handshake checks. Framing is Deno's; see `serve.deno.ts` for its gaps (no ping
 *   API, no permessage-deflate, unmasked client frames accepted, no read backpressure). In Bun
 *   `Bun.serve` and its `ServerWebSocket` (see `serve.bun.ts`: real pings and strict framing; no
 *   read backpressure, no permessage-deflate, Bun's own head parsing).
 * - `"codec"` (always in Node, the default in Deno, optional in Bun): `node:http`'s `upgrade` event and wirely's
 *   RFC 6455 codec over the raw socket: strict framing, ping-based heartbeat, socket
 *   backpressure, handshake head limits and timeout.
 *
 * @module
 */

import type {
  AnyAuthenticateResult,
  AuthenticatedData,
  AuthenticatedOptions,
  ServerOptions,
  WebSocketServer,
} from "./types.ts";

/**
 * Which implementation carries the sockets: Deno's native WebSocket or wirely's codec.
 *
 * @example
 * ```ts
 * import type { ServeOptions, ServerEngine } from "@wirely/wirely/server";
 * const engine: ServerEngine = "codec"; // strict framing and ping heartbeats, also in Deno
 * const options: ServeOptions = { port: 0, hostname: "127.0.0.1", engine };
 * console.log(options.engine); // codec
 * ```
 */
export type ServerEngine = "native" | "codec";

/**
 * Options of {@linkcode serve}.
 *
 * @example
 * ```ts
 * import type { ServeOptions } from "@wirely/wirely/server";
 * const options: ServeOptions = { port: 0, hostname: "127.0.0.1", engine: "codec" };
 * console.log(options.port); // 0
 * ```
 */
export interface ServeOptions<Data = undefined> extends ServerOptions<Data> {
  /** Only upgrades to this pathname are handled; others get 404. @default undefined (every path) */
  path?: string;
  /** TCP port; `0` picks a free one (read it from `addr.port`). @default 8000 */
  port?: number;
  /** Interface to listen on. @default "0.0.0.0" */
  hostname?: string;
  /** PEM certificate chain; with `key`, serves `wss://` (`Deno.serve` TLS or `node:https`). @default undefined */
  cert?: string;
  /** PEM private key of `cert`. @default undefined */
  key?: string;
  /** Aborting it shuts the server down gracefully. @default undefined */
  signal?: AbortSignal;
  /** `"codec"` (wirely's codec on `node:http`) or `"native"` (Deno's and Bun's own sockets); ignored in Node (always `"codec"`). @default "codec" in Deno and Node, "native" in Bun */
  engine?: ServerEngine;
}

/**
 * A listening server started by {@linkcode serve}.
 *
 * @example Start a server (declared, not run)
 * ```ts
 * import { serve, type ServedWebSocketServer } from "@wirely/wirely/server";
 * async function start(): Promise<ServedWebSocketServer> {
 *   const server = await serve({ port: 0, hostname: "127.0.0.1" });
 *   console.log(server.url, server.engine, server.addr.port); // ws://127.0.0.1:<port>/ codec <port>
 *   return server;
 * }
 * console.log(typeof start); // function
 * ```
 */
export interface ServedWebSocketServer<Data = undefined> extends WebSocketServer<Data> {
  /** The bound address (the real port when `port: 0` was asked). */
  readonly addr: { hostname: string; port: number };
  /** `ws://host:port/` (or `wss://`) that a client on this machine can dial: a wildcard bind address (`0.0.0.0`, `::`) is reported as loopback (`127.0.0.1`, `[::1]`). */
  readonly url: string;
  /** The engine that carries the sockets. */
  readonly engine: ServerEngine;
}

/**
 * The signature of `serve()`, the same on every runtime binding.
 *
 * @example
 * ```ts
 * import { serve, type ServeFunction } from "@wirely/wirely/server";
 * const start: ServeFunction = serve;
 * const server = await start({ port: 0, hostname: "127.0.0.1" });
 * await server.close();
 * ```
 */
export interface ServeFunction {
  /**
   * Starts a WebSocket server (see the other overload), with the connections' `Data` inferred
   * from what `authenticate` returns: the type of `data` in its `{ data }` answers (see
   * {@linkcode AuthenticatedData}). Give `Data` yourself with `serve<Data>(...)`.
   *
   * @example Typed per-connection data, inferred from `authenticate`
   * ```ts
   * import { serve } from "@wirely/wirely/server";
   * const server = await serve({
   *   port: 0,
   *   hostname: "127.0.0.1",
   *   authenticate: (request) => {
   *     const user = request.url.searchParams.get("user");
   *     return user ? { data: { user } } : { status: 401, body: "who are you?" };
   *   },
   *   onMessage: (conn, message) => conn.send(`${conn.data.user}: ${String(message.data)}`),
   * });
   * await server.close();
   * ```
   *
   * @typeParam Result The type `authenticate` returns.
   * @typeParam _Explicit Never given: it keeps `serve<Data>()` calls on the other overload.
   * @throws {RangeError} If `port` or a limit is out of range.
   * @throws {TypeError} If `cert` comes without `key`, `engine` is unknown, or an option has the wrong type.
   */
  <Result extends AnyAuthenticateResult, _Explicit>(
    options: AuthenticatedOptions<Result, ServeOptions<AuthenticatedData<Result>>>,
  ): Promise<ServedWebSocketServer<AuthenticatedData<Result>>>;
  /**
   * Starts a WebSocket server on the current runtime: in Deno on `node:http` with wirely's codec
   * (engine `"codec"`, the default) or `Deno.serve` (engine `"native"`); in Bun on `Bun.serve` (engine
   * `"native"`, the default) or `node:http`; in Node always `node:http` with the codec. Resolves
   * once it accepts connections.
   *
   * @example An echo server on a free port
   * ```ts
   * import { serve } from "@wirely/wirely/server";
   * const server = await serve({
   *   port: 0,
   *   hostname: "127.0.0.1",
   *   onMessage: (conn, message) => conn.send(message.data),
   * });
   * console.log(server.url.startsWith("ws://127.0.0.1:")); // true
   * await server.close();
   * ```
   *
   * @example Per-connection data of a given type
   * ```ts
   * import { serve } from "@wirely/wirely/server";
   * interface Session { user: string }
   * const server = await serve<Session>({
   *   port: 0,
   *   hostname: "127.0.0.1",
   *   authenticate: (request) => ({ data: { user: request.headers.get("x-user") ?? "guest" } }),
   *   onOpen: (conn) => conn.send(`hello ${conn.data.user}`),
   * });
   * await server.close();
   * ```
   *
   * @typeParam Data The connections' `data` (from `authenticate`'s `{ data }` answers).
   * @throws {RangeError} If `port` or a limit is out of range.
   * @throws {TypeError} If `cert` comes without `key`, `engine` is unknown, or an option has the wrong type.
   */
  <Data = undefined>(options?: ServeOptions<Data>): Promise<ServedWebSocketServer<Data>>;
}

/** What a binding implements: start a listener with checked options. */
export type ServeImplementation = <Data>(
  options: ServeOptions<Data>,
) => Promise<ServedWebSocketServer<Data>>;

/**
 * Makes a binding's `serve()`: checks `port`, `cert`/`key` and `engine` (before any I/O; a bad
 * value rejects), then runs `start`. A new runtime binding calls it once.
 */
export function defineServe(start: ServeImplementation): ServeFunction {
  return (async <Data>(options: ServeOptions<Data> = {}): Promise<ServedWebSocketServer<Data>> => {
    const { port = 8000, cert, key, engine } = options;
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new RangeError(
        `Cannot serve as 'port' must be an integer from 0 to 65535: current value is ${port}`,
      );
    }
    if ((cert === undefined) !== (key === undefined)) {
      throw new TypeError("Cannot serve as 'cert' and 'key' must be given together");
    }
    if (engine !== undefined && engine !== "native" && engine !== "codec") {
      throw new TypeError(
        `Cannot serve as 'engine' must be "native" or "codec": current value is ${String(engine)}`,
      );
    }
    return await start(options);
  }) as ServeFunction;
}
