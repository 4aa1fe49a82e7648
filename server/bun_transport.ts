/**
 * {@linkcode BunTransport}: the {@linkcode ServerTransport} over Bun's `ServerWebSocket` (from
 * `Bun.serve`'s `websocket` handlers). Messages pass whole both ways; the closing handshake,
 * pings and flow control are Bun's (`close`, `terminate`, `ping`, `drain`,
 * `getBufferedAmount`). Limits are the shared ones (`_limits.ts`): Bun's `maxPayloadLength` is
 * set to `maxMessageSize` (Bun closes with 1009 before the message is whole) and checked again
 * here; sends go through `MessageWriter` for the 1008 cap. Touches no `Bun.*` API: it only
 * calls the socket object it is given.
 *
 * @module
 */

import { encodeClosePayload } from "../codec/close.ts";
import { InvalidStateError } from "../codec/errors.ts";
import type { Limits } from "./options.ts";
import type { PreparedMessage } from "./prepared_message.ts";
import type { CloseInfo } from "./types.ts";
import type { ServerTransport, ServerTransportEvents } from "./transport.ts";
import { peerCloseInfo } from "./native_transport.ts";
import { messageTooBig, type SlowConsumerHandler } from "./_limits.ts";
import { type MessageSink, MessageWriter } from "./_writer.ts";

/**
 * The part of Bun's `ServerWebSocket` that wirely uses (Bun's own type fits it).
 *
 * @example
 * ```ts
 * import type { BunServerWebSocket } from "@wirely/wirely/server";
 * const sent: unknown[] = [];
 * const ws: BunServerWebSocket<undefined> = {
 *   readyState: 1, data: undefined, remoteAddress: "127.0.0.1",
 *   send: (data) => sent.push(data), close: () => {}, terminate: () => {},
 *   ping: () => 0, getBufferedAmount: () => 0,
 * };
 * ws.send("hi");
 * console.log(sent); // [ "hi" ]
 * ```
 */
export interface BunServerWebSocket<Data = unknown> {
  /** `WebSocket.OPEN` (1) while open. */
  readonly readyState: number;
  /** What `server.upgrade(request, { data })` attached. */
  readonly data: Data;
  /** The peer's address. */
  readonly remoteAddress: string;
  /** Sends a message: bytes sent, `-1` enqueued with backpressure, `0` dropped. */
  send(data: string | Uint8Array, compress?: boolean): number;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
  /** Closes at once, without a closing handshake. */
  terminate(): void;
  /** Sends a ping. */
  ping(data?: Uint8Array): number;
  /** Bytes queued and not yet sent. */
  getBufferedAmount(): number;
}

/** `WebSocket.OPEN`. */
const OPEN = 1;

/** The close timer's callback (no closure per connection). */
const terminateTransport = (transport: BunTransport): void => transport.terminate();

/**
 * When Bun fails a connection itself (a message over `maxPayloadLength`, bad UTF-8, a frame it
 * refuses) it sends the close frame and reports 1006 with its reason: the code it sent.
 */
function bunFailure(code: number, reason: string, limits: Limits): CloseInfo | undefined {
  if (code !== 1006 || reason === "") return undefined;
  if (reason === "Received too big message") {
    const text = `message exceeds the limit of ${limits.maxMessageSize} bytes`;
    return { code: 1009, reason: text, wasClean: false };
  }
  return { code: /UTF-?8/i.test(reason) ? 1007 : 1002, reason, wasClean: false };
}

/** One connection on a Bun `ServerWebSocket`; Bun's handlers call the `on*` methods. */
export class BunTransport implements ServerTransport, MessageSink, SlowConsumerHandler {
  readonly canPing = true;
  readonly #ws: BunServerWebSocket;
  readonly #limits: Limits;
  readonly #writer: MessageWriter;
  #events: ServerTransportEvents | undefined;
  #state: "open" | "closing" | "closed" = "open";
  /** Set when we failed the connection (1008, 1009): incoming messages are dropped. */
  #failure: CloseInfo | undefined;
  #bytesReceived = 0;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param ws The upgraded Bun socket (open).
   * @param limits The server's limits.
   */
  constructor(ws: BunServerWebSocket, limits: Limits) {
    this.#ws = ws;
    this.#limits = limits;
    this.#writer = new MessageWriter(this, limits.maxBufferedBytes, this);
  }

  get state(): "open" | "closing" | "closed" {
    return this.#state;
  }

  get bufferedAmount(): number {
    return this.#state === "closed" ? 0 : this.#ws.getBufferedAmount();
  }

  get bytesReceived(): number {
    return this.#bytesReceived;
  }

  listen(events: ServerTransportEvents): void {
    this.#events = events;
  }

  send(data: string | Uint8Array): boolean {
    if (this.#state !== "open") {
      throw new InvalidStateError(`cannot send: the connection is ${this.#state}`);
    }
    return this.#writer.send(data);
  }

  sendPrepared(message: PreparedMessage): boolean {
    return this.send(message.binary ? message.payload : message.text);
  }

  ping(data?: Uint8Array): void {
    if (this.#state === "open" && this.#ws.readyState === OPEN) this.#ws.ping(data);
  }

  close(code: number, reason: string): void {
    encodeClosePayload(code, reason); // the codec's RangeError for a code or reason it refuses
    if (this.#state !== "open") return;
    this.#closeBun(code, reason);
  }

  terminate(): void {
    if (this.#state === "closed") return;
    const info = this.#failure ?? { code: 1006, reason: "", wasClean: false };
    this.#release(info);
    this.#ws.terminate();
  }

  /** Bun cannot pause reading a WebSocket: does nothing. */
  pauseReading(): void {}

  /** See {@linkcode MessageSink.sendMessage}. */
  sendMessage(data: string | Uint8Array, _buffered: number): boolean {
    // -1: queued, above Bun's high-water mark (`drain` follows); 0: dropped (closing).
    return this.#ws.send(data) > 0;
  }

  /** A send found too much waiting: fail with 1008 (once). */
  slow(): boolean {
    if (this.#state !== "open") return false;
    this.#fail(1008, "slow consumer: too many bytes waiting to be sent");
    return true;
  }

  /** Bun cannot pause reading: nothing to do. */
  backlog(): void {}

  /** Bun's `message` handler. */
  onMessage(data: string | Uint8Array): void {
    if (this.#state === "closed" || this.#failure !== undefined) return;
    this.#bytesReceived += data.length;
    const max = this.#limits.maxMessageSize;
    if (messageTooBig(data, max)) {
      this.#fail(1009, `message exceeds the limit of ${max} bytes`);
      return;
    }
    this.#events?.message(
      typeof data === "string" ? { type: "text", data } : {
        type: "binary",
        data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      },
    );
  }

  /** Bun's `ping` handler (Bun answered it). */
  onPing(data: Uint8Array): void {
    this.#bytesReceived += data.length + 2;
    this.#events?.ping(data);
  }

  /** Bun's `pong` handler. */
  onPong(data: Uint8Array): void {
    this.#bytesReceived += data.length + 2;
    this.#events?.pong(data);
  }

  /** Bun's `drain` handler. */
  onDrain(): void {
    if (this.#state !== "open") return;
    this.#writer.writable = true;
    this.#events?.drain();
  }

  /** Bun's `close` handler: the socket is gone (1006 when there was no close frame). */
  onClose(code: number, reason: string): void {
    this.#release(
      this.#failure ?? bunFailure(code, reason, this.#limits) ?? peerCloseInfo(code, reason),
    );
  }

  /** Fails the connection: the close info is ours, the peer's messages are dropped. */
  #fail(code: number, reason: string): void {
    this.#failure = { code, reason, wasClean: false };
    if (this.#state === "open") this.#closeBun(code, reason);
  }

  #closeBun(code: number, reason: string): void {
    this.#state = "closing";
    if (this.#ws.readyState === OPEN) this.#ws.close(code, reason);
    this.#closeTimer = setTimeout(terminateTransport, this.#limits.closeTimeout, this);
  }

  #release(info: CloseInfo): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    clearTimeout(this.#closeTimer);
    this.#closeTimer = undefined;
    this.#events?.closed(info);
  }
}
