// This module is browser compatible.
/**
 * The image room's messages, shared by `server.ts` and `page.ts`. An image travels as ONE binary
 * message (no base64): a 4-byte big-endian header length, the header as UTF-8 JSON, then the
 * image bytes. Everything else is JSON text. The page connects to `/ws?name=NAME&room=ROOM`.
 *
 * @module
 */
import { pack, unpack } from "../_shared/packing.ts";

/** Largest image, in bytes (5 MB). The page checks it first; the server enforces it. */
export const MAX_IMAGE_BYTES = 5_000_000;
/** Largest header, in bytes. */
export const MAX_HEADER_BYTES = 1_024;
/** The server's `limits.maxMessageSize`: a bigger message is refused with close code 1009. */
export const MAX_MESSAGE_BYTES: number = MAX_IMAGE_BYTES + 4 + MAX_HEADER_BYTES;
/** Image types the room accepts. */
export const IMAGE_TYPES: readonly string[] = [
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "image/avif",
];

/** What the sender says about its image; `ref` is the sender's own id for the ack. */
export interface ImageOffer {
  ref: string;
  name: string;
  type: string;
}

/** What the others get: the offer plus who sent it, its size and the server's time. */
export interface ImageHeader extends ImageOffer {
  from: string;
  size: number;
  at: number;
}

/** Server to page (JSON text). `refused` answers an image the server would not share. */
export type ServerMessage =
  | { type: "welcome"; room: string; maxBytes: number }
  | { type: "online"; names: string[] }
  | { type: "ack"; ref: string; delivered: number }
  | { type: "refused"; ref: string; reason: string };

/** Packs an image and its header into one binary message. */
export function packImage(header: ImageOffer | ImageHeader, bytes: Uint8Array): Uint8Array {
  return pack(header, bytes);
}

/** Splits a packed image; `undefined` when the framing or the JSON is broken. */
export function unpackImage(
  data: Uint8Array,
): { header: Record<string, unknown>; bytes: Uint8Array } | undefined {
  return unpack(data, MAX_HEADER_BYTES);
}

/** Why an offer is refused, or `undefined` when it is fine. */
export function checkOffer(header: Record<string, unknown>, size: number): string | undefined {
  if (typeof header.ref !== "string" || header.ref.length > 64) return "a ref is required";
  if (typeof header.name !== "string" || header.name.length > 200) return "a file name is required";
  if (typeof header.type !== "string" || !IMAGE_TYPES.includes(header.type)) {
    return `only ${IMAGE_TYPES.join(", ")} are shared`;
  }
  if (size === 0) return "the image is empty";
  if (size > MAX_IMAGE_BYTES) return `the image is over ${MAX_IMAGE_BYTES} bytes`;
  return undefined;
}
