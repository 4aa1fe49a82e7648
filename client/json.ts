// This module is browser compatible.
/**
 * JSON over a {@linkcode WirelyClient}: {@linkcode sendJson} and {@linkcode onJson}. Separate
 * functions, so a page that does not use them does not ship them.
 *
 * @example
 * ```ts ignore
 * import { onJson, sendJson, WirelyClient } from "@wirely/wirely/client";
 * const client = new WirelyClient("wss://example.com/live");
 * onJson(client, (value) => console.log("got", value));
 * sendJson(client, { subscribe: "prices" }); // queued until open
 * ```
 *
 * @module
 */

import type { WirelyClient } from "./client.ts";
import { check } from "./_check.ts";
import { ClientError } from "./errors.ts";
import { sendVolatile } from "./volatile.ts";

/**
 * Sends `JSON.stringify(value)` as a text message, like `client.send` (queued while not open),
 * or like {@linkcode sendVolatile} with `{ volatile: true }` (dropped while not open).
 *
 * @param client The client to send on.
 * @param value Anything with a JSON form.
 * @param options `volatile`: drop instead of queueing while not open. @default {{ volatile: false }}
 * @returns `true` when handed to the open connection, `false` when queued (or dropped).
 * @throws {TypeError} When `value` has no JSON form (`undefined`, a function, a cycle).
 *
 * @example
 * ```ts
 * import { sendJson, WirelyClient } from "@wirely/wirely/client";
 * const client = new WirelyClient("ws://127.0.0.1:9", { autoConnect: false });
 * sendJson(client, { hello: "world" });
 * console.log(client.close().map((entry) => entry.data)); // [ '{"hello":"world"}' ]
 * ```
 */
export function sendJson(
  client: Pick<WirelyClient, "send" | "transport" | "state">,
  value: unknown,
  options?: { volatile?: boolean },
): boolean {
  const text = JSON.stringify(value);
  check(text !== undefined, "value", typeof value, TypeError);
  return options?.volatile ? sendVolatile(client, text!) : client.send(text!);
}

/**
 * Calls `handler` with every text message parsed as JSON. A text message that is not JSON (the
 * peer's doing) never throws: it goes to `onError` as a {@linkcode ClientError} `INVALID_JSON`;
 * without `onError` the first one is written to `console.error` (like the client's unhandled
 * errors) and the later ones are dropped. Binary messages are ignored.
 *
 * @param client The client to listen on.
 * @param handler Gets each parsed value.
 * @param onError Gets an `INVALID_JSON` error for each text message that is not JSON; by
 *   default the first one is logged with `console.error`.
 * @returns A function that stops listening.
 *
 * @example
 * ```ts
 * import { onJson, WirelyClient } from "@wirely/wirely/client";
 * const client = new WirelyClient("ws://127.0.0.1:9", { autoConnect: false });
 * const off = onJson(client, (value) => console.log(value), (error) => console.log(error.code));
 * off();
 * client.close();
 * ```
 */
export function onJson(
  client: Pick<WirelyClient, "on">,
  handler: (value: unknown) => void,
  onError?: (error: ClientError) => void,
): () => void {
  let logged = false;
  return client.on("message", (message) => {
    if (message.type !== "text") return;
    let value: unknown;
    try {
      value = JSON.parse(message.data);
    } catch (cause) {
      const text = `A text message is not valid JSON (${message.data.length} characters)`;
      const error = new ClientError("INVALID_JSON", text, { cause });
      if (onError !== undefined) onError(error);
      else if (!logged) {
        logged = true;
        console.error("wirely: onJson got a text message that is not JSON (logged once)", error);
      }
      return;
    }
    handler(value);
  });
}
