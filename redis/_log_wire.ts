/**
 * How {@linkcode RedisStore} writes history entries: in the stream, fields `h` (JSON header),
 * `p` (the frame: UTF-8 text, or base64 for a binary frame), `t` (Redis time, ms); on the log
 * channel, `<offset>|<epoch>|<header>\n<p>`, published by the same script that appends.
 *
 * @module
 */

import type { LogEntry, LogRecord } from "../events/store.ts";

/** The JSON header of an entry. */
interface Header {
  r: readonly string[];
  x: readonly string[];
  s: readonly string[];
  t?: string;
  b?: 1;
  g?: 1;
}

const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/** The `h` and `p` fields of a record. */
export function encodeRecord(record: LogRecord): { header: string; payload: string } {
  const header: Header = { r: record.rooms, x: record.exceptRooms, s: record.exceptSessions };
  if (record.session !== undefined) header.t = record.session;
  if (record.binary) header.b = 1;
  if (record.gap === true) header.g = 1;
  const payload = record.binary ? toBase64(record.payload) : decoder.decode(record.payload);
  return { header: JSON.stringify(header), payload };
}

/** An entry from its fields; `undefined` when they are not ours. */
export function decodeEntry(
  epoch: string,
  offset: number,
  header: string,
  payload: string,
): LogEntry | undefined {
  let parsed: Header;
  try {
    parsed = JSON.parse(header);
  } catch {
    return undefined;
  }
  if (
    typeof parsed !== "object" || parsed === null || !isList(parsed.r) || !isList(parsed.x) ||
    !isList(parsed.s) || (parsed.t !== undefined && typeof parsed.t !== "string")
  ) return undefined;
  const binary = parsed.b === 1;
  let bytes: Uint8Array;
  try {
    bytes = binary ? fromBase64(payload) : encoder.encode(payload);
  } catch {
    return undefined;
  }
  return {
    epoch,
    offset,
    rooms: parsed.r,
    exceptRooms: parsed.x,
    exceptSessions: parsed.s,
    ...(parsed.t === undefined ? {} : { session: parsed.t }),
    ...(parsed.g === 1 ? { gap: true } : {}),
    binary,
    payload: bytes,
  };
}

/** A message of the log channel; `undefined` when it is not one. */
export function decodeLogMessage(message: Uint8Array | string): LogEntry | undefined {
  let text: string;
  try {
    text = typeof message === "string" ? message : decoder.decode(message);
  } catch {
    return undefined;
  }
  const bar1 = text.indexOf("|");
  const bar2 = text.indexOf("|", bar1 + 1);
  const line = text.indexOf("\n", bar2 + 1);
  if (bar1 < 1 || bar2 < 0 || line < 0) return undefined;
  const offset = Number(text.slice(0, bar1));
  if (!Number.isInteger(offset) || offset < 1) return undefined;
  return decodeEntry(
    text.slice(bar1 + 1, bar2),
    offset,
    text.slice(bar2 + 1, line),
    text.slice(line + 1),
  );
}

function isList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
