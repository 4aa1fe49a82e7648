// This module is browser compatible.
/**
 * {@linkcode sendVolatile}: a send that is dropped rather than queued while the client is not
 * open (a cursor position, a typing indicator, live audio). Opt-in.
 *
 * @module
 */

import type { WirelyClient } from "./client.ts";
import type { SendData } from "./options.ts";

/**
 * Sends `data` when the client is open; drops it otherwise (never queued).
 *
 * @param client The client to send on.
 * @param data Text or bytes, as for `send`.
 * @returns `true` when sent, `false` when dropped.
 * @throws {InvalidStateError} After `close()`, as `send` does.
 *
 * @example
 * ```ts
 * import { sendVolatile, WirelyClient } from "@wirely/wirely/client";
 * const client = new WirelyClient("ws://127.0.0.1:9", { autoConnect: false });
 * console.log(sendVolatile(client, "cursor 10,20"), client.queuedMessages); // false 0
 * client.close();
 * ```
 */
export function sendVolatile(
  client: Pick<WirelyClient, "send" | "transport" | "state">,
  data: SendData,
): boolean {
  if (client.transport) return client.send(data);
  if (client.state === "closed" || client.state === "closing") client.send(data); // throws
  return false;
}
