// This module is browser compatible.
/**
 * The binary frames of `wirely.v1`: one frame per event or answer whose data is bytes, a small
 * header and then the raw bytes (no base64, no second frame). Layout in `docs/events.md`.
 *
 * @module
 */

import { EventError } from "./errors.ts";
import { readData } from "../client/native_transport.ts";

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

/** Bytes (`ArrayBuffer` or any view) as a `Uint8Array` over the same memory; else `undefined`. */
export function bytesOf(value: unknown): Uint8Array | undefined {
  return typeof value === "string" ? undefined : readData(value) as Uint8Array | undefined;
}

/**
 * The UTF-8 length of an event name where it matters for the 255-byte limit: names of at most
 * 85 UTF-16 units cannot pass it and give their UTF-16 length (not encoded); longer ones are
 * measured (a lone surrogate counts as the 3 bytes of U+FFFD, as `TextEncoder` does).
 */
export function nameLength(name: string): number {
  return name.length <= 85 ? name.length : encoder.encode(name).length;
}

/**
 * A binary frame: `kind`, the id in 4 bytes (big-endian), `head` (an event's name length and
 * name; nothing for an answer), then `data`.
 */
export function binaryFrame(
  kind: number,
  id: number,
  head: Uint8Array,
  data: Uint8Array,
): Uint8Array {
  const frame = new Uint8Array(5 + head.length + data.length);
  frame.set([kind, id >>> 24, id >>> 16 & 255, id >>> 8 & 255, id & 255]);
  frame.set(head, 5);
  frame.set(data, 5 + head.length);
  return frame;
}

/** An event's head in a binary frame: the name's UTF-8 length in one byte, then the name. */
export function nameHead(name: string): Uint8Array {
  const bytes = encoder.encode(name);
  return new Uint8Array([bytes.length, ...bytes]);
}

/**
 * Decodes a binary frame.
 *
 * @throws {EventError} `MALFORMED_EVENT` for anything that is not a valid binary packet.
 */
export function decodeBinary(frame: Uint8Array): BinaryPacket {
  const [kind, , , , , nameLength = 0] = frame;
  const id = readId(frame);
  const start = 6 + nameLength;
  if (kind === BINARY_EVENT && nameLength && frame.length >= start) {
    let event: string;
    try {
      event = decoder.decode(frame.subarray(6, start));
    } catch (cause) {
      throw malformed("binary event name that is not UTF-8", cause);
    }
    return { type: "event", event, id, data: view(frame, start) };
  }
  if (kind === BINARY_ACK && frame.length >= 5 && id) {
    return { type: "ack", id, value: view(frame, 5) };
  }
  throw malformed(`binary frame of kind ${kind} and ${frame.length} bytes`);
}

/** An `EventError` `MALFORMED_EVENT` naming what arrived. */
export function malformed(what: string, cause?: unknown): EventError {
  return new EventError("MALFORMED_EVENT", `Dropped a ${what}`, { cause });
}

/** A plain `Uint8Array` view of `frame` from `start` (never a subclass such as Node's Buffer). */
function view(frame: Uint8Array, start: number): Uint8Array {
  return new Uint8Array(frame.buffer, frame.byteOffset + start, frame.length - start);
}

function readId(frame: Uint8Array): number {
  return ((frame[1]! << 24) >>> 0) + (frame[2]! << 16) + (frame[3]! << 8) + frame[4]!;
}
