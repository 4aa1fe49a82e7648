// This module is browser compatible.
/**
 * The incoming side of {@linkcode Connection}: bytes decoded into frames, data frames assembled
 * into messages within the limits; control frames go back to the connection.
 *
 * @module
 */

import type { ConnectionSettings } from "./_connection_options.ts";
import type { ConnectionEvent } from "./_connection_types.ts";
import type { Extension } from "./extension.ts";
import { Opcode } from "./constants.ts";
import { ProtocolError } from "./errors.ts";
import type { Frame, Role } from "./frame.ts";
import { checkDecoderOptions } from "./_frame_header.ts";
import { FrameDecoder } from "./frame_decoder.ts";
import { MessageAssembler } from "./message.ts";

const NO_EVENTS: ConnectionEvent[] = [];

/** The inbox whose push() runs (decoding is synchronous; nested pushes restore it). */
let active:
  | {
    handleFrame(frame: Frame): boolean;
    handlePart(opcode: number, piece: Uint8Array, rsv: number): void;
  }
  | undefined;
/** The decoder callbacks of every inbox (no closure per connection: memory per connection). */
const onFrame = (frame: Frame): boolean => active!.handleFrame(frame);
const onPayload = (opcode: number, piece: Uint8Array, rsv: number): void =>
  active!.handlePart(opcode, piece, rsv);

/**
 * Called with each ping, pong and close frame and the inbox's owner; returns `false` to stop
 * decoding (the rest of the chunk is dropped). One function for every inbox, no closure each.
 */
export type ControlHandler<Owner> = (owner: Owner, frame: Frame) => boolean;

/**
 * Decodes the peer's bytes into message events. The decoder and the message assembler are
 * created by the first push (memory per idle connection); the options are checked at once.
 */
export class Inbox<Owner = unknown> {
  #decoder: FrameDecoder | undefined;
  #assembler: MessageAssembler | undefined;
  readonly #role: Role;
  #allowedRsv: number;
  /** Negotiated extensions, in the order of the handshake (decoding runs them backwards). */
  #extensions: readonly Extension[] = [];
  /** The message being received had RSV bits set on its first frame (an extension owns it). */
  #transformed = false;
  readonly #maxMessageSize: number;
  readonly #maxFramesPerMessage: number;
  readonly #allocate: ((size: number) => Uint8Array) | undefined;
  readonly #copyInput: boolean | undefined;
  readonly #owner: Owner;
  readonly #onControl: ControlHandler<Owner>;
  /** The decoder's limit is below maxMessageSize, for the rest of a fragmented message. */
  #limitLowered = false;
  /** Where the current push() puts messages. */
  #events: ConnectionEvent[] = NO_EVENTS;

  /**
   * @param settings The connection's checked options.
   * @param owner Passed to `onControl`.
   * @param onControl Called with each ping, pong and close frame.
   * @throws {TypeError | RangeError} If `role` or `allowedRsv` is out of range, or `allocate`
   * is not a function.
   */
  constructor(settings: ConnectionSettings, owner: Owner, onControl: ControlHandler<Owner>) {
    const { role, maxMessageSize, maxFramesPerMessage, allowedRsv, allocate, copyInput } = settings;
    checkDecoderOptions(role, allowedRsv);
    if (allocate !== undefined && typeof allocate !== "function") {
      throw new TypeError("Cannot create connection as 'allocate' must be a function");
    }
    this.#allocate = allocate;
    this.#copyInput = copyInput;
    this.#role = role;
    this.#allowedRsv = allowedRsv;
    this.#maxMessageSize = maxMessageSize;
    this.#maxFramesPerMessage = maxFramesPerMessage;
    this.#owner = owner;
    this.#onControl = onControl;
  }

  /**
   * Sets the negotiated extensions (before the first push): their RSV bits become allowed on
   * data frames, and they decode every data frame.
   */
  setExtensions(extensions: readonly Extension[]): void {
    let rsv = this.#allowedRsv;
    for (const extension of extensions) rsv |= extension.rsv;
    checkDecoderOptions(this.#role, rsv);
    this.#allowedRsv = rsv;
    this.#extensions = extensions;
  }

  /**
   * Decodes `data` (owned from now on), adding each complete message to `events`.
   *
   * @throws {ProtocolError} If the peer broke the protocol; a frame over the message limit is
   * reported as `MESSAGE_TOO_BIG` (1009). After that the inbox is unusable.
   */
  push(data: Uint8Array, events: ConnectionEvent[]): void {
    this.#events = events;
    const previous = active;
    active = this;
    try {
      const decoder = this.#decoder ??= new FrameDecoder({
        role: this.#role,
        maxPayloadSize: this.#maxMessageSize,
        allowedRsv: this.#allowedRsv,
        allocate: this.#allocate,
        copyInput: this.#copyInput,
      });
      decoder.push(data, onFrame, onPayload);
      this.#events = NO_EVENTS; // hold no reference to events the caller takes
    } catch (error) {
      this.#events = NO_EVENTS;
      if (error instanceof ProtocolError && error.code === "FRAME_TOO_BIG") {
        throw new ProtocolError(
          "MESSAGE_TOO_BIG",
          1009,
          `message exceeds the limit of ${this.#maxMessageSize} bytes`,
        );
      }
      throw error;
    } finally {
      active = previous;
    }
  }

  /**
   * The decoder's callback (through `onPayload`) for part of a data frame: text is checked as
   * it arrives, so invalid UTF-8 fails at once, not when the frame ends.
   */
  handlePart(opcode: number, piece: Uint8Array, rsv: number): void {
    if (opcode === Opcode.BINARY) return;
    // An extension's data (compressed text) is checked once decoded, at the frame's end.
    if (rsv !== 0 || (opcode === Opcode.CONTINUATION && this.#transformed)) return;
    this.#assemblerOf().pushPart(opcode, piece);
  }

  /** The decoder's callback (through `onFrame`): `false` stops decoding. */
  handleFrame(frame: Frame): boolean {
    const extensions = this.#extensions;
    if (frame.opcode >= Opcode.CLOSE) {
      if (extensions.length > 0 && (frame.rsv1 || frame.rsv2 || frame.rsv3)) {
        throw new ProtocolError(
          "RESERVED_BITS",
          1002,
          "control frame has an RSV bit set, which no extension allows on control frames",
        );
      }
      return this.#onControl(this.#owner, frame);
    }
    const assembler = this.#assemblerOf();
    if (extensions.length > 0) {
      if (frame.opcode !== Opcode.CONTINUATION) {
        this.#transformed = frame.rsv1 || frame.rsv2 || frame.rsv3;
      }
      for (let i = extensions.length - 1; i >= 0; i--) {
        frame = extensions[i]!.decode(frame, assembler.remainingSize);
      }
    }
    const message = assembler.push(frame);
    if (message !== undefined) {
      this.#events.push(message);
      if (this.#limitLowered) {
        this.#limitLowered = false;
        this.#decoder!.maxPayloadSize = this.#maxMessageSize;
      }
    } else {
      // The next data frame may not carry more than the current message still may grow by.
      this.#limitLowered = true;
      this.#decoder!.maxPayloadSize = assembler.remainingSize;
    }
    return true;
  }

  #assemblerOf(): MessageAssembler {
    return this.#assembler ??= new MessageAssembler({
      maxMessageSize: this.#maxMessageSize,
      maxFramesPerMessage: this.#maxFramesPerMessage,
    });
  }
}
