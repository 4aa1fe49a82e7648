/**
 * The runtime-neutral core of a server: the set of clients, rooms, heartbeat, hooks with error
 * isolation, handshake decisions and graceful shutdown. Bindings (`serve.node.ts`) own the
 * listener and the sockets and call into it.
 *
 * @module
 */

import type { Extension, ExtensionNegotiator } from "../codec/extension.ts";
import type { Message } from "../codec/message.ts";
import type { DeflateBinding } from "../codec/permessage_deflate.ts";
import { deliverPrepared, ServerConnection } from "./connection.ts";
import { Heartbeat } from "./heartbeat.ts";
import {
  type HandshakeLimits,
  type HeartbeatSettings,
  type Limits,
  resolveServerOptions,
  type ServerSettings,
} from "./options.ts";
import type { OutgoingData } from "./prepared_message.ts";
import { MemoryAdapter } from "./pubsub.ts";
import { type BroadcastOptions, Rooms } from "./rooms.ts";
import type { CloseInfo, ServerOptions, UpgradeRequest } from "./types.ts";
import type { ByteSocket, ServerTransport } from "./transport.ts";
import { CodecTransport } from "./_codec_transport.ts";
import { deflateNegotiator } from "./_deflate.ts";
import { WriteBatch } from "./_writer.ts";
import {
  type HeaderLookup,
  negotiate,
  refusal,
  type RequestLine,
  type UpgradeDecision,
} from "./upgrade.ts";

/** Shown when a hook fails and the user gave no `onError`. */
function defaultOnError(error: unknown): void {
  console.error("wirely: error in a server hook or listener:", error);
}

/** The shared part of every server binding. */
export class ServerCore<Data> {
  /** Every setting with defaults applied. */
  readonly settings: ServerSettings;
  /** Per-connection limits with defaults applied (`settings.limits`). */
  readonly limits: Limits;
  /** Handshake limits with defaults applied (`settings.handshake`). */
  readonly handshake: HandshakeLimits;
  /** Heartbeat settings with defaults applied (`settings.heartbeat`). */
  readonly heartbeat: HeartbeatSettings;
  /** Open (and closing) connections. */
  readonly clients: Set<ServerConnection<Data>> = new Set();
  /** Rooms and broadcast. */
  readonly rooms: Rooms<ServerConnection<Data>>;
  /** Whether an `onMessage` hook exists. */
  readonly hasMessageHook: boolean;
  /** Whether an `authenticate` hook exists (without one, a handshake decision takes no time). */
  readonly hasAuthenticate: boolean;
  /**
   * Collects writes while one socket read, or one burst of broadcasts from other servers, is
   * handled (one write per connection).
   */
  readonly batch: WriteBatch = new WriteBatch();
  readonly #options: ServerOptions<Data>;
  /** Negotiates permessage-deflate (codec engines with a compressor; `undefined`: never). */
  readonly #extensions: ExtensionNegotiator | undefined;
  readonly #pings: Heartbeat<ServerConnection<Data>>;
  readonly #handshakes = new Set<() => void>();
  #nextId = 1;
  #closing: Promise<void> | undefined;
  #idleWaiters: (() => void)[] = [];

  /**
   * @param options The user's options (validated here).
   * @param deflate The compressor of a codec engine: with it, permessage-deflate is negotiated
   * (unless `perMessageDeflate: false`); without it, never.
   * @throws {RangeError | TypeError} For a bad option.
   */
  constructor(options: ServerOptions<Data>, deflate?: DeflateBinding) {
    this.settings = resolveServerOptions(options);
    this.limits = this.settings.limits;
    this.handshake = this.settings.handshake;
    this.heartbeat = this.settings.heartbeat;
    this.#options = options;
    this.#extensions = deflateNegotiator(options as ServerOptions<unknown>, deflate);
    this.hasMessageHook = options.onMessage !== undefined;
    this.hasAuthenticate = options.authenticate !== undefined;
    this.rooms = new Rooms(
      this.clients,
      options.adapter ?? new MemoryAdapter(),
      (error) => this.reportError(error, undefined),
      deliverPrepared,
      // Broadcasts from other servers come one by one: write each connection's burst at once.
      () => this.batch.hold(),
    );
    this.#pings = new Heartbeat(
      this.clients,
      this.heartbeat.interval,
      this.heartbeat.timeout,
    );
  }

  /** Whether `close()` was called. */
  get closing(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Tracks a handshake in progress so that `close()` waits for it (up to `shutdownTimeout`,
   * then calls `abort`). Returns the function to call when it is over.
   */
  trackHandshake(abort: () => void): () => void {
    this.#handshakes.add(abort);
    return () => {
      this.#handshakes.delete(abort);
      this.#checkIdle();
    };
  }

  /**
   * Decides on an upgrade; a throwing hook becomes 500 (and reaches onError); 503 when closing.
   * Synchronous unless an `authenticate` hook runs.
   */
  negotiate(
    request: UpgradeRequest,
    headers?: HeaderLookup,
    line?: RequestLine,
  ): UpgradeDecision<Data> | Promise<UpgradeDecision<Data>> {
    if (this.closing) return refusal(503, "the server is shutting down\n");
    let decision: UpgradeDecision<Data> | Promise<UpgradeDecision<Data>>;
    try {
      decision = negotiate(request, this.#options, headers, line, this.#extensions);
    } catch (error) {
      return this.#failedDecision(error);
    }
    if (decision instanceof Promise) {
      return decision.then((d) => this.#checkClosing(d), (error) => this.#failedDecision(error));
    }
    return this.#checkClosing(decision);
  }

  #checkClosing(decision: UpgradeDecision<Data>): UpgradeDecision<Data> {
    if (decision.accept && this.closing) return refusal(503, "the server is shutting down\n");
    return decision;
  }

  #failedDecision(error: unknown): UpgradeDecision<Data> {
    this.reportError(error, undefined);
    return refusal(500, "internal error\n");
  }

  /**
   * Creates the connection for an upgraded byte socket, with the codec on top (and the
   * extensions the handshake agreed).
   */
  openBytes(
    socket: ByteSocket,
    request: UpgradeRequest,
    protocol: string,
    data: Data,
    extensions?: readonly Extension[],
  ): ServerConnection<Data> {
    const transport = new CodecTransport(socket, this.limits, this.batch, extensions);
    return this.open(transport, request, protocol, data);
  }

  /** Creates the connection for an upgraded transport and runs `onOpen`. */
  open(
    transport: ServerTransport,
    request: UpgradeRequest,
    protocol: string,
    data: Data,
  ): ServerConnection<Data> {
    const conn = new ServerConnection<Data>(
      transport,
      { id: this.#nextId++, request, protocol, data },
      this,
    );
    this.clients.add(conn);
    this.#pings.start();
    const onOpen = this.#options.onOpen;
    if (onOpen !== undefined) this.guard(conn, () => onOpen(conn));
    return conn;
  }

  /** Sends to every client, or a room's members, encoded once. */
  broadcast(data: OutgoingData, options?: BroadcastOptions<ServerConnection<Data>>): number {
    return this.rooms.broadcast(data, options);
  }

  /** Runs a user callback; a throw or rejection reaches onError and closes `conn` with 1011. */
  guard(conn: ServerConnection<Data>, call: () => unknown): void {
    try {
      const result = call();
      if (result instanceof Promise) result.catch((error) => this.#hookFailed(error, conn));
    } catch (error) {
      this.#hookFailed(error, conn);
    }
  }

  /** Passes an error to onError (a throwing onError is logged, never rethrown). */
  reportError(error: unknown, conn: ServerConnection<Data> | undefined): void {
    try {
      (this.#options.onError ?? defaultOnError)(error, conn);
    } catch (secondary) {
      defaultOnError(secondary);
    }
  }

  /** Runs the onMessage hook. */
  message(conn: ServerConnection<Data>, message: Message): void {
    const onMessage = this.#options.onMessage;
    if (onMessage === undefined) return;
    // guard() without its closure: this runs for every message.
    try {
      const result = onMessage(conn, message);
      if (result instanceof Promise) result.catch((error) => this.#hookFailed(error, conn));
    } catch (error) {
      this.#hookFailed(error, conn);
    }
  }

  /** Forgets a closed connection and runs onClose. */
  release(conn: ServerConnection<Data>, info: CloseInfo): void {
    this.clients.delete(conn);
    this.rooms.leaveAll(conn);
    if (this.clients.size === 0) this.#pings.stop();
    const onClose = this.#options.onClose;
    if (onClose !== undefined) this.guard(conn, () => onClose(conn, info));
    this.#checkIdle();
  }

  /**
   * Graceful shutdown of the connections: new handshakes get 503, every client gets
   * `code` (1001), then waits until all are closed and handshakes answered, destroying what is
   * left after `shutdownTimeout`. Calling it again returns the same promise.
   */
  close(code: number = 1001, reason: string = "server shutting down"): Promise<void> {
    this.#closing ??= this.#shutdown(code, reason);
    return this.#closing;
  }

  async #shutdown(code: number, reason: string): Promise<void> {
    for (const conn of this.clients) {
      try {
        conn.close(code, reason);
      } catch (error) {
        this.reportError(error, conn);
      }
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const idle = new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    this.#checkIdle();
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.settings.shutdownTimeout);
    });
    await Promise.race([idle, deadline]);
    clearTimeout(timer);
    if (this.clients.size > 0 || this.#handshakes.size > 0) {
      for (const abort of [...this.#handshakes]) abort();
      this.#handshakes.clear();
      for (const conn of [...this.clients]) conn.terminate();
      // Destroyed sockets report their close on a later tick.
      await Promise.race([
        new Promise<void>((resolve) => {
          this.#idleWaiters.push(resolve);
          this.#checkIdle();
        }),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 1_000);
        }),
      ]);
      clearTimeout(timer);
    }
    this.#pings.stop();
    await this.rooms.stop();
  }

  #checkIdle(): void {
    if (this.clients.size > 0 || this.#handshakes.size > 0) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  #hookFailed(error: unknown, conn: ServerConnection<Data>): void {
    this.reportError(error, conn);
    if (conn.state === "open") conn.close(1011);
  }
}
