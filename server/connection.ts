/**
 * {@linkcode ServerConnection}: one peer of a server, driving the sans-I/O codec
 * {@linkcode Connection} over a runtime-neutral {@linkcode Socket}.
 *
 * @module
 */

import { Connection, type ConnectionEvent } from "../codec/connection.ts";
import { InvalidStateError } from "../codec/errors.ts";
import type { Message } from "../codec/message.ts";
import type {
  ConnectionHost,
  ServerConnectionInit,
  ServerConnectionState,
} from "./_connection_host.ts";
import { addListener, emit, hasListeners, type Listeners } from "./_listeners.ts";
import { CloseSplitter } from "./close_splitter.ts";
import { APP_HEARTBEAT_PING, APP_HEARTBEAT_PONG } from "./heartbeat.ts";
import { MessageQueue } from "./message_queue.ts";
import { type OutgoingData, type PreparedMessage, toPayload } from "./prepared_message.ts";
import { Writer } from "./_writer.ts";
import type {
  CloseInfo,
  ServerConnectionEventMap,
  ServerConnectionListener,
  Socket,
  SocketHandlers,
} from "./types.ts";

export type {
  ConnectionHost,
  ServerConnectionInit,
  ServerConnectionState,
} from "./_connection_host.ts";

const utf8 = new TextEncoder();

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
  /** The request URL (`http:` or `https:` scheme, host from the `Host` header). */
  readonly url: URL;
  /** The request headers. */
  readonly headers: Headers;
  /** The negotiated subprotocol, `""` when none. */
  readonly protocol: string;
  /** The peer's IP address when known. */
  readonly remoteAddress: string | undefined;
  /** Your per-connection data (from `authenticate`, or set it yourself). */
  data: Data;

  readonly #codec: Connection;
  readonly #closeSplitter = new CloseSplitter();
  readonly #socket: Socket;
  readonly #writer: Writer;
  /** A message transport (Deno's native socket): whole messages in and out, no framing. */
  readonly #direct: boolean;
  readonly #host: ConnectionHost<Data>;
  #listeners: Listeners = {};
  /** Created on first use (most connections never queue): memory per idle connection. */
  #queue: MessageQueue | undefined;
  #iterating = false;
  #bytesReceived = 0;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  #ended = false;
  #closeInfo: CloseInfo | undefined;
  #released = false;

  /**
   * Created by a server binding after a successful handshake; users never call it.
   *
   * @param socket The upgraded transport.
   * @param init Id, request, subprotocol and initial data.
   * @param host The server core.
   */
  constructor(socket: Socket, init: ServerConnectionInit<Data>, host: ConnectionHost<Data>) {
    this.id = init.id;
    this.url = init.request.url;
    this.headers = init.request.headers;
    this.remoteAddress = init.request.remoteAddress;
    this.protocol = init.protocol;
    this.data = init.data;
    this.#socket = socket;
    this.#host = host;
    this.#codec = new Connection({
      role: "server",
      maxMessageSize: host.limits.maxMessageSize,
      maxFramesPerMessage: host.limits.maxFramesPerMessage,
    });
    this.#direct = socket.sendMessage !== undefined;
    this.#writer = new Writer(
      socket,
      host.batch,
      host.limits.maxBufferedBytes,
      () => this.#slowConsumer(),
    );
    const batch = host.batch;
    const handlers: SocketHandlers = {
      data: (chunk) => {
        batch.begin();
        try {
          this.#onData(chunk);
        } finally {
          batch.end();
        }
      },
      message: (data) => this.#onMessage(data),
      end: () => this.#onEnd(),
      drain: () => {
        this.#writer.writable = true;
        this.#emit("drain", undefined);
      },
      close: () => this.#onClose(),
    };
    socket.listen(handlers);
  }

  /** `open`, `closing` once a close started, `closed` once the transport is released. */
  get state(): ServerConnectionState {
    if (this.#released) return "closed";
    return this.#codec.state === "open" ? "open" : "closing";
  }

  /** Bytes written but not yet handed to the operating system (see `maxBufferedBytes`). */
  get bufferedAmount(): number {
    return this.#socket.bufferedAmount;
  }

  /** Total bytes received from the peer (the heartbeat watches it). */
  get bytesReceived(): number {
    return this.#bytesReceived;
  }

  /** Whether ping frames reach the peer (`false` on Deno's native engine: {@linkcode ServerConnection.ping} does nothing there). */
  get canPing(): boolean {
    return this.#socket.canPing !== false;
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
   * @returns `false` when the socket's buffer is full: wait for the `drain` event to send more.
   * @throws {InvalidStateError} If the connection is not `open`.
   * @throws {TypeError} If `data` has another type.
   */
  send(data: OutgoingData): boolean {
    if (this.#direct) {
      if (typeof data === "string") return this.#sendMessage("send text", data);
      if (data instanceof Uint8Array) return this.#sendMessage("send binary", data);
      if (data instanceof ArrayBuffer) {
        return this.#sendMessage("send binary", new Uint8Array(data));
      }
    }
    if (typeof data === "string") this.#codec.sendText(data);
    else if (data instanceof Uint8Array) this.#codec.sendBinary(data);
    else if (data instanceof ArrayBuffer) this.#codec.sendBinary(new Uint8Array(data));
    else toPayload(data); // throws the TypeError that names the type
    return this.#flush();
  }

  /**
   * Sends `JSON.stringify(value)` as a text message.
   *
   * @returns Like {@linkcode ServerConnection.send}.
   * @throws {TypeError} If `value` cannot be serialised (undefined, a function, a cycle).
   */
  sendJson(value: unknown): boolean {
    const text = JSON.stringify(value);
    if (typeof text !== "string") {
      throw new TypeError(
        `Cannot send JSON as 'value' must serialise to JSON: current type is ${typeof value}`,
      );
    }
    return this.send(text);
  }

  /**
   * Sends a message encoded beforehand (the same bytes can go to many connections).
   *
   * @returns Like {@linkcode ServerConnection.send}.
   * @throws {InvalidStateError} If the connection is not `open`.
   */
  sendPrepared(message: PreparedMessage): boolean {
    if (this.#codec.state !== "open") {
      throw new InvalidStateError(`cannot send: the connection is ${this.state}`);
    }
    if (this.#direct) return this.#writer.message(message.binary ? message.payload : message.text);
    return this.#write([message.bytes]);
  }

  /** Like {@linkcode ServerConnection.sendPrepared}, but a connection that is not open ignores it (used by broadcast). */
  deliver(message: PreparedMessage): void {
    if (this.#codec.state !== "open") return;
    if (this.#direct) this.#writer.message(message.binary ? message.payload : message.text);
    else this.#write([message.bytes]);
  }

  /**
   * Sends a ping; the peer answers with a pong event carrying the same data. Does nothing on
   * Deno's native engine, which has no ping API (see {@linkcode ServerConnection.canPing}).
   *
   * @param data Up to 125 bytes.
   * @throws {InvalidStateError} If the connection is not `open`.
   */
  ping(data?: Uint8Array): void {
    this.#codec.ping(data);
    this.#flush();
  }

  /**
   * Starts the closing handshake; the socket is destroyed if the peer does not answer within
   * `closeTimeout`. Does nothing when already closing or closed.
   *
   * @param code 1000-1003, 1007-1014 or 3000-4999. @default 1000
   * @param reason At most 123 bytes of UTF-8. @default ""
   * @throws {RangeError} If the code may not be sent or the reason is too long.
   */
  close(code: number = 1000, reason: string = ""): void {
    this.#codec.close(code, reason);
    this.#process();
  }

  /** Destroys the socket at once, without a closing handshake (the close event says 1006). */
  terminate(): void {
    this.#socket.destroy();
  }

  /** Adds this connection to `room` (for `broadcast(data, { room })`). Ignored once closed. */
  join(room: string): void {
    if (!this.#released) this.#host.rooms.join(this, room);
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
    return addListener(this.#listeners, type, listener);
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

  #onData(chunk: Uint8Array): void {
    this.#bytesReceived += chunk.length;
    // Messages before a close in the same chunk are delivered (and may be answered) first.
    for (const piece of this.#closeSplitter.split(chunk)) {
      try {
        this.#codec.receive(piece);
      } catch (error) {
        // A bug in the codec: it already closed with 1011; report it, never throw into the socket.
        this.#host.reportError(error, this);
      } finally {
        this.#process();
      }
      if (this.#released) break;
    }
  }

  /** A whole message from a message transport: the codec's limits and states, without framing. */
  #onMessage(data: string | Uint8Array): void {
    if (this.#released || this.#codec.state === "closed") return;
    this.#bytesReceived += data.length;
    const max = this.#host.limits.maxMessageSize;
    // UTF-8 takes 1-3 bytes per UTF-16 unit: only text between max / 3 and max is measured.
    if (
      data.length > max ||
      (typeof data === "string" && data.length * 3 > max && utf8.encode(data).length > max)
    ) {
      this.#codec.fail(1009, `message exceeds the limit of ${max} bytes`);
      this.#process();
      return;
    }
    this.#deliverMessage(
      typeof data === "string" ? { type: "text", data } : { type: "binary", data },
    );
  }

  #sendMessage(action: string, data: string | Uint8Array): boolean {
    const state = this.#codec.state;
    if (state !== "open") {
      throw new InvalidStateError(`cannot ${action}: the connection is ${state}`);
    }
    return this.#writer.message(data);
  }

  #messages(): MessageQueue {
    if (this.#queue === undefined) {
      const socket = this.#socket;
      this.#queue = new MessageQueue((paused) => paused ? socket.pause() : socket.resume());
      if (this.#released) this.#queue.end();
    }
    return this.#queue;
  }

  #onEnd(): void {
    this.#codec.receiveEof();
    this.#process();
  }

  /** Writes pending bytes, dispatches events, and ends or times out the transport as needed. */
  #process(): void {
    this.#flush();
    const events = this.#codec.takeEvents();
    for (const event of events) this.#dispatch(event);
    if (this.#released) return;
    if (this.#codec.shouldCloseTransport && !this.#ended) {
      this.#ended = true;
      this.#writer.flush();
      this.#socket.end();
    }
    if (this.#codec.state !== "open" && this.#closeTimer === undefined) {
      this.#closeTimer = setTimeout(() => this.#socket.destroy(), this.#host.limits.closeTimeout);
    }
  }

  #dispatch(event: ConnectionEvent): void {
    switch (event.type) {
      case "text":
      case "binary":
        this.#deliverMessage(event);
        break;
      case "ping":
      case "pong":
        this.#emit(event.type, event.data);
        break;
      case "close":
        this.#closeInfo = { code: event.code, reason: event.reason, wasClean: event.wasClean };
        break;
      case "error":
        // The close event that follows carries the close code; peers' faults are not server errors.
        break;
    }
  }

  #deliverMessage(message: Message): void {
    if (
      message.type === "text" && message.data === APP_HEARTBEAT_PING &&
      this.#host.limits.appHeartbeat
    ) {
      if (this.#codec.state === "open") this.send(APP_HEARTBEAT_PONG);
      return;
    }
    const consumed = this.#host.hasMessageHook || hasListeners(this.#listeners, "message");
    if (this.#iterating || !consumed) this.#messages().push(message);
    this.#emit("message", message);
    if (this.#host.hasMessageHook) this.#host.message(this, message);
  }

  #emit<K extends keyof ServerConnectionEventMap>(
    type: K,
    event: ServerConnectionEventMap[K],
  ): void {
    if (!hasListeners(this.#listeners, type)) return;
    emit(this.#listeners, type, event, (call) => this.#host.guard(this, call));
  }

  #flush(): boolean {
    const bytes = this.#codec.takeBytes();
    return bytes.length === 0 ? this.#writer.writable : this.#write(bytes);
  }

  /**
   * Writes (see `_writer.ts`), or closes with 1008 if the peer let too many bytes pile up. The
   * cap applies to the backlog already waiting BEFORE a write, so one message larger than
   * `maxBufferedBytes` still goes out when the socket is drained; the next write finds it waiting
   * and closes.
   */
  #write(chunks: readonly Uint8Array[]): boolean {
    if (this.#released) return false;
    return this.#writer.write(chunks);
  }

  /** A write found too much waiting: fail with 1008 (once; the close frame itself goes out). */
  #slowConsumer(): boolean {
    if (this.#codec.state !== "open") return false;
    this.#codec.fail(1008, "slow consumer: too many bytes waiting to be sent");
    this.#process();
    return true;
  }

  #onClose(): void {
    if (this.#released) return;
    this.#codec.receiveEof();
    this.#codec.takeBytes();
    for (const event of this.#codec.takeEvents()) this.#dispatch(event);
    this.#released = true;
    this.#writer.drop();
    if (this.#closeTimer !== undefined) clearTimeout(this.#closeTimer);
    this.#closeTimer = undefined;
    const info = this.#closeInfo ?? { code: 1006, reason: "", wasClean: false };
    this.#queue?.end();
    this.#host.release(this, info);
    this.#emit("close", info);
    this.#listeners = {};
  }
}
