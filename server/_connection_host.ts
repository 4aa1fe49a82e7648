/**
 * The contract between a {@linkcode ServerConnection} and its server, and the connection's
 * state names.
 *
 * @module
 */

import type { Message } from "../codec/message.ts";
import type { ServerConnection } from "./connection.ts";
import type { HeartbeatSettings, Limits } from "./options.ts";
import type { Rooms } from "./rooms.ts";
import type { CloseInfo, UpgradeRequest } from "./types.ts";
import type { WriteBatch } from "./_writer.ts";

/** What a connection needs from its server; implemented by the server core. */
export interface ConnectionHost<Data> {
  /** Per-connection limits with defaults applied. */
  readonly limits: Limits;
  /** Heartbeat settings with defaults applied (`appMessage`: answer the heartbeat message). */
  readonly heartbeat: HeartbeatSettings;
  /** The server's rooms. */
  readonly rooms: Rooms<ServerConnection<Data>>;
  /** Whether a server-level `onMessage` hook exists. */
  readonly hasMessageHook: boolean;
  /** Collects writes while the server handles one socket read (one write per connection). */
  readonly batch: WriteBatch;
  /** Runs a user callback: a throw or rejection reaches onError and closes `conn` with 1011. */
  guard(conn: ServerConnection<Data>, call: () => unknown): void;
  /** Reports an error to onError without closing anything. */
  reportError(error: unknown, conn: ServerConnection<Data>): void;
  /** Delivers a message to the server-level hook. */
  message(conn: ServerConnection<Data>, message: Message): void;
  /** The transport closed: forget the connection, then run the close hook. */
  release(conn: ServerConnection<Data>, info: CloseInfo): void;
}

/**
 * Where the connection stands: `open`, `closing` (close started), `closed` (transport released).
 *
 * @example
 * ```ts
 * import type { ServerConnection, ServerConnectionState } from "@wirely/wirely/server";
 * function sendIfOpen(conn: ServerConnection, text: string): boolean {
 *   const state: ServerConnectionState = conn.state;
 *   if (state === "open") conn.send(text);
 *   return state === "open";
 * }
 * console.log(typeof sendIfOpen); // function
 * ```
 */
export type ServerConnectionState = "open" | "closing" | "closed";

/** How a binding creates a connection (users receive connections, they never create them). */
export interface ServerConnectionInit<Data> {
  /** Unique among the server's connections. */
  id: number;
  /** The request that asked for the upgrade. */
  request: UpgradeRequest;
  /** The negotiated subprotocol, `""` for none. */
  protocol: string;
  /** Initial per-connection data. */
  data: Data;
}
