/**
 * The outgoing side of a server connection: the slow-consumer cap before each write, and write
 * batching. While a {@linkcode WriteBatch} is open (the server handles the bytes of one socket
 * read, or a burst of broadcasts that arrived from other servers), writes to every connection are
 * collected and each connection's are written once when the batch ends: an echo of many messages
 * from one read, or a burst of broadcasts, costs one socket write per connection instead of one
 * per message.
 *
 * @module
 */

import { concatBytes } from "../codec/_bytes.ts";
import { afterRefusedWrite, mayWrite, type SlowConsumerHandler } from "./_limits.ts";
import type { ByteSocket } from "./transport.ts";

/** Collected bytes of one connection are written at once past this size, in bytes. */
const FLUSH_LIMIT = 65_536;
/** Collected chunks adding up to at most this are copied into one buffer (one small write). */
const CONCAT_LIMIT = 16_384;

/**
 * A message transport's `bufferedAmount` is read when the bound (last value read plus the most
 * bytes sent since) exceeds this, in bytes.
 */
const READ_ABOVE = 16_384;
/** The most bytes a frame header adds to a message. */
const FRAME_HEADER = 14;

/** The shared empty list of an idle writer (never pushed to). */
const NONE: Uint8Array[] = [];

/** A batch scope shared by a server's connections (nested begin/end pairs count as one). */
export class WriteBatch {
  #depth = 0;
  #queued: Writer[] = [];
  /** Whether {@linkcode WriteBatch.hold} opened a level that a microtask closes. */
  #held = false;
  readonly #release = (): void => {
    this.#held = false;
    this.end();
  };

  /** Whether writes are being collected. */
  get active(): boolean {
    return this.#depth > 0;
  }

  /** Opens the batch (or a nested level of it). */
  begin(): void {
    this.#depth++;
  }

  /** Closes a level; the outermost one writes what every connection collected. */
  end(): void {
    if (--this.#depth > 0) return;
    while (this.#queued.length > 0) {
      const queued = this.#queued;
      this.#queued = [];
      for (const writer of queued) writer.flush();
    }
  }

  /**
   * Opens a level until the microtasks of the current task run (once per burst): deliveries
   * that arrive outside a socket read (broadcasts from other servers, which a backplane client
   * hands over one by one from the same read of its own socket) are written once per connection,
   * in the order they were made, right after the burst.
   */
  hold(): void {
    if (this.#held) return;
    this.#held = true;
    this.#depth++;
    queueMicrotask(this.#release);
  }

  /** Remembers a writer that collected its first chunk. */
  queue(writer: Writer): void {
    this.#queued.push(writer);
  }
}

/** Writes a connection's bytes (the codec transport), batched while a {@linkcode WriteBatch} is open. */
export class Writer {
  /** What the last write said: `false` while the socket's buffer is above its high-water mark. */
  writable = true;
  readonly #socket: ByteSocket;
  readonly #batch: WriteBatch;
  readonly #maxBufferedBytes: number;
  readonly #owner: SlowConsumerHandler;
  #pending: Uint8Array[] = NONE;
  #size = 0;

  /**
   * @param socket The byte socket.
   * @param batch The server's batch scope.
   * @param maxBufferedBytes The slow-consumer cap.
   * @param owner Its `slow()` is called when a write finds more than the cap waiting.
   */
  constructor(
    socket: ByteSocket,
    batch: WriteBatch,
    maxBufferedBytes: number,
    owner: SlowConsumerHandler,
  ) {
    this.#socket = socket;
    this.#batch = batch;
    this.#maxBufferedBytes = maxBufferedBytes;
    this.#owner = owner;
  }

  /** Writes `chunks` in order, or collects them while a batch is open. */
  write(chunks: readonly Uint8Array[]): boolean {
    if (!this.#batch.active) return this.#send(chunks);
    if (this.#pending.length === 0) {
      this.#batch.queue(this);
      this.#pending = [];
    }
    for (const chunk of chunks) {
      this.#pending.push(chunk);
      this.#size += chunk.length;
    }
    if (this.#size >= FLUSH_LIMIT) this.flush();
    return this.writable;
  }

  /** Writes what was collected. */
  flush(): void {
    const chunks = this.#pending;
    if (chunks.length === 0) return;
    const size = this.#size;
    this.#pending = NONE;
    this.#size = 0;
    this.#send(chunks.length > 1 && size <= CONCAT_LIMIT ? [concatBytes(chunks, size)] : chunks);
  }

  /** Forgets what was collected (the transport is gone). */
  drop(): void {
    this.#pending = NONE;
    this.#size = 0;
  }

  #send(chunks: readonly Uint8Array[]): boolean {
    const socket = this.#socket;
    const max = this.#maxBufferedBytes;
    if (!mayWrite(socket.bufferedAmount, max, this.#owner)) return false;
    this.writable = socket.write(chunks);
    // A peer that does not read cannot make us queue more than the cap: stop reading from it.
    if (!this.writable) afterRefusedWrite(socket.bufferedAmount, max, this.#owner);
    return this.writable;
  }
}

/** Where a {@linkcode MessageWriter} sends: a socket that frames by itself. */
export interface MessageSink {
  /** Bytes the runtime has not sent yet (a call into the runtime: read it sparingly). */
  readonly bufferedAmount: number;
  /**
   * Sends one message; `buffered` is the bound on `bufferedAmount` the writer just used.
   * @returns `false` when the buffer is above its high-water mark.
   */
  sendMessage(data: string | Uint8Array, buffered: number): boolean;
}

/**
 * Sends whole messages on a message transport (no batching: it frames by itself), with the
 * same slow-consumer cap. Reading Deno's `bufferedAmount` is a call into the runtime that costs
 * a good part of a small send, and the buffer only grows by what we send: the last value read
 * plus the most bytes sent since (3 per UTF-16 unit of text, and a frame header per message) is an
 * upper bound, and the buffer is read only when that bound passes {@linkcode READ_ABOVE} (once
 * per 5 KiB of ASCII text sent, for a peer that keeps up).
 */
export class MessageWriter {
  /** What the last send said. */
  writable = true;
  readonly #sink: MessageSink;
  readonly #maxBufferedBytes: number;
  readonly #owner: SlowConsumerHandler;
  readonly #readAbove: number;
  #lastRead = 0;
  /** The most bytes sent since the last read. */
  #sentSinceRead = 0;

  constructor(sink: MessageSink, maxBufferedBytes: number, owner: SlowConsumerHandler) {
    this.#sink = sink;
    this.#maxBufferedBytes = maxBufferedBytes;
    this.#owner = owner;
    this.#readAbove = Math.min(maxBufferedBytes, READ_ABOVE);
  }

  /** The sink read `bufferedAmount` after a send: the bound starts again from that value. */
  observe(buffered: number): void {
    this.#lastRead = buffered;
    this.#sentSinceRead = 0;
  }

  /** Sends one message, or fails the connection (1008) when too much is waiting. */
  send(data: string | Uint8Array): boolean {
    let buffered = this.#lastRead + this.#sentSinceRead;
    if (buffered > this.#readAbove) {
      buffered = this.#lastRead = this.#sink.bufferedAmount;
      this.#sentSinceRead = 0;
    }
    if (!mayWrite(buffered, this.#maxBufferedBytes, this.#owner)) return false;
    this.#sentSinceRead += (typeof data === "string" ? 3 * data.length : data.length) +
      FRAME_HEADER;
    return this.writable = this.#sink.sendMessage(data, buffered);
  }
}
