/**
 * The bytes of the Redis backplane's messages: one version byte, one kind byte, a 4-byte
 * big-endian header length, a JSON header, then (for a broadcast) the payload as it is.
 *
 * ```
 * 0x01 | kind | header length (u32 BE) | header (UTF-8 JSON) | payload
 * kind 0 broadcast  {"s": source, "r": rooms, "x": exceptRooms, "b": 0|1, "p"?: protocol}
 * kind 1 count      {"s": asking server, "q": query id, "r"?: room}
 * kind 2 answer     {"s": answering server, "q": query id, "n": members}
 * ```
 *
 * @module
 */

import type { BroadcastEnvelope } from "../server/rooms.ts";

/** The format version this file writes and reads. */
const VERSION = 1;
const HEAD = 6;

/** A question from a server: how many members of `room` (or connections) do you have? */
export interface CountQuery {
  readonly kind: "count";
  /** The asking server. */
  readonly source: string;
  /** The query's id, unique on the asking server. */
  readonly query: number;
  /** The room, or `undefined` for every connection. */
  readonly room: string | undefined;
}

/** A server's answer to a {@linkcode CountQuery}. */
export interface CountAnswer {
  readonly kind: "answer";
  /** The answering server. */
  readonly source: string;
  /** The query it answers. */
  readonly query: number;
  /** Its local members. */
  readonly members: number;
}

/** Any message on the backplane's channels. */
export type BackplaneMessage =
  | ({ readonly kind: "broadcast" } & BroadcastEnvelope)
  | CountQuery
  | CountAnswer;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function frame(kind: number, header: unknown, payload?: Uint8Array): Uint8Array {
  const json = encoder.encode(JSON.stringify(header));
  const bytes = new Uint8Array(HEAD + json.length + (payload?.length ?? 0));
  bytes[0] = VERSION;
  bytes[1] = kind;
  new DataView(bytes.buffer).setUint32(2, json.length);
  bytes.set(json, HEAD);
  if (payload !== undefined) bytes.set(payload, HEAD + json.length);
  return bytes;
}

/** Encodes a broadcast envelope. */
export function encodeEnvelope(envelope: BroadcastEnvelope): Uint8Array {
  const header: Record<string, unknown> = {
    s: envelope.source,
    r: envelope.rooms,
    x: envelope.exceptRooms,
    b: envelope.binary ? 1 : 0,
  };
  if (envelope.protocol !== undefined) header.p = envelope.protocol;
  return frame(0, header, envelope.payload);
}

/** Encodes a count query. */
export function encodeQuery(source: string, query: number, room: string | undefined): Uint8Array {
  return frame(1, room === undefined ? { s: source, q: query } : { s: source, q: query, r: room });
}

/** Encodes an answer to a count query. */
export function encodeAnswer(source: string, query: number, members: number): Uint8Array {
  return frame(2, { s: source, q: query, n: members });
}

const isString = (value: unknown): value is string => typeof value === "string";
const isStrings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every(isString);
const isCount = (value: unknown): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0;

/**
 * Decodes a message; `undefined` when it is not one this version wrote (another publisher on
 * the channel, a newer format). The payload is a view into `bytes`, not a copy.
 */
export function decodeMessage(bytes: Uint8Array): BackplaneMessage | undefined {
  if (bytes.length < HEAD || bytes[0] !== VERSION) return undefined;
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(2);
  if (HEAD + length > bytes.length) return undefined;
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(decoder.decode(bytes.subarray(HEAD, HEAD + length)));
  } catch {
    return undefined;
  }
  if (typeof header !== "object" || header === null || !isString(header.s)) return undefined;
  const source = header.s;
  const rest = bytes.subarray(HEAD + length);
  switch (bytes[1]) {
    case 0: {
      const { r: rooms, x: exceptRooms, b: binary, p: protocol } = header;
      if (!isStrings(rooms) || !isStrings(exceptRooms) || (binary !== 0 && binary !== 1)) break;
      if (protocol !== undefined && !isString(protocol)) break;
      if (binary === 0 && !validUtf8(rest)) break;
      return {
        kind: "broadcast",
        source,
        rooms,
        exceptRooms,
        binary: binary === 1,
        payload: rest,
        ...(protocol === undefined ? {} : { protocol }),
      };
    }
    case 1:
      if (!isCount(header.q) || (header.r !== undefined && !isString(header.r))) break;
      return { kind: "count", source, query: header.q, room: header.r };
    case 2:
      if (!isCount(header.q) || !isCount(header.n)) break;
      return { kind: "answer", source, query: header.q, members: header.n };
  }
  return undefined;
}

function validUtf8(bytes: Uint8Array): boolean {
  try {
    decoder.decode(bytes);
    return true;
  } catch {
    return false;
  }
}
