/**
 * The bytes of the Redis backplane's messages: one version byte, one kind byte, a 4-byte
 * big-endian header length, a JSON header, then (for a broadcast) the message as the publishing
 * server framed it (one final, unmasked, uncompressed WebSocket frame, which every receiving
 * server writes as it is), or (for a run of broadcasts) each such frame after its 4-byte
 * big-endian length.
 *
 * ```
 * 0x02 | kind | header length (u32 BE) | header (UTF-8 JSON) | body
 * kind 0 broadcast   {"s": source, "r": rooms, "x": exceptRooms, "b": 0|1, "p"?: protocol}, frame
 * kind 1 count       {"s": asking server, "q": query id, "r"?: room}
 * kind 2 answer      {"s": answering server, "q": query id, "n": members}
 * kind 3 broadcasts  the header of kind 0, then 2+ × (frame length (u32 BE) | frame):
 *                    consecutive broadcasts with the same source, rooms, exceptRooms, kind and
 *                    protocol, in the order they were made (one PUBLISH, one header to parse)
 * ```
 *
 * @module
 */

import { framedPayloadStart, PreparedMessage } from "../server/prepared_message.ts";
import type { BroadcastEnvelope } from "../server/pubsub.ts";

/** The format version this file writes and reads (1: payloads instead of frames). */
const VERSION = 2;
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

/** Consecutive broadcasts that share everything but their payloads (kind 3). */
export interface BroadcastRun {
  readonly kind: "broadcasts";
  /** Every field of the broadcasts but `payload` (the first one's payload, unused). */
  readonly envelope: BroadcastEnvelope;
  /** The payloads, in order; views into the message's bytes. */
  readonly payloads: readonly Uint8Array[];
  /** Their frames, in order (each payload is the tail of its frame); views too. */
  readonly frames: readonly Uint8Array[];
}

/** Any message on the backplane's channels. */
export type BackplaneMessage =
  | ({ readonly kind: "broadcast" } & BroadcastEnvelope)
  | BroadcastRun
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

function envelopeHeader(envelope: BroadcastEnvelope): Record<string, unknown> {
  const header: Record<string, unknown> = {
    s: envelope.source,
    r: envelope.rooms,
    x: envelope.exceptRooms,
    b: envelope.binary ? 1 : 0,
  };
  if (envelope.protocol !== undefined) header.p = envelope.protocol;
  return header;
}

/** The envelope's message as one frame: the publishing server's, or encoded here. */
function frameOf(envelope: BroadcastEnvelope): Uint8Array {
  return envelope.frame ?? new PreparedMessage(envelope.payload, { binary: envelope.binary }).bytes;
}

/** Encodes a broadcast envelope. */
export function encodeEnvelope(envelope: BroadcastEnvelope): Uint8Array {
  return frame(0, envelopeHeader(envelope), frameOf(envelope));
}

/** Whether two envelopes go to the same connections (they may travel as one kind 3 message). */
export function sameRouting(a: BroadcastEnvelope, b: BroadcastEnvelope): boolean {
  return a.source === b.source && a.binary === b.binary && a.protocol === b.protocol &&
    sameList(a.rooms, b.rooms) && sameList(a.exceptRooms, b.exceptRooms);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Encodes envelopes that share their routing ({@linkcode sameRouting}): one of them as kind 0,
 * several as kind 3.
 */
export function encodeEnvelopes(envelopes: readonly BroadcastEnvelope[]): Uint8Array {
  if (envelopes.length === 1) return encodeEnvelope(envelopes[0]!);
  const frames = envelopes.map(frameOf);
  let size = 0;
  for (const item of frames) size += 4 + item.length;
  const body = new Uint8Array(size);
  const view = new DataView(body.buffer);
  let at = 0;
  for (const item of frames) {
    view.setUint32(at, item.length);
    body.set(item, at + 4);
    at += 4 + item.length;
  }
  return frame(3, envelopeHeader(envelopes[0]!), body);
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
    case 0:
    case 3: {
      const { r: rooms, x: exceptRooms, b: binary, p: protocol } = header;
      if (!isStrings(rooms) || !isStrings(exceptRooms) || (binary !== 0 && binary !== 1)) break;
      if (protocol !== undefined && !isString(protocol)) break;
      const frames = bytes[1] === 0 ? [rest] : split(rest);
      const payloads = frames?.map((item) => payloadOf(item, binary === 1));
      if (frames === undefined || payloads === undefined) break;
      if (!payloads.every((payload) => payload !== undefined)) break;
      const envelope: BroadcastEnvelope = {
        source,
        rooms,
        exceptRooms,
        binary: binary === 1,
        payload: payloads[0]!,
        frame: frames[0]!,
        ...(protocol === undefined ? {} : { protocol }),
      };
      return bytes[1] === 0
        ? { kind: "broadcast", ...envelope }
        : { kind: "broadcasts", envelope, payloads, frames };
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

/**
 * The payload of `frame` when it is one final, unmasked, uncompressed frame of the header's
 * kind (and, for text, valid UTF-8).
 */
function payloadOf(frame: Uint8Array, binary: boolean): Uint8Array | undefined {
  const start = framedPayloadStart(frame);
  if (start < 0 || ((frame[0]! & 0x0f) === 2) !== binary) return undefined;
  const payload = frame.subarray(start);
  return binary || validUtf8(payload) ? payload : undefined;
}

/** The length-prefixed frames of a kind 3 message: 2 or more, filling `body` exactly. */
function split(body: Uint8Array): Uint8Array[] | undefined {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const payloads: Uint8Array[] = [];
  let at = 0;
  while (at < body.length) {
    if (body.length - at < 4) return undefined;
    const end = at + 4 + view.getUint32(at);
    if (end > body.length) return undefined;
    payloads.push(body.subarray(at + 4, end));
    at = end;
  }
  return payloads.length >= 2 ? payloads : undefined;
}

function validUtf8(bytes: Uint8Array): boolean {
  try {
    decoder.decode(bytes);
    return true;
  } catch {
    return false;
  }
}
