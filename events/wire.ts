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
  BINARY_ACK,
  BINARY_EVENT,
  binaryFrame,
  bytesOf,
  decodeBinary,
  malformed,
  MAX_ACK_ID,
  MAX_EVENT_NAME_BYTES,
  nameHead,
  nameLength,
} from "./_wire_binary.ts";
import { check } from "../client/_check.ts";

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
  const bytes = bytesOf(data);
  if (bytes) return binaryFrame(BINARY_EVENT, id, nameHead(event), bytes);
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
  const bytes = bytesOf(value);
  if (bytes) return binaryFrame(BINARY_ACK, id, new Uint8Array(), bytes);
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
  check(typeof code === "string" && typeof message === "string", "code", typeof code, TypeError);
  // `JSON.stringify` leaves `event` out when it is undefined.
  return `["x",${id},${JSON.stringify({ code, message, event })}]`;
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
    throw malformed(`non-JSON text (${frame.length} characters)`, cause);
  }
  const list: unknown[] = Array.isArray(parsed) ? parsed : [];
  const [kind, first, second, third] = list;
  const length = list.length;
  if (kind === "e" && (length === 3 || length === 4) && isName(first) && isId(second, 0)) {
    return { type: "event", event: first, id: second, data: third };
  }
  if (kind === "a" && (length === 2 || length === 3) && isId(first, 1)) {
    return { type: "ack", id: first, value: second };
  }
  if (kind === "x" && length === 3 && isId(first, 0)) {
    const { code, message, event } = (second ?? 0) as Record<string, unknown>;
    if (
      typeof code === "string" && typeof message === "string" &&
      (event === undefined || isName(event)) && !Array.isArray(second)
    ) {
      return { type: "error", id: first, code, message, ...(event !== undefined && { event }) };
    }
  }
  // `kind` is the peer's: describe it without converting it (an object whose `toString` is not a
  // function would throw a TypeError here instead of MALFORMED_EVENT).
  const described = typeof kind === "string" ? JSON.stringify(kind.slice(0, 16)) : typeof kind;
  throw malformed(
    Array.isArray(parsed)
      ? `text frame (kind ${described}, ${length} elements)`
      : "text frame that is not a JSON array",
  );
}

function isName(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && nameLength(value) <= MAX_EVENT_NAME_BYTES;
}

function isId(value: unknown, min: number): value is number {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= MAX_ACK_ID;
}

function checkName(event: string): void {
  check(typeof event === "string" && event, "event", typeof event, TypeError);
  check(nameLength(event) <= MAX_EVENT_NAME_BYTES, "event", `${nameLength(event)} bytes`);
}

function checkId(id: number, min: number): void {
  check(isId(id, min), "id", id);
}

function json(value: unknown): string {
  const text = JSON.stringify(value);
  check(text !== undefined, "data", typeof value, TypeError);
  return text;
}
