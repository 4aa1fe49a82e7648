/**
 * The codec-backed {@linkcode ServerTransport}: owns the sans-I/O codec {@linkcode Connection}
 * over a plain {@linkcode ByteSocket}, writes through the {@linkcode Writer}, runs the closing
 * handshake and its timeout, bounds reads after a failure, pauses reading for backpressure, and
 * reports messages, control frames and the end. It is the socket's handler object itself (shared
 * methods, no closures per connection). An extension (permessage-deflate) plugs in at one hook:
 * {@linkcode createCodec}, where the codec is built with what the handshake negotiated.
 *
 * @module
 */

import { Connection, type ConnectionEvent } from "../codec/connection.ts";
import type { Extension, ExtensionEncodeOptions } from "../codec/extension.ts";
import { PerMessageDeflate } from "../codec/permessage_deflate.ts";
import { receiveAndProcess } from "../codec/receive_loop.ts";
import { InvalidStateError } from "../codec/errors.ts";
import type { Limits } from "./options.ts";
import type { PreparedMessage } from "./prepared_message.ts";
import type { CloseInfo } from "./types.ts";
import type {
  ByteSocket,
  ByteSocketHandlers,
  ServerTransport,
  ServerTransportEvents,
} from "./transport.ts";
import { backlogDrained, type SlowConsumerHandler } from "./_limits.ts";
import { type WriteBatch, Writer } from "./_writer.ts";

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
const destroySocket = (socket: ByteSocket): void => socket.destroy();

/**
 * The codec of one server connection: the one hook where an extension negotiated in the
 * handshake (permessage-deflate) is handed to the codec, and the socket's allocator of payload
 * buffers and way of reading (see `ByteSocket.allocate` and `ByteSocket.reusesReadBuffer`).
 */
export function createCodec(
  limits: Limits,
  extensions?: readonly Extension[],
  socket?: Pick<ByteSocket, "allocate" | "reusesReadBuffer">,
): Connection {
  const allocate = socket?.allocate;
  return new Connection({
    role: "server",
    maxMessageSize: limits.maxMessageSize,
    maxFramesPerMessage: limits.maxFramesPerMessage,
    ...(extensions !== undefined && extensions.length > 0 ? { extensions } : {}),
    ...(allocate !== undefined ? { allocate } : {}),
    ...(socket?.reusesReadBuffer === true ? { copyInput: true } : {}),
  });
}

const ignore = (): void => {};
/** Events before `listen()` (never called: a connection listens at once). */
const UNLISTENED: ServerTransportEvents = {
  message: ignore,
  ping: ignore,
  pong: ignore,
  drain: ignore,
  error: ignore,
  closed: ignore,
};

/** One connection's codec, writer and close timer over a byte socket. */
export class CodecTransport implements ServerTransport, ByteSocketHandlers, SlowConsumerHandler {
  readonly #codec: Connection;
  readonly #socket: ByteSocket;
  /** Created by the first write (memory per idle connection). */
  #writer: Writer | undefined;
  readonly #batch: WriteBatch;
  readonly #limits: Limits;
  /** The connection's permessage-deflate, when agreed (a broadcast reuses its compressed frame). */
  readonly #deflate: PerMessageDeflate | undefined;
  #events: ServerTransportEvents = UNLISTENED;
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

  /**
   * @param socket The upgraded byte socket (the 101 answer already written).
   * @param limits The server's limits.
   * @param batch The server's write batch.
   * @param extensions The extensions the handshake agreed (see {@linkcode createCodec}).
   */
  constructor(
    socket: ByteSocket,
    limits: Limits,
    batch: WriteBatch,
    extensions?: readonly Extension[],
  ) {
    this.#socket = socket;
    this.#limits = limits;
    this.#batch = batch;
    this.#codec = createCodec(limits, extensions, socket);
    this.#deflate = extensions === undefined ? undefined : findDeflate(extensions);
  }

  /** Ping frames reach the peer. */
  get canPing(): boolean {
    return true;
  }

  /** Registers the connection's events and starts listening to the socket. */
  listen(events: ServerTransportEvents): void {
    this.#events = events;
    this.#socket.listen(this);
  }

  /** `open`, `closing` once a close started, `closed` once the transport is released. */
  get state(): "open" | "closing" | "closed" {
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

  /** See `ServerTransport.send`. */
  send(data: string | Uint8Array, options?: ExtensionEncodeOptions): boolean {
    if (typeof data === "string") this.#codec.sendText(data, options);
    else this.#codec.sendBinary(data, options);
    return this.#flush();
  }

  /**
   * See `ServerTransport.sendPrepared`: the frame encoded once, written as is; with
   * permessage-deflate, compressed once per set of settings (see `PreparedMessage.bytesFor`).
   */
  sendPrepared(message: PreparedMessage): boolean {
    if (this.#codec.state !== "open") {
      throw new InvalidStateError(`cannot send: the connection is ${this.state}`);
    }
    return this.#write([message.bytesFor(this.#deflate)]);
  }

  /** See `ServerConnection.ping`. */
  ping(data?: Uint8Array): void {
    this.#codec.ping(data);
    this.#flush();
  }

  /** See `ServerTransport.close`. */
  close(code: number, reason: string): void {
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

  /** The peer ended its side (a socket handler). */
  end(): void {
    this.#codec.receiveEof();
    this.#process();
  }

  /** The socket drained (a socket handler). */
  drain(): void {
    if (this.#writer !== undefined) this.#writer.writable = true;
    if (
      this.#backlogPaused &&
      backlogDrained(this.#socket.bufferedAmount, this.#limits.maxBufferedBytes)
    ) {
      this.#backlogPaused = false;
      this.#updateReading();
    }
    this.#events.drain();
  }

  /** The socket closed (a socket handler): the close info goes to the connection. */
  closed(): void {
    if (this.#released) return;
    this.#codec.receiveEof();
    this.#codec.takeBytes();
    for (const event of this.#codec.takeEvents()) this.#dispatch(event);
    this.#released = true;
    this.#writer?.drop();
    if (this.#closeTimer !== undefined) clearTimeout(this.#closeTimer);
    this.#closeTimer = undefined;
    this.#events.closed(this.#closeInfo ?? { code: 1006, reason: "", wasClean: false });
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
    receiveAndProcess(this.#codec, chunk, () => this.#process(), (e) => this.#events.error(e));
  }

  /** Writes pending bytes, dispatches events, and ends or times out the transport as needed. */
  #process(): void {
    this.#flush();
    const events = this.#codec.takeEvents();
    for (const event of events) this.#dispatch(event);
    if (this.#released) return;
    let closedNow = false;
    if (this.#codec.shouldCloseTransport && !this.#ended) {
      this.#ended = true;
      this.#writer?.flush();
      closedNow = this.#socket.end(this.#closeInfo?.wasClean === true) === true;
    }
    // A socket closed at once needs no close timer (its `closed` follows).
    if (this.#codec.state !== "open" && this.#closeTimer === undefined && !closedNow) {
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
        this.#events.ping(event.data);
        break;
      case "pong":
        this.#events.pong(event.data);
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
    return bytes.length === 0 ? (this.#writer?.writable ?? true) : this.#write(bytes);
  }

  /**
   * Writes (see `_writer.ts`), or closes with 1008 if the peer let too many bytes pile up. The
   * cap applies to the backlog already waiting BEFORE a write, so one message larger than
   * `maxBufferedBytes` still goes out when the socket is drained; the next write finds it waiting
   * and closes.
   */
  #write(chunks: readonly Uint8Array[]): boolean {
    if (this.#released) return false;
    const writer = this.#writer ??= new Writer(
      this.#socket,
      this.#batch,
      this.#limits.maxBufferedBytes,
      this,
    );
    return writer.write(chunks);
  }
}

/** The connection's permessage-deflate, if the handshake agreed it. */
function findDeflate(extensions: readonly Extension[]): PerMessageDeflate | undefined {
  for (const extension of extensions) {
    if (extension instanceof PerMessageDeflate) return extension;
  }
  return undefined;
}
