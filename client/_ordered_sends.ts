// This module is browser compatible.
/**
 * Sends kept in call order when some of them are `Blob`s, which are read asynchronously: once a
 * `Blob` waits, every later send waits behind it.
 *
 * @module
 */

import { ClientError } from "./errors.ts";
import type { TransportData } from "./transport.ts";

/** Size counted in `bufferedAmount`: UTF-16 code units for text, bytes otherwise. */
function waitingSize(data: TransportData): number {
  return typeof data === "string"
    ? data.length
    : data instanceof Blob
    ? data.size
    : data.byteLength;
}

/** The sends waiting behind a `Blob`; {@linkcode OrderedSends.drain} passes them on in order. */
export class OrderedSends {
  #waiting: TransportData[] = [];
  #bytes = 0;
  readonly #canSend: () => boolean;
  readonly #send: (data: string | Uint8Array) => void;
  readonly #onError: (error: ClientError) => void;

  /**
   * @param canSend Whether sending is still possible; when not, the waiting sends are dropped.
   * @param send Sends text or bytes now.
   * @param onError Told when a `Blob` cannot be read (it is sent as an empty binary message).
   */
  constructor(
    canSend: () => boolean,
    send: (data: string | Uint8Array) => void,
    onError: (error: ClientError) => void,
  ) {
    this.#canSend = canSend;
    this.#send = send;
    this.#onError = onError;
  }

  /** Size of what waits (see `waitingSize`). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Sends `data` now, or queues it behind a `Blob` (or when it is one). */
  send(data: TransportData): void {
    if (this.#waiting.length > 0 || !(typeof data === "string" || data instanceof Uint8Array)) {
      this.#waiting.push(data);
      this.#bytes += waitingSize(data);
      if (this.#waiting.length === 1) void this.#drain();
      return;
    }
    this.#send(data);
  }

  /** Drops everything that waits. */
  clear(): void {
    this.#waiting = [];
    this.#bytes = 0;
  }

  /** Sends what waits, in order, reading each `Blob` in turn. */
  async #drain(): Promise<void> {
    while (this.#waiting.length > 0) {
      const data = this.#waiting[0]!;
      let bytes: string | Uint8Array;
      try {
        bytes = data instanceof Blob ? new Uint8Array(await data.arrayBuffer()) : data;
      } catch (cause) {
        this.#onError(new ClientError("TRANSPORT_ERROR", "A Blob could not be read", { cause }));
        bytes = new Uint8Array(0);
      }
      this.#waiting.shift();
      this.#bytes -= waitingSize(data);
      if (!this.#canSend()) {
        this.clear();
        return;
      }
      this.#send(bytes);
    }
  }
}
