// This module is browser compatible.
/**
 * `for await` over a client's messages: {@linkcode messages}. A separate function, so a page
 * that does not iterate does not ship the iterator.
 *
 * @module
 */

import type { Message } from "../codec/message.ts";
import type { WirelyClient } from "./client.ts";
import { check } from "./_check.ts";
import { MessageStream } from "./_message_stream.ts";

/**
 * Options of {@linkcode messages}.
 *
 * @example
 * ```ts
 * import type { MessagesOptions } from "@wirely/wirely/client";
 * const options: MessagesOptions = { maxBuffered: 100 };
 * console.log(options.maxBuffered); // 100
 * ```
 */
export interface MessagesOptions {
  /** Messages the loop may fall behind before it fails with `ITERATOR_OVERFLOW`. @default {1_000} */
  maxBuffered?: number;
}

/**
 * Iterates over the client's incoming messages until it closes (across reconnections).
 * Messages that arrive while the loop body runs are buffered, up to `maxBuffered`; past that
 * the loop fails with a `ClientError` `ITERATOR_OVERFLOW`.
 *
 * @param client The client to read.
 * @param options How far the loop may fall behind.
 * @returns An async iterator; breaking out of the loop stops buffering.
 * @throws {RangeError} When `maxBuffered` is not an integer >= 1.
 *
 * @example
 * ```ts ignore
 * import { messages, WirelyClient } from "@wirely/wirely/client";
 * const client = new WirelyClient("wss://echo.example.com");
 * client.send("hello");
 * for await (const message of messages(client)) {
 *   if (message.type === "text") console.log(message.data);
 *   client.close();
 * }
 * ```
 *
 * @example A closed client yields nothing
 * ```ts
 * import { messages, WirelyClient } from "@wirely/wirely/client";
 * const client = new WirelyClient("ws://127.0.0.1:9", { autoConnect: false });
 * client.close();
 * for await (const _ of messages(client)) console.log("never");
 * console.log("done"); // done
 * ```
 */
export function messages(
  client: Pick<WirelyClient, "on" | "state">,
  options: MessagesOptions = {},
): AsyncIterableIterator<Message, undefined> {
  const { maxBuffered = 1_000 } = options;
  check(Number.isInteger(maxBuffered) && maxBuffered >= 1, "maxBuffered", maxBuffered);
  const stream = new MessageStream(maxBuffered);
  if (client.state === "closed") {
    stream.end();
    return stream;
  }
  const offMessage = client.on("message", (message) => stream.push(message));
  const offState = client.on("state", ({ state }) => {
    if (state === "closed") stream.end();
  });
  stream.attach(() => {
    offMessage();
    offState();
  });
  return stream;
}
