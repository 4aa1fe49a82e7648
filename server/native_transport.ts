/**
 * {@linkcode NativeTransport}: the {@linkcode ServerTransport} over a Deno native server-side
 * `WebSocket` (from `Deno.upgradeWebSocket`). Messages pass whole in both directions and the
 * closing handshake is Deno's own `close(code, reason)` and close event: no framing, no codec.
 * Limits are the shared ones (`_limits.ts`). Touches no `Deno.*` API: it only calls the socket
 * object it is given.
 *
 * @module
 */

import { encodeClosePayload, parseClosePayload } from "../codec/close.ts";
import { isValidWireCloseCode } from "../codec/constants.ts";
import { InvalidStateError, ProtocolError } from "../codec/errors.ts";
import type { Limits } from "./options.ts";
import type { PreparedMessage } from "./prepared_message.ts";
import type { CloseInfo, UpgradeRequest } from "./types.ts";
import type { ServerCore } from "./core.ts";
import type { ServerTransport, ServerTransportEvents } from "./transport.ts";
import { messageTooBig, type SlowConsumerHandler } from "./_limits.ts";
import { type MessageSink, MessageWriter } from "./_writer.ts";

/** An event of Deno's server-side `WebSocket` as the transport reads it. */
export interface NativeEvent {
  readonly type: string;
  /** `message` events: a string, or an `ArrayBuffer` (binaryType `"arraybuffer"`). */
  readonly data?: unknown;
  /** `close` events: the peer's code (0 or 1006 without a close frame). */
  readonly code?: number;
  /** `close` events: the peer's reason. */
  readonly reason?: string;
}

/** A listener object: one per socket, no closure (the transport itself). */
export interface NativeListener {
  handleEvent(event: NativeEvent): void;
}

/** The part of Deno's server-side `WebSocket` the transport uses. */
export interface NativeWebSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  binaryType: "blob" | "arraybuffer";
  addEventListener(type: "open" | "message" | "close", listener: NativeListener): void;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/** What a handshake hands to its transport until Deno's `open` event. */
interface Opening {
  core: ServerCore<unknown>;
  request: UpgradeRequest;
  protocol: string;
  data: unknown;
  /** The handshake's tracking by `close()` (an `authenticate` hook ran), called once. */
  done: (() => void) | undefined;
}

/** `WebSocket.OPEN`. */
export const OPEN = 1;
/** Buffered bytes above which `send` returns `false` (then `drain` fires below it). */
const HIGH_WATER_MARK = 16_384;
/** How often a full buffer is checked for `drain` (the native socket has no drain event). */
const DRAIN_POLL = 10;
const utf8 = new TextEncoder();

/** The drain poll's callback (no closure per connection). */
let pollDrain: (transport: NativeTransport) => void;

/** The close timer's callback (no closure per connection). */
const terminateTransport = (transport: NativeTransport): void => transport.terminate();

/**
 * How the peer's close event ends the connection, as the codec would decide on the same close
 * frame: 1006 (or Deno's 0) means no close frame; a code or reason the RFC refuses is 1002.
 */
export function peerCloseInfo(code: number, reason: string): CloseInfo {
  if (code === 1006 || code === 0) return { code: 1006, reason: "", wasClean: false };
  if (code === 1005) return { code: 1005, reason: "", wasClean: true };
  if (reason === "") {
    // The common close: no payload to build and parse (a ProtocolError is thrown per bad code).
    if (isValidWireCloseCode(code)) return { code, reason: "", wasClean: true };
    return { code: 1002, reason: "", wasClean: false };
  }
  const text = utf8.encode(reason);
  const payload = new Uint8Array(2 + text.length);
  payload[0] = code >> 8;
  payload[1] = code & 0xff;
  payload.set(text, 2);
  try {
    return { ...parseClosePayload(payload), wasClean: true };
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    return { code: error.closeCode, reason: "", wasClean: false };
  }
}

/**
 * One connection on Deno's native socket. It listens to the socket itself (`handleEvent`: no
 * closure and no `on...` handler wrapper per socket) and makes its writer on the first send.
 */
export class NativeTransport
  implements ServerTransport, MessageSink, SlowConsumerHandler, NativeListener {
  readonly canPing = false;
  readonly #ws: NativeWebSocket;
  readonly #limits: Limits;
  #writer: MessageWriter | undefined;
  #events: ServerTransportEvents | undefined;
  #opening: Opening | undefined;
  #state: "open" | "closing" | "closed" = "open";
  /** Set when we failed the connection (1008, 1009): incoming messages are dropped. */
  #failure: CloseInfo | undefined;
  #bytesReceived = 0;
  #drainTimer: ReturnType<typeof setInterval> | undefined;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param ws The upgraded native socket (open).
   * @param limits The server's limits.
   */
  constructor(ws: NativeWebSocket, limits: Limits) {
    this.#ws = ws;
    this.#limits = limits;
    ws.addEventListener("message", this);
    ws.addEventListener("close", this);
  }

  /**
   * The transport of a socket Deno is still upgrading (its 101 not sent yet): the connection is
   * opened in `core` on Deno's `open` event, or refused with 1001 if the server is closing.
   */
  static opening<Data>(
    ws: NativeWebSocket,
    core: ServerCore<Data>,
    request: UpgradeRequest,
    protocol: string,
    data: Data,
    done: (() => void) | undefined,
  ): void {
    ws.binaryType = "arraybuffer";
    const transport = new NativeTransport(ws, core.limits);
    transport.#opening = { core: core as ServerCore<unknown>, request, protocol, data, done };
    ws.addEventListener("open", transport);
  }

  get state(): "open" | "closing" | "closed" {
    return this.#state;
  }

  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  get bytesReceived(): number {
    return this.#bytesReceived;
  }

  listen(events: ServerTransportEvents): void {
    this.#events = events;
  }

  /** Deno's socket events (see {@linkcode NativeListener}). */
  handleEvent(event: NativeEvent): void {
    if (event.type === "message") this.#receive(event.data);
    else if (event.type === "close") this.#peerClosed(event.code ?? 1005, event.reason ?? "");
    else if (event.type === "open") this.#opened();
  }

  send(data: string | Uint8Array): boolean {
    if (this.#state !== "open") {
      throw new InvalidStateError(`cannot send: the connection is ${this.#state}`);
    }
    const writer = this.#writer ??= new MessageWriter(this, this.#limits.maxBufferedBytes, this);
    return writer.send(data);
  }

  sendPrepared(message: PreparedMessage): boolean {
    if (this.#state !== "open") {
      throw new InvalidStateError(`cannot send: the connection is ${this.#state}`);
    }
    const writer = this.#writer ??= new MessageWriter(this, this.#limits.maxBufferedBytes, this);
    return writer.send(message.binary ? message.payload : message.text);
  }

  /** Deno has no ping API (it pings by itself after `idleTimeout`): does nothing. */
  ping(): void {}

  close(code: number, reason: string): void {
    encodeClosePayload(code, reason); // the codec's RangeError for a code or reason it refuses
    if (this.#state !== "open") return;
    this.#closeNative(code, reason);
  }

  terminate(): void {
    if (this.#ws.readyState === OPEN) this.#ws.close();
    this.#release(this.#failure ?? { code: 1006, reason: "", wasClean: false });
  }

  /** Deno's socket cannot pause reading: does nothing. */
  pauseReading(): void {}

  /** See {@linkcode MessageSink.sendMessage}. */
  sendMessage(data: string | Uint8Array, buffered: number): boolean {
    const ws = this.#ws;
    try {
      ws.send(data);
    } catch {
      // Deno's socket left OPEN (the peer's close frame arrived, its close event has not been
      // dispatched yet): the message is dropped, as any send after a close.
    }
    // Reading bufferedAmount costs a call into Deno (a quarter of a small send): `buffered` is an
    // upper bound before this send, so the buffer after it is at most that plus the message.
    const size = typeof data === "string" ? 3 * data.length : data.length;
    if (buffered + size <= HIGH_WATER_MARK) return true;
    const now = ws.bufferedAmount;
    this.#writer?.observe(now);
    if (now <= HIGH_WATER_MARK) return true;
    this.#drainTimer ??= setInterval(pollDrain, DRAIN_POLL, this);
    return false;
  }

  /** The drain poll: the native buffer went below the high-water mark. */
  static #pollDrain = (transport: NativeTransport): void => {
    if (transport.#ws.bufferedAmount > HIGH_WATER_MARK) return;
    clearInterval(transport.#drainTimer);
    transport.#drainTimer = undefined;
    if (transport.#writer !== undefined) transport.#writer.writable = true;
    transport.#events?.drain();
  };

  static {
    pollDrain = NativeTransport.#pollDrain;
  }

  /** A send found too much waiting: fail with 1008 (once). */
  slow(): boolean {
    if (this.#state !== "open") return false;
    this.#fail(1008, "slow consumer: too many bytes waiting to be sent");
    return true;
  }

  /** Nothing to pause on a native socket. */
  backlog(): void {}

  #opened(): void {
    const opening = this.#opening;
    if (opening === undefined) return;
    this.#opening = undefined;
    opening.done?.();
    if (opening.core.closing) {
      this.#ws.close(1001, "server shutting down");
      return;
    }
    opening.core.open(this, opening.request, opening.protocol, opening.data);
  }

  #peerClosed(code: number, reason: string): void {
    if (this.#opening !== undefined) {
      // Closed before it opened: no connection to release.
      this.#opening.done?.();
      this.#opening = undefined;
      this.#state = "closed";
      return;
    }
    this.#release(this.#failure ?? peerCloseInfo(code, reason));
  }

  #receive(data: unknown): void {
    if (this.#state === "closed" || this.#failure !== undefined) return;
    const message = typeof data === "string"
      ? data
      : data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : undefined;
    if (message === undefined) return;
    this.#bytesReceived += message.length;
    const max = this.#limits.maxMessageSize;
    if (messageTooBig(message, max)) {
      this.#fail(1009, `message exceeds the limit of ${max} bytes`);
      return;
    }
    this.#events?.message(
      typeof message === "string"
        ? { type: "text", data: message }
        : { type: "binary", data: message },
    );
  }

  /** Fails the connection: the close info is ours, the peer's messages are dropped. */
  #fail(code: number, reason: string): void {
    this.#failure = { code, reason, wasClean: false };
    if (this.#state === "open") this.#closeNative(code, reason);
  }

  #closeNative(code: number, reason: string): void {
    this.#state = "closing";
    const ws = this.#ws;
    if (ws.readyState === OPEN) {
      try {
        ws.close(code, reason);
      } catch {
        ws.close();
      }
    }
    this.#closeTimer = setTimeout(terminateTransport, this.#limits.closeTimeout, this);
  }

  #release(info: CloseInfo): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    clearInterval(this.#drainTimer);
    clearTimeout(this.#closeTimer);
    this.#drainTimer = undefined;
    this.#closeTimer = undefined;
    this.#events?.closed(info);
  }
}
