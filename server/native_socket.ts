/**
 * {@linkcode NativeSocket}: adapts a Deno native server-side `WebSocket` (from
 * `Deno.upgradeWebSocket`) to the {@linkcode Socket} the shared `ServerConnection` drives, as a
 * message transport: data messages go straight between Deno's socket and the connection (which
 * applies the same limits), only the closing handshake goes through the shared codec state
 * machine. Touches no `Deno.*` API: it only calls the socket object it is given.
 *
 * @module
 */

import { concatBytes } from "../codec/_bytes.ts";
import { encodeFrame } from "../codec/frame_encoder.ts";
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

const text = new TextDecoder();

/** `WebSocket.OPEN`. */
export const OPEN = 1;
const ZERO_MASK = new Uint8Array(4);
/** Buffered bytes above which `send` returns `false` (then `drain` fires below it). */
const HIGH_WATER_MARK = 16_384;
/** How often a full buffer is checked for `drain` (the native socket has no drain event). */
const DRAIN_POLL = 10;

/**
 * Whether a close event's code means that no close frame arrived: 1006, or 0, which Deno
 * reports for an unclean close (a dropped TCP connection). Such a close is not framed again:
 * the connection reports 1006, as on the codec engine.
 */
function abnormal(code: number): boolean {
  return code === 1006 || code === 0;
}

/**
 * Adapts Deno's native socket to the {@linkcode Socket} the shared connection drives. Messages
 * pass whole in both directions (`sendMessage`, `SocketHandlers.message`); the codec's close
 * frames (the only frames `write` gets) become `ws.close(code, reason)`, and the peer's close
 * event is framed again (masked with a zero key) for the codec, which runs the close handshake
 * exactly as on the codec engine.
 */
export class NativeSocket implements Socket {
  readonly canPing = false;
  readonly #ws: NativeWebSocket;
  /** Decodes what `write` gets (close frames, rarely data); created on first use. */
  #decoder: FrameDecoder | undefined;
  #fragments: Uint8Array[] = [];
  #fragmentOpcode = 0;
  #handlers: SocketHandlers | undefined;
  #drainTimer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  /**
   * @param ws The upgraded native socket.
   * @param _maxMessageSize Unused (the connection checks the limit); kept for callers.
   */
  constructor(ws: NativeWebSocket, _maxMessageSize?: number) {
    this.#ws = ws;
  }

  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  sendMessage(data: string | Uint8Array, bufferedAmount?: number): boolean {
    const ws = this.#ws;
    if (ws.readyState === OPEN) ws.send(data);
    // Reading bufferedAmount costs a call into Deno (a quarter of a small send): when the caller
    // has just read it, the buffer after this send is at most that plus the message.
    if (bufferedAmount !== undefined && bufferedAmount + data.length * 3 <= HIGH_WATER_MARK) {
      return true;
    }
    return this.#writable();
  }

  write(chunks: readonly Uint8Array[]): boolean {
    const decoder = this.#decoder ??= new FrameDecoder({
      role: "client",
      maxPayloadSize: Infinity,
    });
    for (const chunk of chunks) decoder.push(chunk, (frame) => this.#sendFrame(frame));
    return this.#writable();
  }

  #writable(): boolean {
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
    ws.onmessage = (event) => {
      if (this.#closed) return;
      const data = event.data;
      if (typeof data === "string") handlers.message?.(data);
      else if (data instanceof ArrayBuffer) handlers.message?.(new Uint8Array(data));
    };
    ws.onerror = () => {};
    ws.onclose = (event) => {
      if (this.#closed) return;
      if (event.code === 1005) {
        handlers.data(encodeFrame(0x8, new Uint8Array(0), { mask: ZERO_MASK }));
      } else if (!abnormal(event.code)) {
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
    ws.send(this.#fragmentOpcode === 0x1 ? text.decode(payload) : payload);
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#drainTimer);
    this.#drainTimer = undefined;
    this.#handlers?.close();
  }
}
