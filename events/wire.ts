// This module is browser compatible.
/**
 * The `wirely.v1` wire format of named events: pure encoders and a decoder, no I/O. Text
 * frames carry JSON arrays (a raw WebSocket takes part with `JSON.stringify`/`JSON.parse`);
 * events or answers whose data is bytes travel in ONE binary frame (a small header, then the
 * raw bytes). Byte-level examples: `docs/events.md`.
 *
 * | Packet         | Text frame                               | Binary frame                          |
 * | -------------- | ---------------------------------------- | ------------------------------------- |
 * | event          | `["e", name, id, data?]`                 | `65` id:u32 len:u8 name bytes...      |
 * | answer         | `["a", id, value?]`                      | `61` id:u32 bytes...                  |
 * | error answer   | `["x", id, {"code", "message", "event"?}]` | (text only)                        |
 *
 * `id` is 0 when no answer is wanted, else 1 to 2^32-1. An absent `data`/`value` is `undefined`.
 *
 * @module
 */

import {
  decodeBinary,
  encodeBinaryAck,
  encodeBinaryEvent,
  encodeName,
  isBinary,
  malformed,
  MAX_ACK_ID,
  MAX_EVENT_NAME_BYTES,
  toBytes,
  utf8Length,
} from "./_wire_binary.ts";

export { MAX_ACK_ID, MAX_EVENT_NAME_BYTES };

/**
 * The subprotocol of the named-events layer, version 1. A connection that did not negotiate it
 * carries plain messages.
 *
 * @example
 * ```ts
 * import { EVENTS_PROTOCOL } from "@wirely/wirely/events";
 * console.log(EVENTS_PROTOCOL); // wirely.v1
 * ```
 */
export const EVENTS_PROTOCOL = "wirely.v1";

/**
 * The subprotocol of `wirely.v1` with connection state recovery: the same packets, plus the
 * session packets (`h`, `q`, `p`, `k`, `r`: docs/events.md). An `EventClient` with the
 * `recovery` option offers it first; an `EventServer` with `recovery` picks it.
 *
 * @example
 * ```ts
 * import { RECOVERY_PROTOCOL } from "@wirely/wirely/events";
 * console.log(RECOVERY_PROTOCOL); // wirely.v1.recovery
 * ```
 */
export const RECOVERY_PROTOCOL = "wirely.v1.recovery";

/**
 * A decoded `wirely.v1` packet. Binary `data`/`value` is a `Uint8Array` view into the frame.
 *
 * @example
 * ```ts
 * import { decodePacket, type Packet } from "@wirely/wirely/events";
 * const packet: Packet = decodePacket('["e","chat",0,"hi"]');
 * console.log(packet); // { type: "event", event: "chat", id: 0, data: "hi" }
 * ```
 */
export type Packet =
  | { type: "event"; event: string; id: number; data: unknown }
  | { type: "ack"; id: number; value: unknown }
  | { type: "error"; id: number; code: string; message: string; event?: string };

/**
 * A frame to send: a string goes as a text message, bytes as one binary message.
 *
 * @example
 * ```ts
 * import { encodeEvent, type Frame } from "@wirely/wirely/events";
 * const frame: Frame = encodeEvent("chat", "hi");
 * console.log(typeof frame); // string
 * ```
 */
export type Frame = string | Uint8Array;

/**
 * Encodes an event. Bytes (`Uint8Array`, any view, `ArrayBuffer`) make one binary frame; any
 * other data is JSON in a text frame (`undefined` data is left out).
 *
 * @param event The event name: 1 to 255 UTF-8 bytes.
 * @param data The data: bytes, or a value `JSON.stringify` accepts.
 * @param id The answer id, 0 when no answer is wanted. @default 0
 * @throws {TypeError} If `event` is not a non-empty string, or `data` has no JSON form.
 * @throws {RangeError} If `event` is longer than 255 bytes or `id` is not an integer from 0 to 2^32-1.
 *
 * @example
 * ```ts
 * import { encodeEvent } from "@wirely/wirely/events";
 * console.log(encodeEvent("chat", { text: "hi" }, 7)); // ["e","chat",7,{"text":"hi"}]
 * console.log(encodeEvent("blob", new Uint8Array([1, 2]))); // Uint8Array(12) [ 101, 0, 0, 0, 0, 4, 98, 108, 111, 98, 1, 2 ]
 * ```
 */
export function encodeEvent(event: string, data: unknown, id: number = 0): Frame {
  checkName(event);
  checkId(id, 0);
  if (isBinary(data)) return encodeBinaryEvent(encodeName(event), id, toBytes(data));
  const head = `["e",${JSON.stringify(event)},${id}`;
  return data === undefined ? head + "]" : `${head},${json(data)}]`;
}

/**
 * Encodes the answer to event `id`. Bytes make one binary frame.
 *
 * @throws {RangeError} If `id` is not an integer from 1 to 2^32-1.
 * @throws {TypeError} If `value` has no JSON form.
 *
 * @example
 * ```ts
 * import { encodeAck } from "@wirely/wirely/events";
 * console.log(encodeAck(7, { ok: true })); // ["a",7,{"ok":true}]
 * console.log(encodeAck(7, undefined)); // ["a",7]
 * ```
 */
export function encodeAck(id: number, value: unknown): Frame {
  checkId(id, 1);
  if (isBinary(value)) return encodeBinaryAck(id, toBytes(value));
  return value === undefined ? `["a",${id}]` : `["a",${id},${json(value)}]`;
}

/**
 * Encodes an error answer to event `id` (0: the event wanted no answer; then `event` names it).
 *
 * @throws {RangeError} If `id` is not an integer from 0 to 2^32-1.
 * @throws {TypeError} If `code` or `message` is not a string.
 *
 * @example
 * ```ts
 * import { encodeError } from "@wirely/wirely/events";
 * console.log(encodeError(7, "REJECTED", "log in first")); // ["x",7,{"code":"REJECTED","message":"log in first"}]
 * ```
 */
export function encodeError(id: number, code: string, message: string, event?: string): string {
  checkId(id, 0);
  if (typeof code !== "string" || typeof message !== "string") {
    throw new TypeError("Cannot encode an error as 'code' and 'message' must be strings");
  }
  const body = event === undefined ? { code, message } : { code, message, event };
  return `["x",${id},${JSON.stringify(body)}]`;
}

/**
 * Decodes one message of a `wirely.v1` connection. Never throws anything but an
 * {@linkcode EventError} `MALFORMED_EVENT`, and never returns a packet that breaks the rules
 * above (so handlers never see garbage).
 *
 * @throws {EventError} `MALFORMED_EVENT` for invalid JSON, a wrong shape, a bad name or id,
 *   or a truncated binary header.
 *
 * @example
 * ```ts
 * import { decodePacket, EventError } from "@wirely/wirely/events";
 * console.log(decodePacket('["a",7,42]')); // { type: "ack", id: 7, value: 42 }
 * try {
 *   decodePacket('["e","",0]');
 * } catch (error) {
 *   console.log(error instanceof EventError && error.code); // MALFORMED_EVENT
 * }
 * ```
 */
export function decodePacket(frame: Frame): Packet {
  if (typeof frame !== "string") return decodeBinary(frame);
  let parsed: unknown;
  try {
    parsed = JSON.parse(frame);
  } catch (cause) {
    throw malformed(`a text frame that is not JSON (${frame.length} characters)`, cause);
  }
  if (!Array.isArray(parsed)) throw malformed("a text frame that is not a JSON array");
  const [kind, first, second, third] = parsed as unknown[];
  const length = parsed.length;
  if (kind === "e") {
    if (length !== 3 && length !== 4) throw malformed(`an event of ${length} elements`);
    if (!isName(first)) throw malformed("an event with an invalid name");
    if (!isId(second, 0)) throw malformed("an event with an invalid id");
    return { type: "event", event: first, id: second, data: third };
  }
  if (kind === "a") {
    if (length !== 2 && length !== 3) throw malformed(`an answer of ${length} elements`);
    if (!isId(first, 1)) throw malformed("an answer with an invalid id");
    return { type: "ack", id: first, value: second };
  }
  if (kind === "x") {
    if (length !== 3) throw malformed(`an error answer of ${length} elements`);
    if (!isId(first, 0)) throw malformed("an error answer with an invalid id");
    if (typeof second !== "object" || second === null || Array.isArray(second)) {
      throw malformed("an error answer without an error object");
    }
    const { code, message, event } = second as Record<string, unknown>;
    if (typeof code !== "string" || typeof message !== "string") {
      throw malformed("an error answer without a string code and message");
    }
    if (event !== undefined && !isName(event)) {
      throw malformed("an error answer with an invalid event name");
    }
    return event === undefined
      ? { type: "error", id: first, code, message }
      : { type: "error", id: first, code, message, event };
  }
  throw malformed("a text frame of an unknown kind");
}

function isName(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 &&
    (value.length <= 85 || utf8Length(value) <= MAX_EVENT_NAME_BYTES);
}

function isId(value: unknown, min: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min &&
    value <= MAX_ACK_ID;
}

function checkName(event: string): void {
  if (typeof event !== "string" || event.length === 0) {
    throw new TypeError(
      `Cannot emit as 'event' must be a non-empty string: current value is ${
        typeof event === "string" ? '""' : typeof event
      }`,
    );
  }
  if (event.length > 85 && utf8Length(event) > MAX_EVENT_NAME_BYTES) {
    throw new RangeError(
      `Cannot emit as 'event' must be at most ${MAX_EVENT_NAME_BYTES} UTF-8 bytes: current length is ${
        utf8Length(event)
      }`,
    );
  }
}

function checkId(id: number, min: number): void {
  if (!isId(id, min)) {
    throw new RangeError(
      `Cannot encode as 'id' must be an integer from ${min} to ${MAX_ACK_ID}: current value is ${id}`,
    );
  }
}

function json(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) {
    throw new TypeError(`Cannot emit as 'data' has no JSON form: current type is ${typeof value}`);
  }
  return text;
}
