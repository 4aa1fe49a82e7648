// This module is browser compatible.
/**
 * The client's `json` event: a text message parsed as JSON, only when someone listens.
 *
 * @module
 */

import type { Emitter } from "./_emitter.ts";
import { ClientError } from "./errors.ts";
import type { ClientEventMap } from "./events.ts";

/** Emits `text` parsed as a `json` event, or an `INVALID_JSON` error; nothing without listeners. */
export function emitJson(events: Emitter<ClientEventMap>, text: string): void {
  if (!events.has("json")) return;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    const message = `A text message is not valid JSON (${text.length} characters)`;
    events.emit("error", new ClientError("INVALID_JSON", message, { cause }));
    return;
  }
  events.emit("json", value);
}
