/**
 * The types of the Bun binding (no code): what `createBunServer` returns and takes
 * from Bun, so that `bun_server.ts` holds only the per-request code.
 *
 * @module
 */

import type { BunServerWebSocket } from "./bun_transport.ts";
import type { ServerTransport } from "./transport.ts";
import type { UpgradeRequest, WebSocketServer } from "./types.ts";

/**
 * The part of Bun's `Server` (`fetch`'s second argument) that `createBunServer` uses.
 *
 * @example
 * ```ts
 * import type { BunServer } from "@wirely/wirely/server";
 * const server: BunServer = { upgrade: () => false, requestIP: () => null };
 * console.log(server.upgrade(new Request("http://localhost/"), {})); // false
 * ```
 */
export interface BunServer {
  /** Upgrades the request; `false` when it is not a valid upgrade. */
  upgrade(request: Request, options: { headers?: Record<string, string>; data?: unknown }): boolean;
  /** The peer's address. */
  requestIP(request: Request): { address: string } | null;
}

/** What wirely keeps on each Bun socket (`ws.data`). */
export interface BunSocketData {
  /** The upgrade request as `ServerConnection.request` shows it. */
  readonly request: UpgradeRequest;
  /** The chosen subprotocol (`""`: none). */
  readonly protocol: string;
  /** What `authenticate` returned as `data`. */
  readonly data: unknown;
  /** Ends the handshake's tracking. */
  readonly done: () => void;
  /** The connection's transport, once open. */
  transport: ServerTransport | undefined;
}

/**
 * The `websocket` option of `Bun.serve` made by `createBunServer`: Bun's handlers and
 * the settings that carry wirely's limits (`maxPayloadLength` is `limits.maxMessageSize`; Bun's own
 * idle timeout, pings, backpressure close and compression are off: wirely does those).
 *
 * @example
 * ```ts
 * import { createBunServer } from "@wirely/wirely/server";
 * const wss = createBunServer({ limits: { maxMessageSize: 1024 } });
 * console.log(wss.websocket.maxPayloadLength); // 1024
 * await wss.close();
 * ```
 */
export interface BunWebSocketHandler {
  /** Bun's `open` handler. */
  open(ws: BunServerWebSocket<BunSocketData>): void;
  /** Bun's `message` handler. */
  message(ws: BunServerWebSocket<BunSocketData>, message: string | Uint8Array): void;
  /** Bun's `close` handler. */
  close(ws: BunServerWebSocket<BunSocketData>, code: number, reason: string): void;
  /** Bun's `drain` handler. */
  drain(ws: BunServerWebSocket<BunSocketData>): void;
  /** Bun's `ping` handler. */
  ping(ws: BunServerWebSocket<BunSocketData>, data: Uint8Array): void;
  /** Bun's `pong` handler. */
  pong(ws: BunServerWebSocket<BunSocketData>, data: Uint8Array): void;
  /** Bytes: `maxMessageSize` (Bun closes with 1009 above it). */
  readonly maxPayloadLength: number;
  /** Bytes Bun queues before dropping sends: above `maxBufferedBytes`, which closes with 1008 first. */
  readonly backpressureLimit: number;
  /** `false`: wirely closes slow consumers with 1008 itself. */
  readonly closeOnBackpressureLimit: false;
  /** `0`: no idle timeout of Bun's; wirely's heartbeat pings. */
  readonly idleTimeout: number;
  /** `false`: wirely's heartbeat pings. */
  readonly sendPings: false;
  /** `false`: no permessage-deflate on Bun's sockets. */
  readonly perMessageDeflate: false;
}

/**
 * A server on Bun's WebSockets without a listener: pass `websocket` to `Bun.serve` and answer
 * upgrade requests from its `fetch` with {@linkcode BunWebSocketServer.upgrade}.
 *
 * @example A `Bun.serve` setup (declared, not run)
 * ```ts
 * import type { BunServer, BunWebSocketServer } from "@wirely/wirely/server";
 * function options(wss: BunWebSocketServer) {
 *   return {
 *     fetch: (request: Request, server: BunServer) => wss.upgrade(request, server),
 *     websocket: wss.websocket,
 *   };
 * }
 * console.log(typeof options); // function
 * ```
 */
export interface BunWebSocketServer<Data = undefined> extends WebSocketServer<Data> {
  /**
   * Checks the handshake and, if accepted, upgrades with `server.upgrade()`: resolves to
   * `undefined` (Bun sends the 101; `onOpen` runs once it has) or the refusal
   * (400/403/405/426/431/...). Return it from `fetch`.
   */
  upgrade(request: Request, server: BunServer): Promise<Response | undefined>;
  /** The `websocket` option for `Bun.serve`. */
  readonly websocket: BunWebSocketHandler;
}
