/**
 * Payloads and expected events shared by the cases.
 *
 * @module
 */

import type { PeerEvent } from "./_peer.ts";
import { utf8 } from "./_wire.ts";

const textCache = new Map<number, Uint8Array>();
const binaryCache = new Map<number, Uint8Array>();

/**
 * `length` bytes of printable ASCII (valid UTF-8), the same for the same length. Callers must
 * not modify the result (it is cached).
 */
export function textPayload(length: number): Uint8Array {
  let bytes = textCache.get(length);
  if (bytes === undefined) {
    bytes = new Uint8Array(length);
    let state = length | 1;
    for (let i = 0; i < length; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      bytes[i] = 0x20 + ((state >>> 16) % 95);
    }
    textCache.set(length, bytes);
  }
  return bytes;
}

/** `length` pseudo-random bytes, the same for the same length (cached: do not modify). */
export function binaryPayload(length: number): Uint8Array {
  let bytes = binaryCache.get(length);
  if (bytes === undefined) {
    bytes = new Uint8Array(length);
    let state = length ^ 0x5bd1e995;
    for (let i = 0; i < length; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      bytes[i] = state >>> 24;
    }
    binaryCache.set(length, bytes);
  }
  return bytes;
}

/** The echo of a text message. */
export function textEcho(data: Uint8Array | string): PeerEvent {
  return { type: "message", binary: false, data: typeof data === "string" ? utf8(data) : data };
}

/** The echo of a binary message. */
export function binaryEcho(data: Uint8Array): PeerEvent {
  return { type: "message", binary: true, data };
}

/** The pong answering a ping with `data`. */
export function pongOf(data: Uint8Array | string): PeerEvent {
  return { type: "pong", data: typeof data === "string" ? utf8(data) : data };
}

/** The record of a pause with the connection still open. */
export function mark(label: string): PeerEvent {
  return { type: "mark", label };
}

/** `n` in KiB/MiB for case descriptions. */
export function size(n: number): string {
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}
