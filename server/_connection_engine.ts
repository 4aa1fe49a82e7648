/**
 * The transport side of a {@linkcode ServerConnection}: drives the sans-I/O codec over a
 * {@linkcode Socket} (or passes whole messages on a message transport), writes through the
 * {@linkcode Writer}, runs the closing handshake and its timeout, and reports messages, control
 * frames and the end to the connection. It is the socket's handler object itself (shared
 * methods, no closures per connection).
 *
 * @module
 */

import { Connection, type ConnectionEvent } from "../codec/connection.ts";
import { receiveAndProcess } from "../codec/receive_loop.ts";
import { InvalidStateError } from "../codec/errors.ts";
import type { Message } from "../codec/message.ts";
import type { ServerConnectionState } from "./_connection_host.ts";
import type { Limits } from "./options.ts";
import { type OutgoingData, type PreparedMessage, toPayload } from "./prepared_message.ts";
import type { CloseInfo, Socket, SocketHandlers } from "./types.ts";
import { type SlowConsumerHandler, type WriteBatch, Writer } from "./_writer.ts";

const utf8 = new TextEncoder();

/**
 * Bytes a connection still reads (and discards) once its codec is `closed` (after a failure
 * such as 1002/1007/1008/1009, or a finished closing handshake) before it stops reading, on top
 * of `maxMessageSize` (at most {@linkcode CLOSED_READ_MESSAGE_CAP}): room for the rest of the
 * message an honest peer was sending (a 1009 is decided on the frame header) and its close
 * frame, not for a flood (RFC 6455 7.1.7). The socket is not destroyed then (a reset could
 * discard our close frame before the peer reads it): the close timeout does that.
 */
export const CLOSED_READ_BUDGET = 65_536;
/** The most of `maxMessageSize` counted in the budget above, in bytes. */
export const CLOSED_READ_MESSAGE_CAP = 16_777_216;

/** The close timer's callback (no closure per connection). */
const destroySocket = (socket: Socket): void => socket.destroy();

/** What the engine reports to its connection. */
export interface EngineEvents {
  /** A complete message. */
  message(message: Message): void;
  /** A ping or a pong arrived. */
  control(type: "ping" | "pong", data: Uint8Array): void;
  /** The socket's write buffer went back below its high-water mark. */
  drain(): void;
  /** The codec threw (a bug in wirely; it closed with 1011 already). */
  bug(error: unknown): void;
  /** The transport is closed: the last call. */
  released(info: CloseInfo): void;
}

/** One connection's transport, codec and writer. */
export class ConnectionEngine implements SocketHandlers, SlowConsumerHandler {
  readonly #codec: Connection;
  readonly #socket: Socket;
  readonly #writer: Writer;
  readonly #batch: WriteBatch;
  readonly #limits: Limits;
  readonly #events: EngineEvents;
  /** A message transport (Deno's native socket): whole messages in and out, no framing. */
  readonly #direct: boolean;
  #bytesReceived = 0;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  #ended = false;
  #closeInfo: CloseInfo | undefined;
  #released = false;
  /** Bytes read since the codec was `closed` (see {@linkcode CLOSED_READ_BUDGET}). */
  #readWhileClosed = 0;
  /** Reading is paused for `for await` (the message queue) or for the outgoing backlog. */
  #queuePaused = false;
  #backlogPaused = false;
  /** Reading stopped for good: the budget after the codec closed is spent. */
  #readingDone = false;

  constructor(socket: Socket, limits: Limits, batch: WriteBatch, events: EngineEvents) {
    this.#socket = socket;
    this.#limits = limits;
    this.#batch = batch;
    this.#events = events;
    this.#codec = new Connection({
      role: "server",
      maxMessageSize: limits.maxMessageSize,
      maxFramesPerMessage: limits.maxFramesPerMessage,
    });
    this.#direct = socket.sendMessage !== undefined;
    this.#writer = new Writer(socket, batch, limits.maxBufferedBytes, this);
  }

  /** Registers with the socket (once the connection is ready for events). */
  listen(): void {
    this.#socket.listen(this);
  }

  /** `open`, `closing` once a close started, `closed` once the transport is released. */
  get state(): ServerConnectionState {
    if (this.#released) return "closed";
    return this.#codec.state === "open" ? "open" : "closing";
  }

  /** Whether the transport was released. */
  get released(): boolean {
    return this.#released;
  }

  /** See `ServerConnection.bufferedAmount`. */
  get bufferedAmount(): number {
    return this.#socket.bufferedAmount;
  }

  /** Total bytes received from the peer. */
  get bytesReceived(): number {
    return this.#bytesReceived;
  }

  /** Whether ping frames reach the peer. */
  get canPing(): boolean {
    return this.#socket.canPing !== false;
  }

  /** Pauses or resumes reading from the peer for `for await` (the message queue). */
  pauseReading(paused: boolean): void {
    this.#queuePaused = paused;
    this.#updateReading();
  }

  /** Whether reading is paused because the outgoing backlog is over half the cap. */
  get backlogPaused(): boolean {
    return this.#backlogPaused;
  }

  /** A write left more than half of `maxBufferedBytes` waiting: stop reading until it drains. */
  backlog(): void {
    if (this.#backlogPaused || this.#released) return;
    this.#backlogPaused = true;
    this.#updateReading();
  }

  /** See {@linkcode CLOSED_READ_BUDGET}. */
  #closedReadBudget(): number {
    return CLOSED_READ_BUDGET + Math.min(this.#limits.maxMessageSize, CLOSED_READ_MESSAGE_CAP);
  }

  #updateReading(): void {
    if (this.#released || this.#readingDone) return;
    if (this.#queuePaused || this.#backlogPaused) this.#socket.pause();
    else this.#socket.resume();
  }

  /** See `ServerConnection.send`. */
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

  /** Sends a prepared message; one on a connection that is not open throws, or with `quiet` is ignored. */
  sendPrepared(message: PreparedMessage, quiet: boolean): boolean {
    if (this.#codec.state !== "open") {
      if (quiet) return false;
      throw new InvalidStateError(`cannot send: the connection is ${this.state}`);
    }
    if (this.#direct) return this.#writer.message(message.binary ? message.payload : message.text);
    return this.#write([message.bytes]);
  }

  /** See `ServerConnection.ping`. */
  ping(data?: Uint8Array): void {
    this.#codec.ping(data);
    this.#flush();
  }

  /** See `ServerConnection.close`. */
  startClose(code: number, reason: string): void {
    this.#codec.close(code, reason);
    this.#process();
  }

  /** Destroys the socket at once. */
  terminate(): void {
    this.#socket.destroy();
  }

  /** Bytes from the peer (a socket handler), with writes batched while they are handled. */
  data(chunk: Uint8Array): void {
    if (this.#codec.state === "closed") {
      // The codec ignores everything now: read no more than a close frame needs (RFC 6455 7.1.7).
      this.#bytesReceived += chunk.length;
      this.#readWhileClosed += chunk.length;
      if (this.#readWhileClosed > this.#closedReadBudget() && !this.#readingDone) {
        this.#readingDone = true;
        this.#socket.pause();
      }
      return;
    }
    const batch = this.#batch;
    batch.begin();
    try {
      this.#onData(chunk);
    } finally {
      batch.end();
    }
  }

  /** A whole message from a message transport: the codec's limits and states, without framing. */
  message(data: string | Uint8Array): void {
    if (this.#released || this.#codec.state === "closed") return;
    this.#bytesReceived += data.length;
    const max = this.#limits.maxMessageSize;
    // UTF-8 takes 1-3 bytes per UTF-16 unit: only text between max / 3 and max is measured.
    if (
      data.length > max ||
      (typeof data === "string" && data.length * 3 > max && utf8.encode(data).length > max)
    ) {
      this.#codec.fail(1009, `message exceeds the limit of ${max} bytes`);
      this.#process();
      return;
    }
    this.#events.message(
      typeof data === "string" ? { type: "text", data } : { type: "binary", data },
    );
  }

  /** The peer ended its side (a socket handler). */
  end(): void {
    this.#codec.receiveEof();
    this.#process();
  }

  /** The socket drained (a socket handler). */
  drain(): void {
    this.#writer.writable = true;
    if (this.#backlogPaused && this.#socket.bufferedAmount <= this.#limits.maxBufferedBytes / 2) {
      this.#backlogPaused = false;
      this.#updateReading();
    }
    this.#events.drain();
  }

  /** The transport closed (a socket handler): the close info goes to the connection. */
  close(): void {
    if (this.#released) return;
    this.#codec.receiveEof();
    this.#codec.takeBytes();
    for (const event of this.#codec.takeEvents()) this.#dispatch(event);
    this.#released = true;
    this.#writer.drop();
    if (this.#closeTimer !== undefined) clearTimeout(this.#closeTimer);
    this.#closeTimer = undefined;
    this.#events.released(this.#closeInfo ?? { code: 1006, reason: "", wasClean: false });
  }

  /** A write found too much waiting: fail with 1008 (once; the close frame itself goes out). */
  slow(): boolean {
    if (this.#codec.state !== "open") return false;
    this.#codec.fail(1008, "slow consumer: too many bytes waiting to be sent");
    this.#process();
    return true;
  }

  #onData(chunk: Uint8Array): void {
    this.#bytesReceived += chunk.length;
    // Messages before a close or a bad frame in the same chunk are dispatched (and may be
    // answered) first. A bug in the codec (it closed with 1011) is reported, never thrown.
    receiveAndProcess(this.#codec, chunk, () => this.#process(), (e) => this.#events.bug(e));
  }

  #sendMessage(action: string, data: string | Uint8Array): boolean {
    const state = this.#codec.state;
    if (state !== "open") {
      throw new InvalidStateError(`cannot ${action}: the connection is ${state}`);
    }
    return this.#writer.message(data);
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
      this.#closeTimer = setTimeout(destroySocket, this.#limits.closeTimeout, this.#socket);
    }
  }

  #dispatch(event: ConnectionEvent): void {
    switch (event.type) {
      case "text":
      case "binary":
        this.#events.message(event);
        break;
      case "ping":
      case "pong":
        this.#events.control(event.type, event.data);
        break;
      case "close":
        this.#closeInfo = { code: event.code, reason: event.reason, wasClean: event.wasClean };
        break;
      case "error":
        // The close event that follows carries the close code; peers' faults are not server errors.
        break;
    }
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
}
