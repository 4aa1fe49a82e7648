// This module is browser compatible.
/**
 * The voice room's messages, shared by `server.ts` and `page.ts`. While a member holds the talk
 * button, `MediaRecorder` produces WebM/Opus chunks every {@linkcode CHUNK_MS} ms; each goes as
 * one binary message packed by `_shared/packing.ts` (JSON header + the chunk's bytes) with the
 * burst id, its sequence number and `last` on the final (empty) one. The server adds `from`.
 * Talking state is JSON text. The page connects to `/ws?name=NAME&room=ROOM`.
 *
 * @module
 */
import { pack, unpack } from "../_shared/packing.ts";

/** What the page asks `MediaRecorder` for. */
export const RECORDER_MIME = "audio/webm;codecs=opus";
/** What the receiving page's `MediaSource` is fed. */
export const PLAYER_MIME = 'audio/webm; codecs="opus"';
/** Milliseconds of audio per chunk (`MediaRecorder.start(timeslice)`). */
export const CHUNK_MS = 250;
/** The server's `limits.maxMessageSize` in bytes: far above a 250 ms Opus chunk. */
export const MAX_CHUNK_BYTES = 262_144;
/** Largest header, in bytes. */
export const MAX_HEADER_BYTES = 512;

/** One chunk's header; `from` is added by the server. */
export interface ChunkHeader {
  burst: string;
  seq: number;
  last: boolean;
  from?: string;
}

/** Page to server (JSON text). */
export type ClientMessage = { type: "talk"; on: boolean };

/** Server to page (JSON text). */
export type ServerMessage =
  | { type: "online"; names: string[] }
  | { type: "talking"; name: string; on: boolean };

/** Packs one chunk. */
export function packChunk(header: ChunkHeader, bytes: Uint8Array): Uint8Array {
  return pack(header, bytes);
}

/** Unpacks and checks a chunk; `undefined` when malformed. */
export function unpackChunk(
  data: Uint8Array,
): { header: ChunkHeader; bytes: Uint8Array } | undefined {
  const unpacked = unpack(data, MAX_HEADER_BYTES);
  if (unpacked === undefined) return undefined;
  const { burst, seq, last, from } = unpacked.header;
  if (typeof burst !== "string" || burst.length > 64) return undefined;
  if (typeof seq !== "number" || !Number.isInteger(seq) || seq < 0) return undefined;
  if (typeof last !== "boolean") return undefined;
  if (from !== undefined && typeof from !== "string") return undefined;
  return { header: { burst, seq, last, from }, bytes: unpacked.bytes };
}
