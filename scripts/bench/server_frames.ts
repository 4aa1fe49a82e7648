/**
 * Bytes for the server benchmark's load generator: pre-built masked client frames (made once with
 * wirely's codec, sent many times), the upgrade request, and a counter of the server's frames that
 * only reads headers (the generator must cost far less than the server it measures).
 *
 * @module
 */

import { encodeFrame } from "../../codec/frame_encoder.ts";
import { Opcode } from "../../codec/constants.ts";

const MASK = new Uint8Array([0x5a, 0x1c, 0xe3, 0x07]);

/** `count` masked client frames of one message of `size` bytes (text: ASCII), back to back. */
export function maskedFrames(size: number, binary: boolean, count: number): Uint8Array {
  const payload = new Uint8Array(size);
  for (let i = 0; i < size; i++) payload[i] = binary ? (i * 31) & 0xff : 97 + (i % 26);
  const one = encodeFrame(binary ? Opcode.BINARY : Opcode.TEXT, payload, { mask: MASK });
  const out = new Uint8Array(one.length * count);
  for (let i = 0; i < count; i++) out.set(one, i * one.length);
  return out;
}

/** A masked close frame with code 1000. */
export const CLOSE_FRAME: Uint8Array = encodeFrame(Opcode.CLOSE, new Uint8Array([0x03, 0xe8]), {
  mask: MASK,
});

/**
 * Where every generator socket reads (`net.connect`'s `onread`): no `Buffer` and no stream event
 * per read. One for the whole process (echo, broadcast and handshake sockets alike): Node handles
 * one read before the next one lands, and each read is consumed before its callback returns.
 */
export const READ_BUFFER: Uint8Array = new Uint8Array(65_536);

/** The `Sec-WebSocket-Key` of every generator request (RFC 6455's example key). */
export const REQUEST_KEY = "dGhlIHNhbXBsZSBub25jZQ==";

/** The HTTP upgrade request for `path` on `host:port` (the fixed, valid {@linkcode REQUEST_KEY}). */
export function upgradeRequest(host: string, port: number, path: string): Uint8Array {
  return new TextEncoder().encode(
    `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${REQUEST_KEY}\r\n` +
      "Sec-WebSocket-Version: 13\r\n\r\n",
  );
}

/**
 * Counts the unmasked frames a server sends, across chunk boundaries, reading only headers.
 * `frames` counts complete data frames, `closes` close frames, `bytes` their payload bytes,
 * `compressed` the data frames with RSV1 set (permessage-deflate).
 */
export class FrameCounter {
  frames = 0;
  closes = 0;
  bytes = 0;
  compressed = 0;
  #rsv1 = false;
  /** Payload bytes of the current frame still to skip. */
  #skip = 0;
  /** Header bytes of the current frame read so far (at most 10: server frames are unmasked). */
  readonly #head = new Uint8Array(10);
  #headLength = 0;
  #opcode = 0;
  /** Payload length of the current frame. */
  #length = 0;

  /** Counts the frames in `chunk`; returns how many data frames it completed. */
  push(chunk: Uint8Array, end: number = chunk.length): number {
    const before = this.frames;
    let i = 0;
    while (i < end) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, end - i);
        i += n;
        this.#skip -= n;
        if (this.#skip === 0) this.#done();
        continue;
      }
      // Fast path: a whole short header in this chunk.
      const head = this.#head;
      if (this.#headLength === 0 && end - i >= 2 && (chunk[i + 1]! & 0x7f) < 126) {
        this.#opcode = chunk[i]! & 0x0f;
        this.#rsv1 = (chunk[i]! & 0x40) !== 0;
        const length = chunk[i + 1]! & 0x7f;
        i += 2;
        this.#start(length);
        continue;
      }
      head[this.#headLength++] = chunk[i++]!;
      if (this.#headLength < 2) continue;
      const len7 = head[1]! & 0x7f;
      const need = len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
      if (this.#headLength < need) continue;
      let length = len7;
      if (len7 === 126) length = head[2]! * 256 + head[3]!;
      if (len7 === 127) {
        length = 0;
        for (let k = 2; k < 10; k++) length = length * 256 + head[k]!;
      }
      this.#opcode = head[0]! & 0x0f;
      this.#rsv1 = (head[0]! & 0x40) !== 0;
      this.#headLength = 0;
      this.#start(length);
    }
    return this.frames - before;
  }

  #start(length: number): void {
    this.#length = length;
    this.#skip = length;
    if (length === 0) this.#done();
  }

  #done(): void {
    if (this.#opcode === Opcode.CLOSE) this.closes++;
    else if (this.#opcode < 8) {
      this.frames++;
      this.bytes += this.#length;
      if (this.#rsv1) this.compressed++;
    }
  }
}
