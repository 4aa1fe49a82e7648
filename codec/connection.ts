// This module is browser compatible.
/**
 * A sans-I/O WebSocket connection (RFC 6455 sections 5-7): bytes and commands in, events and
 * bytes out. It never owns a socket or a timer and never awaits; the I/O layer feeds it with
 * {@linkcode Connection.receive} and writes what {@linkcode Connection.takeBytes} returns.
 *
 * @module
 */

import { Inbox } from "./_connection_input.ts";
import {
  checkFailCode,
  checkMaskSource,
  copyExtensions,
  resolveConnectionOptions,
} from "./_connection_options.ts";
import { truncateUtf8 } from "./_connection_output.ts";
import { Sender } from "./_connection_send.ts";
import type { ConnectionEvent, ConnectionOptions, ConnectionState } from "./_connection_types.ts";
import type { Extension, ExtensionEncodeOptions } from "./extension.ts";
import { encodeClosePayload } from "./close.ts";
import { Opcode } from "./constants.ts";
import { InvalidStateError, ProtocolError } from "./errors.ts";
import type { Frame, MaskSource, Role } from "./frame.ts";

export type { ConnectionEvent, ConnectionOptions, ConnectionState };

const EMPTY = new Uint8Array(0);
const NO_EXTENSIONS: readonly Extension[] = [];

/** The inbox's control-frame callback, shared by every connection (set in the class). */
let handleControl: (connection: Connection, frame: Frame) => boolean;

/**
 * One WebSocket connection without I/O. Feed it the peer's bytes with `receive()`, call the
 * send methods, then take `takeEvents()` and write `takeBytes()` (frames in order). Close when
 * `shouldCloseTransport` is `true`.
 *
 * How each path ends (the `close` event is always the last event, emitted once):
 * - Closing handshake completed (both close frames exchanged, either side first): the server
 *   role becomes `closed` at once with `shouldCloseTransport` (RFC 6455 7.1.1: the server
 *   closes TCP first); the client role stays `closing` until `receiveEof()` (on a timeout, close
 *   the transport yourself and call `receiveEof()`). Event: `{ code, reason, wasClean: true }`
 *   with the peer's code and reason (1005 if its close frame had no code).
 * - A received close frame is answered with a close frame echoing its code (an empty one for
 *   1005). Bytes after the peer's close frame are ignored.
 * - The peer broke the protocol ({@linkcode ProtocolError}): an `error` event, then a close frame
 *   with `error.closeCode` and the message as reason (cut to 123 bytes) unless we sent one
 *   already; `closed`, `shouldCloseTransport`; event `{ code: error.closeCode, reason, wasClean:
 *   false }`. A frame over the message limit is reported as `MESSAGE_TOO_BIG` (1009).
 * - The transport ended before the handshake completed (`receiveEof()`): `closed`; event
 *   `{ code: 1006, reason: "", wasClean: false }`.
 * - `fail(code, reason)`: a close frame (unless one was sent), `closed`, `shouldCloseTransport`;
 *   event `{ code, reason, wasClean: false }`. From `connecting`, `close()` and `fail()` send
 *   nothing and emit `{ code: 1006, reason: "", wasClean: false }`.
 * - A bug in wirely (anything else thrown while handling input): a close frame with 1011 and no
 *   reason, `closed`, `shouldCloseTransport`, event `{ code: 1011, reason: "", wasClean: false }`,
 *   then `receive()` rethrows the error. Take events and bytes in a `finally`.
 *
 * Data frames that arrive while `closing` (before the peer's close frame) are still delivered.
 *
 * Order rule: every event before a close frame or a protocol error is handed out before the
 * close. When a close frame or a bad frame (a reserved opcode, RSV bit, stray continuation,
 * invalid UTF-8) comes after events not yet taken, decoding stops there and
 * {@linkcode Connection.inputPending} is `true`: take and dispatch the events (answer them), then
 * call {@linkcode Connection.resume}, which handles the held close frame or error.
 * {@linkcode receiveAndProcess} is the loop that does this for an I/O layer.
 *
 * @example A server answers a client's masked "Hello"
 * ```ts
 * import { Connection } from "@wirely/wirely/codec";
 * const server = new Connection({ role: "server" });
 * server.receive(new Uint8Array([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]));
 * for (const event of server.takeEvents()) {
 *   if (event.type === "text") server.sendText(event.data.toUpperCase());
 * }
 * console.log(server.takeBytes()); // [ Uint8Array(7) [ 129, 5, 72, 69, 76, 76, 79 ] ]
 * ```
 */
export class Connection {
  static {
    handleControl = (connection, frame) => connection.#handleControl(frame);
  }

  /** Our end of the connection. */
  readonly role: Role;
  #state: ConnectionState;
  #shouldCloseTransport = false;
  readonly #autoPong: boolean;
  readonly #inbox: Inbox<Connection>;
  /** Created by the first frame sent (memory per idle connection: a server's may never send). */
  #outbox: Sender | undefined = undefined;
  /** What the outbox is created with. */
  readonly #maskSource: MaskSource | undefined;
  #extensions: readonly Extension[] = NO_EXTENSIONS;
  #events: ConnectionEvent[] = [];
  #closeReceived: { code: number; reason: string } | undefined = undefined;
  /** A close frame or protocol error held back until the events before it are taken. */
  #held: Frame | ProtocolError | undefined = undefined;

  /**
   * Creates a connection in the `open` state, or `connecting` if `options.state` says so.
   *
   * @param options Role, start state and limits; see {@linkcode ConnectionOptions}.
   * @throws {TypeError} If `role`, `state` or `autoPong` is not one of its allowed values, or
   * `allocate` is not a function.
   * @throws {RangeError} If a limit is not an integer in range or `Infinity`.
   */
  constructor(options: ConnectionOptions) {
    const settings = resolveConnectionOptions(options);
    this.role = settings.role;
    this.#state = settings.state;
    this.#autoPong = settings.autoPong;
    this.#inbox = new Inbox<Connection>(settings, this, handleControl);
    // Checked now, as the encoder would (the outbox that owns it comes with the first frame).
    this.#maskSource = checkMaskSource(settings.maskSource);
    if (settings.extensions.length > 0) this.#setExtensions(settings.extensions);
  }

  #setExtensions(extensions: readonly Extension[]): void {
    const list = copyExtensions(extensions);
    this.#inbox.setExtensions(list);
    this.#extensions = list;
    this.#outbox?.setExtensions(list);
  }

  /** The outbox, created on first use. */
  #out(): Sender {
    if (this.#outbox !== undefined) return this.#outbox;
    const outbox = new Sender(this.role, this.#maskSource);
    if (this.#extensions.length > 0) outbox.setExtensions(this.#extensions);
    return this.#outbox = outbox;
  }

  /** The current state; see {@linkcode ConnectionState}. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** `true` once the I/O layer must close the transport now (and stop reading). */
  get shouldCloseTransport(): boolean {
    return this.#shouldCloseTransport;
  }

  /**
   * Moves from `connecting` to `open`, once the HTTP handshake succeeded.
   *
   * @param extensions The extensions the handshake agreed on, in the order of the response
   * header (they replace those of the options). @default [] (none)
   * @throws {InvalidStateError} If the state is not `connecting`.
   * @throws {RangeError} If the extensions' RSV bits are out of range.
   */
  open(extensions?: readonly Extension[]): void {
    if (this.#state !== "connecting") {
      throw new InvalidStateError(`cannot open: the connection is ${this.#state}`);
    }
    if (extensions !== undefined) this.#setExtensions(extensions);
    this.#state = "open";
  }

  /**
   * `true` while received input is held back: a close frame or a protocol error came after
   * events not yet taken. Take and dispatch those events (send the answers), then call
   * {@linkcode Connection.resume}; {@linkcode receiveAndProcess} does both.
   */
  get inputPending(): boolean {
    return this.#held !== undefined;
  }

  /**
   * Handles bytes from the peer; the chunk belongs to the connection from now on (it may be
   * unmasked in place and handed out in events), unless the connection was made with
   * `copyInput: true`, which copies what it keeps. Peer faults become events, never exceptions.
   * Ignored once `closed` or after the peer's close frame.
   *
   * A close frame or a protocol error that comes after events not yet taken (messages in the
   * same input) is held back: decoding stops there and {@linkcode Connection.inputPending} turns
   * `true` until {@linkcode Connection.resume}. Held input is resumed first by the next
   * `receive()` or `receiveEof()`.
   *
   * @param data The bytes, any length.
   * @throws {InvalidStateError} If the state is `connecting`.
   */
  receive(data: Uint8Array): void {
    if (this.#state === "connecting") {
      throw new InvalidStateError(
        "cannot receive: the connection is connecting, call open() first",
      );
    }
    if (this.#held !== undefined) this.resume();
    if (this.#state === "closed" || this.#closeReceived !== undefined) return;
    try {
      this.#inbox.push(data, this.#events);
    } catch (error) {
      this.#inputFailed(error, true);
    }
  }

  /**
   * Handles the close frame or protocol error held back by {@linkcode Connection.receive}, once
   * the events before it were taken and dispatched (answers to them are sent first). Does
   * nothing when no input is pending, or once `closed` (after `fail()`, say).
   *
   * See {@linkcode receiveAndProcess} for the loop around it.
   */
  resume(): void {
    const held = this.#held;
    if (held === undefined) return;
    this.#held = undefined;
    if (this.#state === "closed") return;
    if (held instanceof ProtocolError) {
      this.#failWith(held);
      return;
    }
    try {
      this.#handleClose(held);
    } catch (error) {
      this.#inputFailed(error, false);
    }
  }

  /** Tells the connection that the transport ended (the peer closed it, or your timeout did). */
  receiveEof(): void {
    if (this.#held !== undefined) this.resume();
    if (this.#state === "closed") return;
    const received = this.#closeReceived;
    this.#state = "closed";
    this.#shouldCloseTransport = true;
    if (this.#outbox?.closeSent === true && received !== undefined) {
      this.#events.push({ type: "close", ...received, wasClean: true });
    } else {
      this.#events.push({ type: "close", code: 1006, reason: "", wasClean: false });
    }
  }

  /**
   * Sends a text message in one frame.
   *
   * @param text The message.
   * @param options `compress: false` sends it as is even when a compressing extension was
   * negotiated. @default { compress: true }
   * @throws {InvalidStateError} If the state is not `open` or a fragmented message is unfinished.
   */
  sendText(text: string, options?: ExtensionEncodeOptions): void {
    this.#out().sendText(this.#state, text, options);
  }

  /**
   * Sends a binary message in one frame. In the server role a large `data` is sent as a view:
   * do not change it before its bytes are taken. `data` itself is never changed.
   *
   * @param data The message.
   * @param options `compress: false` sends it as is even when a compressing extension was
   * negotiated. @default { compress: true }
   * @throws {InvalidStateError} If the state is not `open` or a fragmented message is unfinished.
   */
  sendBinary(data: Uint8Array, options?: ExtensionEncodeOptions): void {
    this.#out().sendBinary(this.#state, data, options);
  }

  /**
   * Sends one data frame, for messages you fragment yourself: a text or binary frame with
   * `fin: false`, continuation frames, and a last one with `fin: true` (the default). Text
   * payloads are not checked for UTF-8. Control frames may be sent between the fragments.
   *
   * @param opcode 0 (continuation), 1 (text) or 2 (binary).
   * @param payload The frame's data (never changed; see {@linkcode Connection.sendBinary}).
   * @param options `fin`: this frame ends the message. @default { fin: true }
   * @throws {RangeError} If `opcode` is not 0, 1 or 2.
   * @throws {InvalidStateError} If the state is not `open`, or the frame breaks the order.
   */
  sendFrame(opcode: number, payload: Uint8Array, options: { fin?: boolean } = {}): void {
    this.#out().sendFrame(this.#state, opcode, payload, options);
  }

  /**
   * Sends a ping.
   *
   * @param data Up to 125 bytes the pong will echo.
   * @throws {RangeError} If `data` is longer than 125 bytes.
   * @throws {InvalidStateError} If the state is not `open`.
   */
  ping(data: Uint8Array = EMPTY): void {
    this.#out().sendControl(this.#state, Opcode.PING, "ping", data);
  }

  /**
   * Sends a pong (unsolicited pongs serve as a one-way heartbeat).
   *
   * @param data Up to 125 bytes.
   * @throws {RangeError} If `data` is longer than 125 bytes.
   * @throws {InvalidStateError} If the state is not `open`.
   */
  pong(data: Uint8Array = EMPTY): void {
    this.#out().sendControl(this.#state, Opcode.PONG, "pong", data);
  }

  /**
   * Starts the closing handshake: sends a close frame and moves to `closing`. Does nothing when
   * already `closing` or `closed`; from `connecting` it closes at once (see the class docs).
   *
   * @param code 1000-1003, 1007-1014 or 3000-4999; omit it to send a close frame without a code
   * (the peer then sees 1005).
   * @param reason At most 123 bytes of UTF-8; only with a `code`.
   * @throws {RangeError} If the code may not be sent or the reason is too long.
   * @throws {TypeError} If a reason is given without a code.
   */
  close(code?: number, reason?: string): void {
    encodeClosePayload(code, reason); // checks code and reason before any change
    if (this.#state === "connecting") {
      this.#terminate(1006, "", false);
    } else if (this.#state === "open") {
      this.#out().sendClose(code, reason);
      this.#state = "closing";
    }
  }

  /**
   * Closes at once without waiting for the peer: sends a close frame (unless one was sent
   * already), moves to `closed` and asks for the transport to be closed. Does nothing when
   * already `closed`.
   *
   * @param code 1000-1003, 1007-1014 or 3000-4999.
   * @param reason At most 123 bytes of UTF-8.
   * @throws {RangeError} If the code may not be sent or the reason is too long.
   */
  fail(code: number, reason: string = ""): void {
    checkFailCode(code);
    encodeClosePayload(code, reason);
    if (this.#state === "closed") return;
    if (this.#state === "connecting") this.#terminate(1006, "", false);
    else this.#terminate(code, reason, true);
  }

  /** Returns the events since the last call, oldest first, and forgets them. */
  takeEvents(): ConnectionEvent[] {
    const events = this.#events;
    if (events.length > 0) this.#events = [];
    return events;
  }

  /**
   * Returns the bytes to write since the last call, in order, and forgets them. Small frames
   * come merged into one buffer.
   */
  takeBytes(): Uint8Array[] {
    return this.#outbox === undefined ? [] : this.#outbox.take();
  }

  /** A ping, pong or close frame from the peer; `false` (after a close frame) stops decoding. */
  #handleControl(frame: Frame): boolean {
    const opcode = frame.opcode;
    if (opcode === Opcode.PING) {
      const payload = frame.payload;
      this.#events.push({ type: "ping", data: payload });
      if (this.#autoPong && this.#state === "open") {
        this.#out().control(Opcode.PONG, payload);
      }
    } else if (opcode === Opcode.PONG) {
      this.#events.push({ type: "pong", data: frame.payload });
    } else {
      // Events before the close are handed out (and may be answered) first; see resume().
      if (this.#events.length > 0) this.#held = frame;
      else this.#handleClose(frame);
      return false;
    }
    return true;
  }

  /** The peer's close frame: echo it (unless we sent ours) and, as the server, close. */
  #handleClose(frame: Frame): void {
    const received = this.#closeReceived = this.#out().answerClose(frame.payload);
    if (this.#state === "open") this.#state = "closing";
    if (this.role === "server") {
      this.#state = "closed";
      this.#shouldCloseTransport = true;
      this.#events.push({ type: "close", ...received, wasClean: true });
    }
  }

  /**
   * An error while handling input: a peer's fault fails the connection (held back behind
   * events not yet taken when `hold`), anything else is a bug (1011, rethrown).
   */
  #inputFailed(error: unknown, hold: boolean): void {
    if (!(error instanceof ProtocolError)) {
      this.#failOnBug();
      throw error;
    }
    if (hold && this.#events.length > 0) this.#held = error;
    else this.#failWith(error);
  }

  /** The peer broke the protocol: an error event, then close with its code. */
  #failWith(error: ProtocolError): void {
    this.#events.push({ type: "error", error });
    this.#terminate(error.closeCode, truncateUtf8(error.message, 123), true);
  }

  /** Ends the connection: optional close frame, `closed`, close event with wasClean false. */
  #terminate(code: number, reason: string, sendClose: boolean): void {
    this.#state = "closed";
    this.#shouldCloseTransport = true;
    this.#events.push({ type: "close", code, reason, wasClean: false });
    if (sendClose) this.#out().sendClose(code, reason);
  }

  /** A bug in wirely: 1011 with no details; a failure while closing must not hide the bug. */
  #failOnBug(): void {
    try {
      this.#terminate(1011, "", true);
    } catch {
      // The close event is queued; the frame could not be built. Nothing more to do.
    }
  }
}
