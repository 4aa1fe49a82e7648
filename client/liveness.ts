// This module is browser compatible.
/**
 * Liveness checks on demand: {@linkcode ping} sends a ping frame, {@linkcode checkLiveness}
 * also sends the heartbeat's ping now. Separate functions, so a page that does not call them
 * does not ship them.
 *
 * @module
 */

import { InvalidStateError } from "../codec/errors.ts";
import type { WirelyClient } from "./client.ts";
import { watches } from "./_watches.ts";

/**
 * Sends a real ping frame on the client's open connection, where its transport can
 * (`tcpTransport` can; the WebSocket API cannot). Its answer arrives as a `pong` event and
 * counts as life for the heartbeat.
 *
 * @param client The client.
 * @param data At most 125 bytes the pong will echo.
 * @returns `false` when the client is not open (or the server already sent its close frame)
 *   or its transport cannot send ping frames.
 * @throws {RangeError} When `data` is longer than 125 bytes.
 *
 * @example The native transport has no ping frames
 * ```ts
 * import { ping, WirelyClient } from "@wirely/wirely/client";
 * const client = new WirelyClient("ws://127.0.0.1:9", { autoConnect: false });
 * console.log(ping(client)); // false (not open)
 * client.close();
 * ```
 */
export function ping(client: Pick<WirelyClient, "transport">, data?: Uint8Array): boolean {
  const transport = client.transport;
  if (!transport?.ping) return false;
  try {
    transport.ping(data);
  } catch (error) {
    if (error instanceof InvalidStateError) return false;
    throw error;
  }
  return true;
}

/**
 * Checks the client's connection now: sends the heartbeat ping (unless one is waiting for its
 * answer) so a dead connection is found within the heartbeat `timeout`, and a ping frame where
 * the transport can send one (its pong counts as life). Never closes the connection by itself.
 * {@linkcode followNetwork} calls it on `offline`, `online` and when the page becomes visible;
 * call it yourself when the network may have changed.
 *
 * @param client The client.
 * @returns `false` when the client is not open, or neither the heartbeat nor ping frames are
 *   available.
 *
 * @example
 * ```ts
 * import { checkLiveness, heartbeat, WirelyClient } from "@wirely/wirely/client";
 * const client = new WirelyClient("ws://127.0.0.1:9", { heartbeat: heartbeat(), autoConnect: false });
 * console.log(checkLiveness(client)); // false (not open)
 * client.close();
 * ```
 */
export function checkLiveness(client: Pick<WirelyClient, "transport">): boolean {
  const pinged = ping(client);
  const transport = client.transport;
  const watch = transport && watches.get(transport);
  watch?.check();
  return pinged || watch !== undefined;
}
