/**
 * The bounded queue behind `for await (const message of conn)`: messages wait here until the
 * loop takes them; past a high-water mark the queue asks its owner to stop reading the socket,
 * and to start again once the loop caught up.
 *
 * @module
 */

import type { Message } from "../codec/message.ts";

/** Reading pauses while more than this many bytes (or messages) wait. */
const HIGH_WATER_BYTES = 1_048_576;
const HIGH_WATER_COUNT = 1024;

/** Messages waiting for an async iteration, with read backpressure. */
export class MessageQueue {
  #items: Message[] = [];
  #head = 0;
  #bytes = 0;
  #waiters: ((result: IteratorResult<Message>) => void)[] = [];
  #ended = false;
  #paused = false;
  readonly #setPaused: (paused: boolean) => void;

  /** @param setPaused Called with `true` to stop reading the socket, `false` to resume. */
  constructor(setPaused: (paused: boolean) => void) {
    this.#setPaused = setPaused;
  }

  /** Whether reading is paused because too much waits. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Hands a message to a waiting `next()`, or queues it. */
  push(message: Message): void {
    if (this.#ended) return;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      waiter({ done: false, value: message });
      return;
    }
    this.#items.push(message);
    this.#bytes += message.data.length;
    const waiting = this.#items.length - this.#head;
    if (!this.#paused && (this.#bytes > HIGH_WATER_BYTES || waiting >= HIGH_WATER_COUNT)) {
      this.#paused = true;
      this.#setPaused(true);
    }
  }

  /** The next message; `done` once the queue ended and is empty. */
  next(): Promise<IteratorResult<Message>> {
    if (this.#head < this.#items.length) {
      const message = this.#items[this.#head]!;
      this.#items[this.#head++] = undefined as never;
      if (this.#head === this.#items.length) {
        this.#items = [];
        this.#head = 0;
      }
      this.#bytes -= message.data.length;
      if (this.#paused && this.#bytes <= HIGH_WATER_BYTES / 2 && !this.#ended) {
        this.#paused = false;
        this.#setPaused(false);
      }
      return Promise.resolve({ done: false, value: message });
    }
    if (this.#ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** No more messages will come: pending `next()` calls finish (queued messages stay readable). */
  end(): void {
    this.#ended = true;
    for (const waiter of this.#waiters.splice(0)) waiter({ done: true, value: undefined });
  }
}
