// This module is browser compatible.
/**
 * The binary frames of `wirely.v1`: one frame per event or answer whose data is bytes, a small
 * header and then the raw bytes (no base64, no second frame). Layout in `docs/events.md`.
 *
 * @module
 */

import { EventError } from "./errors.ts";

/** First byte of a binary event frame (ASCII `e`). */
export const BINARY_EVENT = 0x65;
/** First byte of a binary answer frame (ASCII `a`). */
export const BINARY_ACK = 0x61;
/** Largest answer id (unsigned 32 bits). */
export const MAX_ACK_ID = 0xffff_ffff;
/** Longest event name, UTF-8 bytes (its length is one byte of the binary header). */
export const MAX_EVENT_NAME_BYTES = 255;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** A decoded binary frame (the data is a view into the frame, not a copy). */
export type BinaryPacket =
  | { type: "event"; event: string; id: number; data: Uint8Array }
  | { type: "ack"; id: number; value: Uint8Array };

/** Whether `value` travels as bytes: a `Uint8Array`, any other view, or an `ArrayBuffer`. */
export function isBinary(value: unknown): value is ArrayBufferView | ArrayBuffer {
  return value instanceof Uint8Array || value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

/** The bytes of a binary value, as a `Uint8Array` view (no copy). */
export function toBytes(value: ArrayBufferView | ArrayBuffer): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

/** UTF-8 length of `text` as `TextEncoder` writes it (a lone surrogate becomes 3 bytes). */
export function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) length += 1;
    else if (unit < 0x800) length += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        length += 4;
        i++;
      } else length += 3;
    } else length += 3;
  }
  return length;
}

/** `[event, name length, name bytes, id]` header + payload in one new array. */
export function encodeBinaryEvent(name: Uint8Array, id: number, data: Uint8Array): Uint8Array {
  const frame = new Uint8Array(6 + name.length + data.length);
  frame[0] = BINARY_EVENT;
  writeId(frame, id);
  frame[5] = name.length;
  frame.set(name, 6);
  frame.set(data, 6 + name.length);
  return frame;
}

/** `[ack, id]` header + payload in one new array. */
export function encodeBinaryAck(id: number, value: Uint8Array): Uint8Array {
  const frame = new Uint8Array(5 + value.length);
  frame[0] = BINARY_ACK;
  writeId(frame, id);
  frame.set(value, 5);
  return frame;
}

/** UTF-8 bytes of an event name (checked by the caller). */
export function encodeName(name: string): Uint8Array {
  return encoder.encode(name);
}

/**
 * Decodes a binary frame.
 *
 * @throws {EventError} `MALFORMED_EVENT` for anything that is not a valid binary packet.
 */
export function decodeBinary(frame: Uint8Array): BinaryPacket {
  const kind = frame[0];
  if (kind === BINARY_EVENT) {
    if (frame.length < 6) throw malformed(`a binary event frame of ${frame.length} bytes`);
    const id = readId(frame);
    const nameLength = frame[5]!;
    if (nameLength === 0) throw malformed("a binary event with an empty name");
    if (frame.length < 6 + nameLength) {
      throw malformed(`a binary event name of ${nameLength} bytes in ${frame.length - 6}`);
    }
    let event: string;
    try {
      event = decoder.decode(frame.subarray(6, 6 + nameLength));
    } catch (cause) {
      throw malformed("a binary event name that is not UTF-8", cause);
    }
    return { type: "event", event, id, data: view(frame, 6 + nameLength) };
  }
  if (kind === BINARY_ACK) {
    if (frame.length < 5) throw malformed(`a binary answer frame of ${frame.length} bytes`);
    const id = readId(frame);
    if (id === 0) throw malformed("a binary answer with id 0");
    return { type: "ack", id, value: view(frame, 5) };
  }
  const what = kind === undefined ? "an empty binary frame" : `a binary frame of kind ${kind}`;
  throw malformed(what);
}

/** An `EventError` `MALFORMED_EVENT` naming what arrived. */
export function malformed(what: string, cause?: unknown): EventError {
  return new EventError("MALFORMED_EVENT", `Dropped ${what}`, { cause });
}

/** A plain `Uint8Array` view of `frame` from `start` (never a subclass such as Node's Buffer). */
function view(frame: Uint8Array, start: number): Uint8Array {
  return new Uint8Array(frame.buffer, frame.byteOffset + start, frame.length - start);
}

function writeId(frame: Uint8Array, id: number): void {
  frame[1] = id >>> 24;
  frame[2] = (id >>> 16) & 0xff;
  frame[3] = (id >>> 8) & 0xff;
  frame[4] = id & 0xff;
}

function readId(frame: Uint8Array): number {
  return ((frame[1]! << 24) >>> 0) + (frame[2]! << 16) + (frame[3]! << 8) + frame[4]!;
}
