// This module is browser compatible.
/**
 * The queue flush when a connection opens: queued messages go out first, in order, before any
 * handler runs, so they precede every newer send; expired ones are dropped on the way.
 *
 * @module
 */

import { ClientError } from "./errors.ts";
import type { QueuedMessage, SendQueue } from "./queue.ts";
import type { Transport } from "./transport.ts";

/** What {@linkcode sendQueued} did. */
export interface QueueFlush {
  /** Entries dropped as expired, in queue order. */
  readonly expired: QueuedMessage[];
  /** Set when the transport refused an entry; that entry and the rest stay queued. */
  readonly failure: ClientError | undefined;
}

/** Sends every queued entry not expired at `now` over `transport`, until one is refused. */
export function sendQueued(queue: SendQueue, transport: Transport, now: number): QueueFlush {
  const expired: QueuedMessage[] = [];
  for (let entry = queue.peek(); entry !== undefined; entry = queue.peek()) {
    if (entry.expiresAt > now) {
      try {
        transport.send(entry.data);
      } catch (cause) {
        // Not sent: the entry stays first in the queue for the next connection.
        const message = "The transport refused a queued message";
        return { expired, failure: new ClientError("TRANSPORT_ERROR", message, { cause }) };
      }
    } else expired.push(entry);
    queue.shift();
  }
  return { expired, failure: undefined };
}
