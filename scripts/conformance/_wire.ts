/**
 * Raw frame bytes for the conformance suite: a writer that can produce frames a correct encoder
 * refuses to (reserved opcodes and bits, oversized control frames, unmasked client frames,
 * non-minimal or out-of-range lengths), and a lenient reader for what the target sends back.
 *
 * The suite keeps its own wire code on purpose: it must not trust the codec it is testing.
 *
 * @module
 */

/** How the payload length is written: the shortest form, or forced to the 16/64-bit form. */
export type LengthForm = "minimal" | 16 | 64;

/** Options of {@linkcode rawFrame} and {@linkcode rawHeader}. */
export interface RawFrameOptions {
  /** FIN bit. @default true */
  fin?: boolean;
  /** The three reserved bits as one value 0-7 (4 = RSV1, 2 = RSV2, 1 = RSV3). @default 0 */
  rsv?: number;
  /** Mask the frame as a client must. `false` sends it unmasked (a protocol error). @default true */
  mask?: boolean;
  /** Encoding of the length field. @default "minimal" */
  lengthForm?: LengthForm;
}

/** One frame as the target sent it, payload unmasked. */
export interface WireFrame {
  /** FIN bit. */
  fin: boolean;
  /** Reserved bits as one value 0-7. */
  rsv: number;
  /** The 4-bit opcode. */
  opcode: number;
  /** Whether the target masked it (a server must not). */
  masked: boolean;
  /** The application data. */
  payload: Uint8Array;
}

/** Frame opcodes used by the cases. */
export const OP = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

const encoder = new TextEncoder();

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Bytes from a hex string such as `"ce ba e1"` (spaces ignored). */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Concatenation of byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Whether two byte arrays hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A close frame payload: a 2-byte code (if given) and reason bytes. */
export function closePayload(code?: number, reason: Uint8Array | string = ""): Uint8Array {
  if (code === undefined) return new Uint8Array(0);
  const reasonBytes = typeof reason === "string" ? utf8(reason) : reason;
  const out = new Uint8Array(2 + reasonBytes.length);
  out[0] = (code >> 8) & 0xff;
  out[1] = code & 0xff;
  out.set(reasonBytes, 2);
  return out;
}

/**
 * A frame header (with masking key when masked) announcing `length` payload bytes. `length` is a
 * bigint so a case can announce lengths a real payload could never have.
 */
export function rawHeader(
  opcode: number,
  length: bigint,
  options: RawFrameOptions = {},
  maskKey?: Uint8Array,
): Uint8Array {
  const { fin = true, rsv = 0, mask = true, lengthForm = "minimal" } = options;
  const form = lengthForm !== "minimal"
    ? lengthForm
    : length < 126n
    ? 7
    : length < 65536n
    ? 16
    : 64;
  const size = 2 + (form === 16 ? 2 : form === 64 ? 8 : 0) + (mask ? 4 : 0);
  const header = new Uint8Array(size);
  const view = new DataView(header.buffer);
  header[0] = (fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f);
  const maskBit = mask ? 0x80 : 0;
  let offset = 2;
  if (form === 7) {
    header[1] = maskBit | Number(length);
  } else if (form === 16) {
    header[1] = maskBit | 126;
    view.setUint16(2, Number(length));
    offset = 4;
  } else {
    header[1] = maskBit | 127;
    view.setBigUint64(2, length);
    offset = 10;
  }
  if (mask) header.set(maskKey ?? newMaskKey(), offset);
  return header;
}

/** A whole frame: header plus payload, masked with a fresh random key unless `mask: false`. */
export function rawFrame(
  opcode: number,
  payload: Uint8Array = new Uint8Array(0),
  options: RawFrameOptions = {},
): Uint8Array {
  const key = newMaskKey();
  const header = rawHeader(opcode, BigInt(payload.length), options, key);
  const out = new Uint8Array(header.length + payload.length);
  out.set(header, 0);
  out.set(payload, header.length);
  if (options.mask ?? true) maskInPlace(out.subarray(header.length), key);
  return out;
}

function newMaskKey(): Uint8Array {
  const key = new Uint8Array(4);
  crypto.getRandomValues(key);
  return key;
}

function maskInPlace(data: Uint8Array, key: Uint8Array): void {
  const k0 = key[0]!, k1 = key[1]!, k2 = key[2]!, k3 = key[3]!;
  const whole = data.length - (data.length % 4);
  let i = 0;
  for (; i < whole; i += 4) {
    data[i] = data[i]! ^ k0;
    data[i + 1] = data[i + 1]! ^ k1;
    data[i + 2] = data[i + 2]! ^ k2;
    data[i + 3] = data[i + 3]! ^ k3;
  }
  for (; i < data.length; i++) data[i] = data[i]! ^ key[i % 4]!;
}

/**
 * Incremental reader of the frames a target sends. Lenient on purpose (it reports masked
 * frames and reserved bits instead of refusing them) so the suite can say what was wrong.
 */
export class WireReader {
  #chunks: Uint8Array[] = [];
  #offset = 0; // read position inside #chunks[0]
  #buffered = 0;

  /** Bytes received and not yet returned as frames. */
  get bufferedAmount(): number {
    return this.#buffered;
  }

  /** Adds bytes received from the target. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  /**
   * The next complete frame, or `undefined` if more bytes are needed. Throws `Error` on a
   * length the suite cannot represent (64-bit length with the top bit set, or above 2^53).
   */
  next(): WireFrame | undefined {
    if (this.#buffered < 2) return undefined;
    const head = this.#peek(Math.min(this.#buffered, 14));
    const b0 = head[0]!, b1 = head[1]!;
    const masked = (b1 & 0x80) !== 0;
    let length = b1 & 0x7f;
    let headerSize = 2;
    if (length === 126) {
      if (head.length < 4) return undefined;
      length = (head[2]! << 8) | head[3]!;
      headerSize = 4;
    } else if (length === 127) {
      if (head.length < 10) return undefined;
      const big = new DataView(head.buffer, head.byteOffset + 2, 8).getBigUint64(0);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new Error(`the target announced a payload length of ${big} bytes`);
      }
      length = Number(big);
      headerSize = 10;
    }
    const keySize = masked ? 4 : 0;
    if (this.#buffered < headerSize + keySize + length) return undefined;
    const key = masked ? head.slice(headerSize, headerSize + 4) : undefined;
    this.#skip(headerSize + keySize);
    const payload = this.#take(length);
    if (key !== undefined) maskInPlace(payload, key);
    return {
      fin: (b0 & 0x80) !== 0,
      rsv: (b0 >> 4) & 7,
      opcode: b0 & 0x0f,
      masked,
      payload,
    };
  }

  #peek(n: number): Uint8Array {
    const first = this.#chunks[0]!;
    if (first.length - this.#offset >= n) return first.subarray(this.#offset, this.#offset + n);
    const out = new Uint8Array(n);
    let filled = 0;
    let offset = this.#offset;
    for (const chunk of this.#chunks) {
      const part = chunk.subarray(offset, offset + n - filled);
      out.set(part, filled);
      filled += part.length;
      offset = 0;
      if (filled === n) break;
    }
    return out;
  }

  #skip(n: number): void {
    this.#take(n);
  }

  #take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.#chunks[0]!;
      const part = chunk.subarray(this.#offset, this.#offset + n - filled);
      out.set(part, filled);
      filled += part.length;
      this.#offset += part.length;
      if (this.#offset === chunk.length) {
        this.#chunks.shift();
        this.#offset = 0;
      }
    }
    this.#buffered -= n;
    return out;
  }
}
