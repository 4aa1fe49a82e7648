// This module is browser compatible.
/**
 * The keys of the opening handshake (RFC 6455 sections 1.3 and 4.2.2): a client's random
 * `Sec-WebSocket-Key` and the server's `Sec-WebSocket-Accept`, SHA-1 of the key and a GUID.
 *
 * @module
 */

import { sha1 } from "./_sha1.ts";

/** The GUID of RFC 6455 section 1.3, appended to the key before hashing. */
export const ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/**
 * Makes a `Sec-WebSocket-Key`: 16 random bytes in base64.
 *
 * @param random Fills its argument with random bytes; defaults to `crypto.getRandomValues`.
 * Tests pass a fixed source to get a known key.
 * @returns A 24-character base64 string.
 *
 * @example
 * ```ts
 * import { generateKey } from "@wirely/wirely/codec";
 * console.log(generateKey().length); // 24
 * console.log(generateKey((bytes) => bytes.fill(0))); // AAAAAAAAAAAAAAAAAAAAAA==
 * ```
 */
export function generateKey(random?: (bytes: Uint8Array) => void): string {
  const bytes = new Uint8Array(16);
  if (random) random(bytes);
  else crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

/** Length of a valid `Sec-WebSocket-Key` (base64 of 16 bytes), in characters. */
const KEY_LENGTH = 24;
/** The SHA-1 input of a valid key: the key, then the GUID (reused by every handshake). */
const acceptInput = new Uint8Array(KEY_LENGTH + ACCEPT_GUID.length);
acceptInput.set(new TextEncoder().encode(ACCEPT_GUID), KEY_LENGTH);

/**
 * Computes the `Sec-WebSocket-Accept` value for a key: base64(SHA-1(key + GUID)), hashed
 * synchronously in TypeScript (much cheaper than WebCrypto for these 60 bytes). A valid key
 * (24 ASCII characters) is hashed from a reused buffer, without intermediate strings: every
 * server binding answers its handshakes with it.
 *
 * @param key The `Sec-WebSocket-Key` sent by the client.
 * @returns The value the server must answer with.
 *
 * @example The sample of RFC 6455 section 1.3
 * ```ts
 * import { computeAccept } from "@wirely/wirely/codec";
 * console.log(computeAccept("dGhlIHNhbXBsZSBub25jZQ==")); // s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
 * ```
 */
export function computeAccept(key: string): string {
  const d = acceptDigest(key);
  // 20 bytes as a binary string, in one call (no string per byte, no argument array).
  return btoa(String.fromCharCode(
    d[0]!,
    d[1]!,
    d[2]!,
    d[3]!,
    d[4]!,
    d[5]!,
    d[6]!,
    d[7]!,
    d[8]!,
    d[9]!,
    d[10]!,
    d[11]!,
    d[12]!,
    d[13]!,
    d[14]!,
    d[15]!,
    d[16]!,
    d[17]!,
    d[18]!,
    d[19]!,
  ));
}

/** SHA-1 of the key and the GUID; a valid (ASCII, 24-character) key is copied into a reused buffer. */
function acceptDigest(key: string): Uint8Array {
  if (key.length !== KEY_LENGTH) return sha1(new TextEncoder().encode(key + ACCEPT_GUID));
  for (let i = 0; i < KEY_LENGTH; i++) {
    const code = key.charCodeAt(i);
    if (code >= 0x80) return sha1(new TextEncoder().encode(key + ACCEPT_GUID));
    acceptInput[i] = code;
  }
  return sha1(acceptInput);
}
