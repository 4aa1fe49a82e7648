// This module is browser compatible.
/**
 * The bounded queue that holds sends made while the client is not open. Its bounds count
 * messages and real bytes (UTF-8 bytes for text); a send that does not fit fails loudly with a
 * {@linkcode ClientError} `QUEUE_FULL` rather than pushing anything out.
 *
 * @module
 */

import { check } from "./_check.ts";
import { ClientError } from "./errors.ts";
import type { TransportData } from "./transport.ts";

/**
 * The number of bytes `data` takes on the wire: UTF-8 bytes for text (a lone surrogate counts
 * as the 3 bytes of U+FFFD it becomes), the byte length for bytes, the size for a `Blob`.
 *
 * @param data A message.
 * @returns Its payload length in bytes.
 *
 * @example
 * ```ts
 * import { byteLength } from "@wirely/wirely/client";
 * console.log(byteLength("héllo"), byteLength("👋"), byteLength(new Uint8Array(3))); // 6 4 3
 * ```
 */
export function byteLength(data: TransportData): number {
  if (typeof data !== "string") return data instanceof Uint8Array ? data.byteLength : data.size;
  let bytes = 0;
  // By code point; a lone surrogate is sent as U+FFFD (3 bytes), like TextEncoder does.
  for (const char of data) {
    const point = char.codePointAt(0)!;
    bytes += point < 0x80 ? 1 : point < 0x800 ? 2 : point < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/**
 * A message waiting in the queue, as reported when it expires or is never sent.
 *
 * @example
 * ```ts
 * import { SendQueue } from "@wirely/wirely/client";
 * const queue = new SendQueue();
 * const entry = queue.push("hi", 1_000);
 * console.log(entry.size, entry.queuedAt); // 2 1000
 * ```
 */
export interface QueuedMessage {
  /** The message as it will be sent. */
  readonly data: TransportData;
  /** Its size in bytes (see {@linkcode byteLength}). */
  readonly size: number;
  /** Wall-clock time it was queued, in milliseconds since the epoch. */
  readonly queuedAt: number;
}

/**
 * Bounds of {@linkcode SendQueue}.
 *
 * @example
 * ```ts
 * import { SendQueue, type SendQueueOptions } from "@wirely/wirely/client";
 * const options: SendQueueOptions = { maxMessages: 100, maxBytes: 65_536 };
 * const queue = new SendQueue(options);
 * console.log(queue.maxMessages, queue.maxBytes); // 100 65536
 * ```
 */
export interface SendQueueOptions {
  /** Most messages the queue holds. @default {1_000} */
  maxMessages?: number;
  /** Most bytes the queue holds, text counted in UTF-8 bytes. @default {1_048_576} */
  maxBytes?: number;
}

function checkLimit(name: string, value: number): void {
  check(value === Infinity || Number.isInteger(value) && value >= 0, name, value);
}

/**
 * A first-in first-out queue of messages with a message bound and a byte bound.
 *
 * @example A full queue throws `QUEUE_FULL`
 * ```ts
 * import { ClientError, SendQueue } from "@wirely/wirely/client";
 * const queue = new SendQueue({ maxMessages: 1 });
 * queue.push("first", Date.now());
 * try {
 *   queue.push("second", Date.now());
 * } catch (error) {
 *   console.log(error instanceof ClientError && error.code); // QUEUE_FULL
 * }
 * ```
 */
export class SendQueue {
  /** Most messages the queue holds. */
  declare readonly maxMessages: number;
  /** Most bytes the queue holds. */
  declare readonly maxBytes: number;
  #entries: QueuedMessage[] = [];
  #bytes = 0;

  /**
   * Creates an empty queue.
   *
   * @param options The bounds.
   * @throws {RangeError} When a bound is negative or not an integer.
   */
  constructor(options: SendQueueOptions = {}) {
    const { maxMessages = 1_000, maxBytes = 1_048_576 } = options;
    checkLimit("maxMessages", maxMessages);
    checkLimit("maxBytes", maxBytes);
    Object.assign(this, { maxMessages, maxBytes });
  }

  /** Messages in the queue. */
  get length(): number {
    return this.#entries.length;
  }

  /** Bytes in the queue. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Whether a message of `size` bytes fits now.
   *
   * @param size Bytes of the message.
   * @returns `true` when both bounds leave room.
   */
  fits(size: number): boolean {
    return this.length < this.maxMessages && this.#bytes + size <= this.maxBytes;
  }

  /**
   * Appends a message.
   *
   * @param data The message; the queue keeps this reference (copy bytes the caller may reuse).
   * @param now Wall-clock time in milliseconds.
   * @returns The queued entry.
   * @throws {ClientError} `QUEUE_FULL` when a bound would be passed.
   */
  push(data: TransportData, now: number): QueuedMessage {
    const size = byteLength(data);
    if (!this.fits(size)) {
      throw new ClientError(
        "QUEUE_FULL",
        `Queue full: ${this.length} messages, ${this.#bytes} bytes`,
      );
    }
    const entry: QueuedMessage = { data, size, queuedAt: now };
    this.#entries.push(entry);
    this.#bytes += size;
    return entry;
  }

  /** The oldest message, left in the queue. */
  peek(): QueuedMessage | undefined {
    return this.#entries[0];
  }

  /** Removes and returns the oldest message. */
  shift(): QueuedMessage | undefined {
    // Array#shift is amortized O(1) in the engines that matter (V8 trims the array's start).
    const entry = this.#entries.shift();
    if (entry !== undefined) this.#bytes -= entry.size;
    return entry;
  }

  /**
   * Empties the queue.
   *
   * @returns Every message that was in it, oldest first.
   */
  clear(): QueuedMessage[] {
    const all = this.#entries;
    this.#entries = [];
    this.#bytes = 0;
    return all;
  }
}
