// This module is browser compatible.
/**
 * Waiting for a client to open ({@linkcode opened}) and closing it with an `AbortSignal`
 * ({@linkcode closeOnAbort}). Separate functions, so a page that does not use them does not
 * ship them.
 *
 * @module
 */

import type { WirelyClient } from "./client.ts";
import { ClientError } from "./errors.ts";

/**
 * Resolves when the client is open: now if it is, else at its next `open` event. Rejects with
 * a {@linkcode ClientError} `CLOSED` if the client closes first (or is closed already).
 *
 * @param client The client to wait for.
 * @returns A promise of the next open.
 *
 * @example
 * ```ts
 * import { opened, WirelyClient } from "@wirely/wirely/client";
 * const client = new WirelyClient("ws://127.0.0.1:9", { autoConnect: false });
 * const open = opened(client);
 * client.close();
 * await open.catch((error) => console.log(error.code)); // CLOSED
 * ```
 */
export function opened(client: Pick<WirelyClient, "state" | "on">): Promise<void> {
  return new Promise((resolve, reject) => {
    if (client.state === "open") return resolve();
    const closed = (): void => reject(new ClientError("CLOSED", "Client closed"));
    if (client.state === "closed") return closed();
    const offOpen = client.on("open", () => {
      stop();
      resolve();
    });
    const offState = client.on("state", ({ state }) => {
      if (state === "closed") {
        stop();
        closed();
      }
    });
    const stop = (): void => {
      offOpen();
      offState();
    };
  });
}

/**
 * Closes the client for good (like `close()`, code 1000) when `signal` aborts; at once when it
 * is aborted already. The listener is removed when the client closes (or starts to).
 *
 * @param client The client to close.
 * @param signal The signal to follow.
 * @returns A function that stops following the signal.
 *
 * @example
 * ```ts
 * import { closeOnAbort, WirelyClient } from "@wirely/wirely/client";
 * const controller = new AbortController();
 * const client = new WirelyClient("ws://127.0.0.1:9", { autoConnect: false });
 * closeOnAbort(client, controller.signal);
 * controller.abort();
 * console.log(client.state); // closed
 * ```
 */
export function closeOnAbort(
  client: Pick<WirelyClient, "close" | "on">,
  signal: AbortSignal,
): () => void {
  const abort = (): void => void client.close();
  if (signal.aborted) {
    abort();
    return () => {};
  }
  signal.addEventListener("abort", abort);
  const offState = client.on("state", ({ state }) => {
    if (state === "closing" || state === "closed") stop();
  });
  const stop = (): void => {
    offState();
    signal.removeEventListener("abort", abort);
  };
  return stop;
}
