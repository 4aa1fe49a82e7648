/**
 * {@linkcode ServerConnection}: one peer of a server, over a message-level
 * {@linkcode ServerTransport} (the codec over a byte socket, or a runtime's own WebSocket). It
 * sees nothing else of the runtime.
 *
 * @module
 */

import type { RoomMember } from "./rooms.ts";
import type { Message } from "../codec/message.ts";
import type {
  ConnectionHost,
  ServerConnectionInit,
  ServerConnectionState,
} from "./_connection_host.ts";
import { addListener, emit, hasListeners, type Listeners } from "./_listeners.ts";
import { InvalidStateError } from "../codec/errors.ts";
import { HEARTBEAT_PING, HEARTBEAT_PONG } from "../client/heartbeat.ts";
import { MessageQueue } from "./message_queue.ts";
import { type OutgoingData, type PreparedMessage, toPayload } from "./prepared_message.ts";
import type { ServerTransport, ServerTransportEvents } from "./transport.ts";
import type {
  CloseInfo,
  ServerConnectionEventMap,
  ServerConnectionListener,
  ServerSendOptions,
  UpgradeRequest,
} from "./types.ts";

export type {
  ConnectionHost,
  ServerConnectionInit,
  ServerConnectionState,
} from "./_connection_host.ts";

let deliverTo: (conn: ServerConnection<unknown>, message: PreparedMessage) => void;

/**
 * Like `sendPrepared`, but a connection that is not open ignores it (broadcast delivery). Internal:
 * not exported from the package's entries.
 */
export function deliverPrepared(member: RoomMember, message: PreparedMessage): void {
  if (member instanceof ServerConnection) deliverTo(member, message);
}

/**
 * One client connected to the server. Receive with `onMessage`, {@linkcode ServerConnection.on}
 * or `for await`; send text, binary or JSON; close with a code and reason.
 *
 * Messages are queued for `for await` when nothing else consumes them (no `onMessage` hook, no
 * `message` listener) or while an iteration runs; while more than 1 MiB (or 1024 messages) wait,
 * the connection stops reading from the peer until the iteration catches up.
 *
 * @example An echo handler with `for await`
 * ```ts
 * import type { ServerConnection } from "@wirely/wirely/server";
 * async function echo(conn: ServerConnection): Promise<void> {
 *   for await (const message of conn) conn.send(message.data);
 *   console.log("closed", conn.state);
 * }
 * console.log(typeof echo); // "function"
 * ```
 */
export class ServerConnection<Data = undefined> {
  /** Unique among the server's connections (a counter). */
  readonly id: number;
  /** The negotiated subprotocol, `""` when none. */
  readonly protocol: string;
  /** Your per-connection data (from `authenticate`, or set it yourself). */
  data: Data;

  /** The upgrade request (its URL and headers may be built on first use). */
  readonly #request: UpgradeRequest;
  /** The message-level transport. */
  readonly #transport: ServerTransport;
  readonly #host: ConnectionHost<Data>;
  /** Created by the first `on()` (most connections have none). */
  #listeners: Listeners | undefined;
  /** Created on first use (most connections never queue): memory per idle connection. */
  #queue: MessageQueue | undefined;
  #iterating = false;

  /**
   * Created by a server binding after a successful handshake; users never call it.
   *
   * @param transport The upgraded transport.
   * @param init Id, request, subprotocol and initial data.
   * @param host The server core.
   */
  constructor(
    transport: ServerTransport,
    init: ServerConnectionInit<Data>,
    host: ConnectionHost<Data>,
  ) {
    this.id = init.id;
    this.#request = init.request;
    this.protocol = init.protocol;
    this.data = init.data;
    this.#host = host;
    this.#transport = transport;
    transport.listen(new ServerConnection.#Link(this));
  }

  /** What the transport reports, on one object per connection whose methods are shared. */
  static #Link = class implements ServerTransportEvents {
    readonly conn: ServerConnection<unknown>;
    constructor(conn: ServerConnection<unknown>) {
      this.conn = conn;
    }
    message(message: Message): void {
      this.conn.#deliverMessage(message);
    }
    ping(data: Uint8Array): void {
      this.conn.#emit("ping", data);
    }
    pong(data: Uint8Array): void {
      this.conn.#emit("pong", data);
    }
    drain(): void {
      this.conn.#emit("drain", undefined);
    }
    error(error: unknown): void {
      this.conn.#host.reportError(error, this.conn);
    }
    closed(info: CloseInfo): void {
      this.conn.#released(info);
    }
  };

  /** The request URL (`http:` or `https:` scheme, host from the `Host` header). */
  get url(): URL {
    return this.#request.url;
  }

  /**
   * The request headers. On Deno's native engine only with `handshake.keepHeaders` once the
   * connection is open (read them in `authenticate` otherwise).
   *
   * @throws {InvalidStateError} On Deno's native engine without `handshake.keepHeaders`.
   */
  get headers(): Headers {
    return this.#request.headers;
  }

  /** The peer's IP address when known. */
  get remoteAddress(): string | undefined {
    return this.#request.remoteAddress;
  }

  /** `open`, `closing` once a close started, `closed` once the transport is released. */
  get state(): ServerConnectionState {
    return this.#transport.state;
  }

  /** Bytes written but not yet handed to the operating system (see `maxBufferedBytes`). */
  get bufferedAmount(): number {
    return this.#transport.bufferedAmount;
  }

  /** Total bytes received from the peer (the heartbeat watches it). */
  get bytesReceived(): number {
    return this.#transport.bytesReceived;
  }

  /** Whether ping frames reach the peer (`false` on Deno's native engine: {@linkcode ServerConnection.ping} does nothing there). */
  get canPing(): boolean {
    return this.#transport.canPing;
  }

  /** `true` while reading is paused because messages wait for `for await`. */
  get readPaused(): boolean {
    return this.#queue?.paused ?? false;
  }

  /** The rooms this connection is in. */
  get rooms(): ReadonlySet<string> {
    return this.#host.rooms.roomsOf(this);
  }

  /**
   * Sends a text message (string) or a binary message (`Uint8Array` or `ArrayBuffer`). Bytes are
   * sent without a copy when large: do not change them afterwards.
   *
   * With permessage-deflate agreed, messages of at least `threshold` bytes are compressed unless
   * `options.compress` is `false`.
   *
   * @returns `false` when the socket's buffer is full: wait for the `drain` event to send more.
   * @throws {InvalidStateError} If the connection is not `open`.
   * @throws {TypeError} If `data` has another type.
   */
  send(data: OutgoingData, options?: ServerSendOptions): boolean {
    if (typeof data === "string" || data instanceof Uint8Array) {
      return this.#transport.send(data, options);
    }
    if (data instanceof ArrayBuffer) return this.#transport.send(new Uint8Array(data), options);
    toPayload(data); // throws the TypeError that names the type
    return false;
  }

  /**
   * Sends `JSON.stringify(value)` as a text message (`options` as for
   * {@linkcode ServerConnection.send}).
   *
   * @returns Like {@linkcode ServerConnection.send}.
   * @throws {TypeError} If `value` cannot be serialised (undefined, a function, a cycle).
   */
  sendJson(value: unknown, options?: ServerSendOptions): boolean {
    const text = JSON.stringify(value);
    if (typeof text !== "string") {
      throw new TypeError(
        `Cannot send JSON as 'value' must serialise to JSON: current type is ${typeof value}`,
      );
    }
    return this.send(text, options);
  }

  /**
   * Sends a message encoded beforehand (the same bytes can go to many connections).
   *
   * @returns Like {@linkcode ServerConnection.send}.
   * @throws {InvalidStateError} If the connection is not `open`.
   */
  sendPrepared(message: PreparedMessage): boolean {
    return this.#transport.sendPrepared(message);
  }

  static {
    // Broadcast delivery without a public method: the core passes deliverPrepared to its rooms.
    deliverTo = (conn, message) => {
      if (conn.#transport.state === "open") conn.#transport.sendPrepared(message);
    };
  }

  /**
   * Sends a ping; the peer answers with a pong event carrying the same data. Does nothing on
   * Deno's native engine, which has no ping API (see {@linkcode ServerConnection.canPing}).
   *
   * @param data Up to 125 bytes.
   * @throws {InvalidStateError} If the connection is not `open`.
   */
  ping(data?: Uint8Array): void {
    const state = this.#transport.state;
    if (state !== "open") throw new InvalidStateError(`cannot ping: the connection is ${state}`);
    this.#transport.ping(data);
  }

  /**
   * Starts the closing handshake; the socket is destroyed if the peer does not answer within
   * `limits.closeTimeout`. Does nothing when already closing or closed.
   *
   * @param code 1000-1003, 1007-1014 or 3000-4999. @default 1000
   * @param reason At most 123 bytes of UTF-8. @default ""
   * @throws {RangeError} If the code may not be sent or the reason is too long.
   */
  close(code: number = 1000, reason: string = ""): void {
    this.#transport.close(code, reason);
  }

  /** Destroys the socket at once, without a closing handshake (the close event says 1006). */
  terminate(): void {
    this.#transport.terminate();
  }

  /** Adds this connection to `room` (for `broadcast(data, { room })`). Ignored once closed. */
  join(room: string): void {
    if (this.#transport.state !== "closed") this.#host.rooms.join(this, room);
  }

  /** Removes this connection from `room`. */
  leave(room: string): void {
    this.#host.rooms.leave(this, room);
  }

  /**
   * Listens to an event; returns a function that removes the listener. A listener that throws
   * (or rejects) reaches `onError` and closes the connection with 1011.
   *
   * @example
   * ```ts
   * import type { ServerConnection } from "@wirely/wirely/server";
   * function log(conn: ServerConnection): () => void {
   *   return conn.on("message", (message) => console.log(message.type));
   * }
   * console.log(typeof log); // "function"
   * ```
   */
  on<K extends keyof ServerConnectionEventMap>(
    type: K,
    listener: ServerConnectionListener<K>,
  ): () => void {
    return addListener(this.#listeners ??= {}, type, listener);
  }

  /**
   * Iterates over incoming messages until the connection closes. Breaking out of the loop stops
   * queueing for it (if nothing else consumes messages, they keep queueing for a next loop).
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Message> {
    this.#iterating = true;
    const iterator: AsyncIterableIterator<Message> = {
      next: () => this.#messages().next(),
      return: (): Promise<IteratorResult<Message>> => {
        this.#iterating = false;
        return Promise.resolve({ done: true, value: undefined });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  #messages(): MessageQueue {
    if (this.#queue === undefined) {
      const transport = this.#transport;
      this.#queue = new MessageQueue((paused) => transport.pauseReading(paused));
      if (transport.state === "closed") this.#queue.end();
    }
    return this.#queue;
  }

  #deliverMessage(message: Message): void {
    if (
      message.type === "text" && message.data === HEARTBEAT_PING &&
      this.#host.heartbeat.appMessage
    ) {
      if (this.#transport.state === "open") this.send(HEARTBEAT_PONG);
      return;
    }
    const listeners = this.#listeners;
    const consumed = this.#host.hasMessageHook ||
      (listeners !== undefined && hasListeners(listeners, "message"));
    if (this.#iterating || !consumed) this.#messages().push(message);
    this.#emit("message", message);
    if (this.#host.hasMessageHook) this.#host.message(this, message);
  }

  #emit<K extends keyof ServerConnectionEventMap>(
    type: K,
    event: ServerConnectionEventMap[K],
  ): void {
    const listeners = this.#listeners;
    if (listeners === undefined || !hasListeners(listeners, type)) return;
    emit(listeners, type, event, (call) => this.#host.guard(this, call));
  }

  /** The transport closed: end iterations, leave the server, then the close event. */
  #released(info: CloseInfo): void {
    this.#queue?.end();
    this.#host.release(this, info);
    this.#emit("close", info);
    this.#listeners = undefined;
  }
}
