// This module is browser compatible.
/**
 * Output buffers of the frame encoder: small ones are carved from a shared slab, and whole
 * frames are built in one buffer with the payload copied (and masked) a word at a time.
 *
 * @module
 */

import { maskInto } from "./mask.ts";

/** Outputs up to this size, in bytes, are carved from a shared slab instead of allocated alone. */
export const POOLED_MAX = 4096;
/** Size of one slab, in bytes. */
const SLAB_SIZE = 65_536;
let slab: ArrayBuffer | undefined;
/** The slab as 32-bit words: small payloads are copied (and masked) 4 bytes per store. */
let slabWords: Uint32Array = new Uint32Array(0);
/** Next free byte of the slab; always a multiple of 8. */
let slabOffset = SLAB_SIZE;

/** The word stores below write bytes in little-endian order; other platforms copy bytewise. */
const LITTLE_ENDIAN: boolean = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Where a pooled buffer of `size` bytes starts in the slab, such that its byte `skew` lies on a
 * 4-byte boundary; a new slab is started when needed. Allocating a typed array alone costs about
 * 1 microsecond (always in Deno, above 64 bytes in Node), more than encoding a small frame: small
 * outputs are views into a shared slab, like Node's `Buffer.allocUnsafe` pool.
 */
function reserve(size: number, skew: number): number {
  let start = slabOffset + ((-skew) & 3);
  // A slab whose buffer a caller transferred (detached) is replaced too.
  if (slab === undefined || start + size > SLAB_SIZE || slabWords.length === 0) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabWords = new Uint32Array(slab);
    start = (-skew) & 3;
  }
  slabOffset = (start + size + 7) & ~7;
  return start;
}

/** A zero-filled Uint8Array of `size` bytes (a slab view when small). */
export function allocate(size: number): Uint8Array {
  if (size > POOLED_MAX) return new Uint8Array(size);
  const start = reserve(size, 0);
  return new Uint8Array(slab!, start, size);
}

/** Payloads up to this size, in bytes, are copied by a loop: cheaper than `set`. */
const SMALL_COPY = 64;

/**
 * One frame in one buffer: the header (first byte `first`), then `payload`, masked with `key`
 * if given. Pooled frames put the payload on a 4-byte boundary of the slab so that it can be
 * written (and masked) a 32-bit word at a time.
 */
export function buildFrame(
  first: number,
  payload: Uint8Array,
  key: Uint8Array | undefined,
): Uint8Array {
  const length = payload.length;
  const at = headerSize(length, key !== undefined);
  const size = at + length;
  if (size > POOLED_MAX || !LITTLE_ENDIAN) {
    const out = allocate(size);
    writeHeader(out, first, length, key);
    if (key === undefined) out.set(payload, at);
    else maskInto(payload, out, at, key, 0);
    return out;
  }
  const start = reserve(size, at);
  const out = new Uint8Array(slab!, start, size);
  let keyWord = 0;
  if (key === undefined) {
    writeHeader(out, first, length, undefined);
  } else if (length < 126) {
    const k0 = key[0]!;
    const k1 = key[1]!;
    const k2 = key[2]!;
    const k3 = key[3]!;
    out[0] = first;
    out[1] = 0x80 | length;
    out[2] = k0;
    out[3] = k1;
    out[4] = k2;
    out[5] = k3;
    keyWord = k0 | (k1 << 8) | (k2 << 16) | (k3 << 24);
  } else {
    writeHeader(out, first, length, key);
    keyWord = key[0]! | (key[1]! << 8) | (key[2]! << 16) | (key[3]! << 24);
  }
  const words = slabWords;
  const first4 = (start + at) >>> 2;
  const count = length >>> 2;
  if (length > SMALL_COPY) {
    out.set(payload, at);
    if (keyWord !== 0) {
      for (let w = first4, end = first4 + count; w < end; w++) words[w] = words[w]! ^ keyWord;
    }
  } else {
    for (let w = 0, i = 0; w < count; w++, i += 4) {
      words[first4 + w] = (payload[i]! | (payload[i + 1]! << 8) | (payload[i + 2]! << 16) |
        (payload[i + 3]! << 24)) ^ keyWord;
    }
  }
  // The last 0-3 bytes: key bytes 0, 1, 2 (the payload's length so far is a multiple of 4).
  for (let i = count << 2; i < length; i++) {
    out[at + i] = payload[i]! ^ (key === undefined ? 0 : key[i & 3]!);
  }
  return out;
}

/** Size in bytes of the header of a frame with this payload length. */
export function headerSize(length: number, masked: boolean): number {
  return (length < 126 ? 2 : length < 0x10000 ? 4 : 10) + (masked ? 4 : 0);
}

/**
 * Writes the header at the start of `target` (which must be large enough) and returns its size.
 * `first` is the first header byte (FIN, RSV1-3, opcode).
 */
export function writeHeader(
  target: Uint8Array,
  first: number,
  length: number,
  mask: Uint8Array | undefined,
): number {
  target[0] = first;
  const maskBit = mask === undefined ? 0 : 0x80;
  let at: number;
  if (length < 126) {
    target[1] = maskBit | length;
    at = 2;
  } else if (length < 0x10000) {
    target[1] = maskBit | 126;
    target[2] = length >>> 8;
    target[3] = length & 0xff;
    at = 4;
  } else {
    target[1] = maskBit | 127;
    const high = length > 0xffffffff ? Math.floor(length / 0x100000000) : 0;
    const low = length >>> 0;
    target[2] = high >>> 24;
    target[3] = (high >>> 16) & 0xff;
    target[4] = (high >>> 8) & 0xff;
    target[5] = high & 0xff;
    target[6] = low >>> 24;
    target[7] = (low >>> 16) & 0xff;
    target[8] = (low >>> 8) & 0xff;
    target[9] = low & 0xff;
    at = 10;
  }
  if (mask !== undefined) {
    target[at] = mask[0]!;
    target[at + 1] = mask[1]!;
    target[at + 2] = mask[2]!;
    target[at + 3] = mask[3]!;
    at += 4;
  }
  return at;
}

/** Longest text, in characters, that {@linkcode buildAsciiFrame} takes: its frame stays pooled. */
export const ASCII_FRAME_MAX: number = POOLED_MAX - 8;

/** `true` if every character of `text` is ASCII (U+0000 to U+007F). */
export function isAscii(text: string): boolean {
  let any = 0;
  for (let i = 0; i < text.length; i++) any |= text.charCodeAt(i);
  return any < 0x80;
}

/**
 * One frame whose payload is `text`, which must be ASCII and at most
 * {@linkcode ASCII_FRAME_MAX} characters long: its characters are its UTF-8 bytes, so they are
 * written straight into the frame (a `TextEncoder.encode` call costs about a microsecond in Deno,
 * even for a few bytes). Masked with `key` if given.
 */
export function buildAsciiFrame(
  first: number,
  text: string,
  key: Uint8Array | undefined,
): Uint8Array {
  const length = text.length;
  const at = headerSize(length, key !== undefined);
  const size = at + length;
  if (!LITTLE_ENDIAN) {
    const out = allocate(size);
    writeHeader(out, first, length, key);
    for (let i = 0; i < length; i++) {
      out[at + i] = text.charCodeAt(i) ^ (key === undefined ? 0 : key[i & 3]!);
    }
    return out;
  }
  const start = reserve(size, at);
  const out = new Uint8Array(slab!, start, size);
  writeHeader(out, first, length, key);
  const keyWord = key === undefined
    ? 0
    : key[0]! | (key[1]! << 8) | (key[2]! << 16) | (key[3]! << 24);
  const words = slabWords;
  const first4 = (start + at) >>> 2;
  const count = length >>> 2;
  for (let w = 0, i = 0; w < count; w++, i += 4) {
    words[first4 + w] = (text.charCodeAt(i) | (text.charCodeAt(i + 1) << 8) |
      (text.charCodeAt(i + 2) << 16) | (text.charCodeAt(i + 3) << 24)) ^ keyWord;
  }
  for (let i = count << 2; i < length; i++) {
    out[at + i] = text.charCodeAt(i) ^ (key === undefined ? 0 : key[i & 3]!);
  }
  return out;
}
