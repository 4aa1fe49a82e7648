// This module is browser compatible.
/**
 * The bounded buffer behind `for await (const message of messages(client))`.
 *
 * @module
 */

import type { Message } from "../codec/message.ts";
import { ClientError } from "./errors.ts";

type Result = IteratorResult<Message, undefined>;

/**
 * Buffers messages for one `for await` loop. It ends when the client closes; it fails with
 * `ITERATOR_OVERFLOW` when the loop falls more than `maxBuffered` messages behind.
 */
export class MessageStream implements AsyncIterableIterator<Message, undefined> {
  readonly #maxBuffered: number;
  #buffer: Message[] = [];
  #waiter: { resolve: (result: Result) => void; reject: (error: Error) => void } | undefined;
  #error: ClientError | undefined;
  #done = false;
  #unsubscribe: () => void = () => {};

  constructor(maxBuffered: number) {
    this.#maxBuffered = maxBuffered;
  }

  /** Connects the stream to its source; `unsubscribe` runs once when the stream ends. */
  attach(unsubscribe: () => void): void {
    if (this.#done) unsubscribe();
    else this.#unsubscribe = unsubscribe;
  }

  /** A message arrived. */
  push(message: Message): void {
    if (this.#done) return;
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter.resolve({ value: message, done: false });
    } else if (this.#buffer.length >= this.#maxBuffered) {
      this.#error = new ClientError(
        "ITERATOR_OVERFLOW",
        `The message loop fell ${this.#maxBuffered} messages behind (raise 'maxBuffered' or consume faster)`,
      );
      this.#buffer = [];
      this.end();
    } else {
      this.#buffer.push(message);
    }
  }

  /** The client closed: the loop ends after the buffered messages. */
  end(): void {
    if (this.#done) return;
    this.#done = true;
    this.#unsubscribe();
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.resolve({ value: undefined, done: true });
  }

  next(): Promise<Result> {
    const message = this.#buffer.shift();
    if (message !== undefined) return Promise.resolve({ value: message, done: false });
    const error = this.#error;
    if (error !== undefined) {
      this.#error = undefined;
      return Promise.reject(error);
    }
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  return(): Promise<Result> {
    this.#buffer = [];
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
