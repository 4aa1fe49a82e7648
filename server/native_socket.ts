/**
 * {@linkcode NativeSocket}: adapts a Deno native server-side `WebSocket` (from
 * `Deno.upgradeWebSocket`) to the byte {@linkcode Socket} the shared `ServerConnection` drives,
 * so that both engines share one connection, one codec state machine and the same limits.
 * Touches no `Deno.*` API: it only calls the socket object it is given.
 *
 * @module
 */

import { concatBytes } from "../codec/_bytes.ts";
import { encodeFrame, encodeFrameHeader } from "../codec/frame_encoder.ts";
import { FrameDecoder } from "../codec/frame_decoder.ts";
import type { Frame } from "../codec/frame.ts";
import { parseClosePayload } from "../codec/close.ts";
import type { Socket, SocketHandlers } from "./types.ts";

/** The part of Deno's server-side `WebSocket` the adapter uses. */
export interface NativeWebSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  binaryType: "blob" | "arraybuffer";
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: (() => void) | null;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/** `WebSocket.OPEN`. */
export const OPEN = 1;
const ZERO_MASK = new Uint8Array(4);
/** Buffered bytes above which `send` returns `false` (then `drain` fires below it). */
const HIGH_WATER_MARK = 16_384;
/** How often a full buffer is checked for `drain` (the native socket has no drain event). */
const DRAIN_POLL = 10;

/**
 * Adapts Deno's native socket to the byte {@linkcode Socket} the shared connection drives: the
 * codec's outgoing frames are decoded and sent as messages; incoming messages are framed again
 * (masked with a zero key) for the codec, which enforces `maxMessageSize` (1009) and the close
 * handshake exactly as on the codec engine.
 */
export class NativeSocket implements Socket {
  readonly canPing = false;
  readonly #ws: NativeWebSocket;
  readonly #maxMessageSize: number;
  readonly #decoder = new FrameDecoder({ role: "client", maxPayloadSize: Infinity });
  readonly #text = new TextDecoder();
  #fragments: Uint8Array[] = [];
  #fragmentOpcode = 0;
  #handlers: SocketHandlers | undefined;
  #drainTimer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(ws: NativeWebSocket, maxMessageSize: number) {
    this.#ws = ws;
    this.#maxMessageSize = maxMessageSize;
  }

  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  write(chunks: readonly Uint8Array[]): boolean {
    for (const chunk of chunks) this.#decoder.push(chunk, (frame) => this.#sendFrame(frame));
    if (this.#ws.bufferedAmount <= HIGH_WATER_MARK) return true;
    this.#drainTimer ??= setInterval(() => {
      if (this.#ws.bufferedAmount > HIGH_WATER_MARK) return;
      clearInterval(this.#drainTimer);
      this.#drainTimer = undefined;
      this.#handlers?.drain();
    }, DRAIN_POLL);
    return false;
  }

  end(): void {
    if (this.#ws.readyState === OPEN) this.#ws.close();
  }

  destroy(): void {
    if (this.#ws.readyState === OPEN) this.#ws.close();
    this.#finish();
  }

  pause(): void {}

  resume(): void {}

  listen(handlers: SocketHandlers): void {
    this.#handlers = handlers;
    const ws = this.#ws;
    ws.onmessage = (event) => this.#receive(event.data);
    ws.onerror = () => {};
    ws.onclose = (event) => {
      if (this.#closed) return;
      if (event.code === 1005) {
        handlers.data(encodeFrame(0x8, new Uint8Array(0), { mask: ZERO_MASK }));
      } else if (event.code !== 1006) {
        const reason = new TextEncoder().encode(event.reason);
        const payload = new Uint8Array(2 + reason.length);
        payload[0] = event.code >> 8;
        payload[1] = event.code & 0xff;
        payload.set(reason, 2);
        // Deno accepts close frames over 125 bytes; pass them on as sent, so that the codec
        // refuses them (1002) instead of encodeFrame throwing out of this event handler.
        handlers.data(
          payload.length <= 125 ? encodeFrame(0x8, payload, { mask: ZERO_MASK }) : concatBytes([
            new Uint8Array([0x88, 0xfe, payload.length >> 8, payload.length & 0xff]),
            ZERO_MASK,
            payload,
          ]),
        );
      }
      this.#finish();
    };
  }

  #receive(data: unknown): void {
    const handlers = this.#handlers;
    if (handlers === undefined || this.#closed) return;
    const text = typeof data === "string";
    // UTF-8 takes at least one byte per UTF-16 unit: a too-long string needs no encoding.
    if (text && data.length > this.#maxMessageSize) {
      handlers.data(encodeFrameHeader(0x1, data.length, { mask: ZERO_MASK }));
      return;
    }
    const bytes = text
      ? new TextEncoder().encode(data)
      : data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : undefined;
    if (bytes === undefined) return;
    handlers.data(encodeFrameHeader(text ? 0x1 : 0x2, bytes.length, { mask: ZERO_MASK }));
    if (bytes.length <= this.#maxMessageSize && bytes.length > 0) handlers.data(bytes);
  }

  #sendFrame(frame: Frame): void {
    const ws = this.#ws;
    if (frame.opcode === 0x8) {
      if (ws.readyState !== OPEN) return;
      const { code, reason } = parseClosePayload(frame.payload);
      try {
        if (code === 1005) ws.close();
        else ws.close(code, reason);
      } catch {
        ws.close();
      }
      return;
    }
    if (frame.opcode === 0x9 || frame.opcode === 0xa) return; // no ping API; Deno answers pings
    if (frame.opcode !== 0x0) this.#fragmentOpcode = frame.opcode;
    let payload = frame.payload;
    if (!frame.fin || this.#fragments.length > 0) {
      this.#fragments.push(payload.slice());
      if (!frame.fin) return;
      payload = concatBytes(this.#fragments.splice(0));
    }
    if (ws.readyState !== OPEN) return;
    ws.send(this.#fragmentOpcode === 0x1 ? this.#text.decode(payload) : payload);
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#drainTimer);
    this.#drainTimer = undefined;
    this.#handlers?.close();
  }
}
