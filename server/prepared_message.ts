/**
 * A message encoded once as a server frame, to send to many connections without encoding it
 * again: server frames are unmasked, so the same bytes serve every recipient.
 *
 * @module
 */

import { Opcode } from "../codec/constants.ts";
import { encodeFrame } from "../codec/frame_encoder.ts";
import type { PerMessageDeflate } from "../codec/permessage_deflate.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * What can be sent: text, or binary as a `Uint8Array` or an `ArrayBuffer`.
 *
 * @example
 * ```ts
 * import { type OutgoingData, PreparedMessage } from "@wirely/wirely/server";
 * const payloads: OutgoingData[] = ["hi", new Uint8Array([1, 2]), new ArrayBuffer(1)];
 * console.log(payloads.map((data) => new PreparedMessage(data).bytes.length)); // [ 4, 4, 3 ]
 * ```
 */
export type OutgoingData = string | Uint8Array | ArrayBuffer;

/**
 * A text or binary message encoded once into one unmasked frame. Pass it to
 * {@linkcode ServerConnection.sendPrepared} for each recipient; `broadcast` does this for you.
 *
 * @example Encode once, send to a chosen set of connections
 * ```ts
 * import { PreparedMessage } from "@wirely/wirely/server";
 * const prepared = new PreparedMessage("tick");
 * console.log(prepared.bytes); // Uint8Array(6) [ 129, 4, 116, 105, 99, 107 ]
 * // for (const conn of server.clients) if (conn.data.wantsTicks) conn.sendPrepared(prepared);
 * ```
 */
export class PreparedMessage {
  /** The encoded frame (header and payload). Never modify it: it is shared by every send. */
  readonly bytes: Uint8Array;
  /** Whether the message is binary (`false`: text). */
  readonly binary: boolean;
  /** The payload: a view of the end of `bytes`. Never modify it. */
  readonly payload: Uint8Array;
  #text: string | undefined;
  /** Compressed frames by permessage-deflate settings (see `bytesFor`), made on first use. */
  #compressed: Map<string, Uint8Array> | undefined;

  /**
   * Encodes `data` once into a frame, or takes a frame encoded already.
   *
   * @param data Text (sent as a text message) or bytes (sent as a binary message); with
   * `framed`, the bytes of one frame.
   * @param options `binary` overrides the kind: `false` sends bytes as a text message (they must
   * be valid UTF-8; they are not checked), `true` sends a string's UTF-8 bytes as binary.
   * `framed: true`: `data` is already one such frame (the `bytes` of a `PreparedMessage` made on
   * another server, carried by a pub/sub adapter), used as it is — nothing is encoded or copied;
   * its opcode says text or binary (`binary` is ignored; text is not checked for UTF-8).
   * @throws {TypeError} If `data` is not a string, a `Uint8Array` or an `ArrayBuffer`; with
   * `framed`, if it is not exactly one final, unmasked, uncompressed text or binary frame.
   *
   * @example A frame encoded elsewhere, sent as it is
   * ```ts
   * import { PreparedMessage } from "@wirely/wirely/server";
   * const there = new PreparedMessage("tick"); // its bytes travel to another server
   * const here = new PreparedMessage(there.bytes, { framed: true });
   * console.log(here.bytes === there.bytes, here.binary, here.text); // true false tick
   * ```
   */
  constructor(data: OutgoingData, options: { binary?: boolean; framed?: boolean } = {}) {
    if (options.framed === true) {
      const start = data instanceof Uint8Array ? framedPayloadStart(data) : -1;
      if (start < 0) {
        throw new TypeError(
          "Cannot prepare a message as 'data' must be one final, unmasked, uncompressed text or binary frame",
        );
      }
      const frame = data as Uint8Array;
      this.bytes = frame;
      this.binary = (frame[0]! & 0x0f) === Opcode.BINARY;
      this.payload = frame.subarray(start);
      return;
    }
    const { binary, payload } = toPayload(data);
    this.binary = options.binary ?? binary;
    this.bytes = encodeFrame(this.binary ? Opcode.BINARY : Opcode.TEXT, payload);
    this.payload = this.bytes.subarray(this.bytes.length - payload.length);
    if (typeof data === "string") this.#text = data;
  }

  /**
   * The frame to write on a connection with `deflate` (permessage-deflate), or without
   * (`undefined`: `bytes`). Every message is compressed on its own, so connections whose
   * settings are the same (`deflate.encodingKey`) get the same bytes: the message is compressed
   * once per settings, not once per receiver.
   *
   * @param deflate The receiving connection's permessage-deflate, if any.
   * @returns The encoded frame (compressed with RSV1 set when the settings call for it).
   */
  bytesFor(deflate: PerMessageDeflate | undefined): Uint8Array {
    if (deflate === undefined) return this.bytes;
    const key = deflate.encodingKey(this.payload.length);
    if (key === undefined) return this.bytes;
    const cache = this.#compressed ??= new Map();
    let bytes = cache.get(key);
    if (bytes === undefined) {
      const opcode = this.binary ? Opcode.BINARY : Opcode.TEXT;
      const frame = deflate.encode({
        fin: true,
        rsv1: false,
        rsv2: false,
        rsv3: false,
        opcode,
        payload: this.payload,
      });
      bytes = frame.rsv1 ? encodeFrame(opcode, frame.payload, { rsv1: true }) : this.bytes;
      cache.set(key, bytes);
    }
    return bytes;
  }

  /** The payload as a string (decoded once, on first use), for transports that send text as strings. */
  get text(): string {
    return this.#text ??= decoder.decode(this.payload);
  }
}

/**
 * Where the payload of `frame` starts when it is exactly one final, unmasked, uncompressed text
 * or binary frame (what {@linkcode PreparedMessage} encodes); -1 otherwise.
 */
export function framedPayloadStart(frame: Uint8Array): number {
  if (frame.length < 2) return -1;
  const first = frame[0]!;
  const opcode = first & 0x0f;
  if ((first & 0xf0) !== 0x80 || (opcode !== Opcode.TEXT && opcode !== Opcode.BINARY)) return -1;
  const second = frame[1]!;
  if (second & 0x80) return -1; // masked
  let length = second & 0x7f;
  let start = 2;
  if (length === 126) {
    if (frame.length < 4) return -1;
    length = (frame[2]! << 8) | frame[3]!;
    start = 4;
  } else if (length === 127) {
    if (frame.length < 10) return -1;
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    length = view.getUint32(2) * 2 ** 32 + view.getUint32(6);
    start = 10;
  }
  return frame.length - start === length ? start : -1;
}

/**
 * Splits outgoing data into its kind and payload bytes (text is UTF-8 encoded).
 *
 * @throws {TypeError} If `data` is not a string, a `Uint8Array` or an `ArrayBuffer`.
 */
export function toPayload(data: OutgoingData): { binary: boolean; payload: Uint8Array } {
  if (typeof data === "string") return { binary: false, payload: encoder.encode(data) };
  if (data instanceof Uint8Array) return { binary: true, payload: data };
  if (data instanceof ArrayBuffer) return { binary: true, payload: new Uint8Array(data) };
  throw new TypeError(
    `Cannot send as 'data' must be a string, a Uint8Array or an ArrayBuffer: current value is ${
      describe(data)
    }`,
  );
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return typeof value;
}
