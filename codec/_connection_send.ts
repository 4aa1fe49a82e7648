// This module is browser compatible.
/**
 * The send rules of {@linkcode Connection}: what may be sent in which state, the order of the
 * frames of a message fragmented by the caller, one close frame at most, and the checks of the
 * arguments, in front of the {@linkcode Outbox} that encodes and queues the frames.
 *
 * @module
 */

import { checkBytes, checkDataFrame } from "./_connection_options.ts";
import { Outbox } from "./_connection_output.ts";
import type { ConnectionState } from "./_connection_types.ts";
import type { ExtensionEncodeOptions } from "./extension.ts";
import { encodeClosePayload, parseClosePayload } from "./close.ts";
import { Opcode } from "./constants.ts";
import { InvalidStateError } from "./errors.ts";

/** An outbox that checks each send against the connection's state (given by the caller). */
export class Sender extends Outbox {
  /** Our close frame was queued (a connection sends one at most). */
  closeSent = false;
  /** A fragmented message was started with `sendFrame()` and its last frame is not sent yet. */
  #sendingFragments = false;

  /** `Connection.sendText`: a text message in one frame. */
  sendText(state: ConnectionState, text: string, options?: ExtensionEncodeOptions): void {
    if (typeof text !== "string") {
      throw new TypeError(
        `Cannot send text as 'text' must be a string: current type is ${typeof text}`,
      );
    }
    this.#checkMessageStart(state, "send text");
    this.text(text, options);
  }

  /** `Connection.sendBinary`: a binary message in one frame (`data` is never changed). */
  sendBinary(state: ConnectionState, data: Uint8Array, options?: ExtensionEncodeOptions): void {
    checkBytes("send binary", "data", data);
    this.#checkMessageStart(state, "send binary");
    this.data(Opcode.BINARY, data, true, false, options);
  }

  /** `Connection.sendFrame`: one data frame of a message the caller fragments. */
  sendFrame(
    state: ConnectionState,
    opcode: number,
    payload: Uint8Array,
    options: { fin?: boolean },
  ): void {
    checkDataFrame(opcode, payload);
    const fin = options.fin ?? true;
    if (opcode === Opcode.CONTINUATION) {
      checkOpen(state, "send frame");
      if (!this.#sendingFragments) {
        throw new InvalidStateError(
          "cannot send a continuation frame: no fragmented message was started",
        );
      }
    } else {
      this.#checkMessageStart(state, "send frame");
    }
    this.data(opcode, payload, fin, false);
    this.#sendingFragments = !fin;
  }

  /** `Connection.ping` and `Connection.pong`: a control frame of at most 125 bytes. */
  sendControl(state: ConnectionState, opcode: number, name: string, data: Uint8Array): void {
    checkBytes(`send ${name}`, "data", data);
    if (data.length > 125) {
      throw new RangeError(
        `Cannot send ${name} as 'data' must be at most 125 bytes: current length is ${data.length}`,
      );
    }
    checkOpen(state, `send ${name}`);
    this.control(opcode, data);
  }

  /** Queues our close frame with `code` and `reason`, unless one was queued already. */
  sendClose(code?: number, reason?: string): void {
    if (this.closeSent) return;
    this.closeSent = true;
    this.control(Opcode.CLOSE, encodeClosePayload(code, reason));
  }

  /** Answers the peer's close frame (echoes its code unless we sent ours); returns what it says. */
  answerClose(payload: Uint8Array): { code: number; reason: string } {
    const received = parseClosePayload(payload);
    this.sendClose(received.code === 1005 ? undefined : received.code);
    return received;
  }

  #checkMessageStart(state: ConnectionState, action: string): void {
    checkOpen(state, action);
    if (this.#sendingFragments) {
      throw new InvalidStateError(
        `cannot ${action}: a fragmented message is unfinished, send its continuation frames first`,
      );
    }
  }
}

/** Throws an InvalidStateError naming `action` unless the connection is `open`. */
function checkOpen(state: ConnectionState, action: string): void {
  if (state !== "open") {
    throw new InvalidStateError(`cannot ${action}: the connection is ${state}`);
  }
}
