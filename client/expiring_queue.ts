// This module is browser compatible.
/**
 * {@linkcode ExpiringQueue}: an offline queue whose messages expire, for the client's `queue`
 * option. Opt-in: a page that does not import it does not ship it.
 *
 * @module
 */

import { check } from "./_check.ts";
import { type Clock, systemClock } from "./clock.ts";
import { type QueuedMessage, SendQueue, type SendQueueOptions } from "./queue.ts";

/**
 * Options of {@linkcode ExpiringQueue}: the bounds of {@linkcode SendQueue}, the time a message
 * may wait, where expired messages are reported, and the clock.
 *
 * @example
 * ```ts
 * import type { ExpiringQueueOptions } from "@wirely/wirely/client";
 * const options: ExpiringQueueOptions = { ttl: 60_000, maxMessages: 100 };
 * console.log(options.ttl); // 60000
 * ```
 */
export interface ExpiringQueueOptions extends SendQueueOptions {
  /** Milliseconds a message may wait in the queue; then it is dropped, never sent. */
  ttl: number;
  /** Gets the messages dropped as expired, oldest first. @default {undefined} */
  onExpired?: (expired: QueuedMessage[]) => void;
  /** Time source; pass the client's when it has a fake one. @default {systemClock} */
  clock?: Clock;
}

/**
 * A {@linkcode SendQueue} whose messages expire `ttl` milliseconds after they were queued:
 * an expired message is dropped (and given to `onExpired`) instead of sent when a connection
 * opens, before a full queue refuses a send, and when the client closes (then it is not in
 * the `unsent` list). Pass one per client as the `queue` option.
 *
 * @example Chat lines older than a minute are not sent after an outage
 * ```ts
 * import { ExpiringQueue, WirelyClient } from "@wirely/wirely/client";
 * const queue = new ExpiringQueue({ ttl: 60_000, onExpired: (lost) => console.log(lost.length) });
 * const client = new WirelyClient("ws://127.0.0.1:9", { queue, autoConnect: false });
 * client.send("hello");
 * console.log(client.queuedMessages); // 1
 * client.close();
 * ```
 */
export class ExpiringQueue extends SendQueue {
  /** Milliseconds a message may wait. */
  readonly ttl: number;
  readonly #onExpired: ((expired: QueuedMessage[]) => void) | undefined;
  readonly #clock: Clock;

  /**
   * Creates an empty queue.
   *
   * @param options Bounds, `ttl`, `onExpired` and the clock.
   * @throws {RangeError} When `ttl` is not > 0, or a bound is negative or not an integer.
   */
  constructor(options: ExpiringQueueOptions) {
    super(options);
    const { ttl, onExpired, clock = systemClock } = options;
    check(ttl > 0, "ttl", ttl);
    this.ttl = ttl;
    this.#onExpired = onExpired;
    this.#clock = clock;
  }

  /**
   * Drops the messages that waited `ttl` or longer (the oldest, at the head of the queue) and
   * gives them to `onExpired`.
   *
   * @returns The dropped messages, oldest first.
   */
  dropExpired(): QueuedMessage[] {
    const limit = this.#clock.now() - this.ttl;
    const expired: QueuedMessage[] = [];
    for (let entry; (entry = super.peek()) && entry.queuedAt <= limit;) {
      expired.push(entry);
      this.shift();
    }
    if (expired.length > 0) this.#onExpired?.(expired);
    return expired;
  }

  /** Whether a message of `size` bytes fits, once the expired ones are dropped. */
  override fits(size: number): boolean {
    this.dropExpired();
    return super.fits(size);
  }

  /** The oldest message that has not expired. */
  override peek(): QueuedMessage | undefined {
    this.dropExpired();
    return super.peek();
  }

  /** Empties the queue; expired messages go to `onExpired`, the others are returned. */
  override clear(): QueuedMessage[] {
    this.dropExpired();
    return super.clear();
  }
}
