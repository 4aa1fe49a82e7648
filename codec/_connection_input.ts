// This module is browser compatible.
/**
 * The incoming side of {@linkcode Connection}: bytes decoded into frames, data frames assembled
 * into messages within the limits; control frames go back to the connection.
 *
 * @module
 */

import type { ConnectionSettings } from "./_connection_options.ts";
import type { ConnectionEvent } from "./_connection_types.ts";
import { Opcode } from "./constants.ts";
import { ProtocolError } from "./errors.ts";
import type { Frame } from "./frame.ts";
import { FrameDecoder } from "./frame_decoder.ts";
import { MessageAssembler } from "./message.ts";

const NO_EVENTS: ConnectionEvent[] = [];

/** Decodes the peer's bytes into message events. */
export class Inbox {
  readonly #decoder: FrameDecoder;
  readonly #assembler: MessageAssembler;
  readonly #maxMessageSize: number;
  readonly #onControl: (frame: Frame) => void;
  /** The decoder's limit is below maxMessageSize, for the rest of a fragmented message. */
  #limitLowered = false;
  /** Where the current push() puts messages. */
  #events: ConnectionEvent[] = NO_EVENTS;
  /** The decoder's callback, created once. */
  readonly #onFrame = (frame: Frame): void => this.#handleFrame(frame);

  /**
   * @param settings The connection's checked options.
   * @param onControl Called with each ping, pong and close frame; may throw to stop decoding.
   */
  constructor(settings: ConnectionSettings, onControl: (frame: Frame) => void) {
    const { role, maxMessageSize, maxFramesPerMessage, allowedRsv } = settings;
    this.#maxMessageSize = maxMessageSize;
    this.#onControl = onControl;
    this.#assembler = new MessageAssembler({ maxMessageSize, maxFramesPerMessage });
    this.#decoder = new FrameDecoder({ role, maxPayloadSize: maxMessageSize, allowedRsv });
  }

  /**
   * Decodes `data` (owned from now on), adding each complete message to `events`.
   *
   * @throws {ProtocolError} If the peer broke the protocol; a frame over the message limit is
   * reported as `MESSAGE_TOO_BIG` (1009). After that the inbox is unusable.
   */
  push(data: Uint8Array, events: ConnectionEvent[]): void {
    this.#events = events;
    try {
      this.#decoder.push(data, this.#onFrame);
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
    }
  }

  #handleFrame(frame: Frame): void {
    if (frame.opcode >= Opcode.CLOSE) {
      this.#onControl(frame);
      return;
    }
    const message = this.#assembler.push(frame);
    if (message !== undefined) {
      this.#events.push(message);
      if (this.#limitLowered) {
        this.#limitLowered = false;
        this.#decoder.maxPayloadSize = this.#maxMessageSize;
      }
    } else {
      // The next data frame may not carry more than the current message still may grow by.
      this.#limitLowered = true;
      this.#decoder.maxPayloadSize = this.#assembler.remainingSize;
    }
  }
}
