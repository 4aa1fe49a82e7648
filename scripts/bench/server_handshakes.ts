/**
 * The handshake scenario of the server benchmark's load generator: each of `window` slots opens a
 * connection, sends the upgrade request, checks the 101 answer, sends one message, waits for its
 * echo, sends a close frame, waits for the server's, and starts the next connection. It has to
 * cost the generator less than the server it measures (one core each): the request and frames
 * are built once, reads land in one shared buffer (`onread`: no `Buffer` and no stream event per
 * read), the slots need no promise or closure per connection, and the answer is checked on its
 * bytes: the status line `HTTP/1.1 101 ` and the `Sec-WebSocket-Accept` value of the fixed key
 * (computed once), so a refused or wrong handshake is never counted.
 *
 * `bench_server.ts` runs this scenario on the C generator (`handshake_load.c`, the same work per
 * handshake, about 60 µs of CPU each against about 105 µs here) when the machine has a C compiler:
 * this one used 94% of its core on Node 24 and was the limit. It stays the fallback (no compiler,
 * or `--handshake-generator=node`) and what the smoke test runs in-process.
 *
 * @module
 */

import { connect as netConnect, type Socket } from "node:net";
import { computeAccept } from "../../codec/accept_key.ts";
import {
  CLOSE_FRAME,
  FrameCounter,
  maskedFrames,
  READ_BUFFER,
  REQUEST_KEY,
  upgradeRequest,
} from "./server_frames.ts";

const STATUS = new TextEncoder().encode("HTTP/1.1 101 ");
/** The accept value of the fixed key, as it appears in the answer (any header-name case). */
const ACCEPT = new TextEncoder().encode(`: ${computeAccept(REQUEST_KEY)}\r\n`);
const HEAD_END = new Uint8Array([13, 10, 13, 10]);
/** The most bytes of a 101 answer kept while it arrives in pieces. */
const MAX_HEAD = 8192;

/** Counts of one handshake run, shared by its slots. */
export interface HandshakeTally {
  /** Whether new handshakes are started (and completed ones counted). */
  running: boolean;
  /** Handshakes completed while running. */
  ops: number;
  /** Stop starting new handshakes at this count. */
  maxOps: number;
  /** Handshakes that failed (refused, wrong answer, connection lost), counted while running. */
  failed: number;
}

/** Byte-wise search of `needle` in `bytes[0, end)` (the heads are short). */
function indexOf(bytes: Uint8Array, end: number, needle: Uint8Array): number {
  const first = needle[0]!;
  outer: for (let i = 0; i + needle.length <= end; i++) {
    if (bytes[i] !== first) continue;
    for (let k = 1; k < needle.length; k++) if (bytes[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

const SLOT: unique symbol = Symbol("slot");
type SlotSocket = Socket & { [SLOT]?: HandshakeSlot };

/** Shared socket callbacks (no closure per connection): the slot hangs on the socket. */
function onEnd(this: SlotSocket): void {
  this[SLOT]?.ended(this);
}
function ignore(): void {}

/** One in-flight handshake at a time, started again until the run stops. */
export class HandshakeSlot {
  readonly #port: number;
  readonly #request: Uint8Array;
  readonly #frame: Uint8Array;
  readonly #tally: HandshakeTally;
  readonly #done: () => void;
  readonly #counter = new FrameCounter();
  /** The 101 answer so far, when it came in pieces. */
  #head: Uint8Array = new Uint8Array(0);
  #upgraded = false;
  #closeSent = false;
  #completed = false;
  /** The slot's connection of the moment. */
  #socket: SlotSocket | undefined;
  /**
   * The slot's read callback (one per slot, not per connection; Bun calls it without `this`).
   */
  readonly #onRead = (length: number, buffer: Uint8Array): boolean => {
    if (this.#socket !== undefined) this.read(this.#socket, buffer, length);
    return true;
  };

  /**
   * @param port The server's port (127.0.0.1).
   * @param size Bytes of the one message.
   * @param binary Binary message (`false`: ASCII text).
   * @param tally The run's counts.
   * @param done Called once the slot stopped (the run ended).
   */
  constructor(
    port: number,
    size: number,
    binary: boolean,
    tally: HandshakeTally,
    done: () => void,
  ) {
    this.#port = port;
    this.#request = upgradeRequest("127.0.0.1", port, "/echo");
    this.#frame = maskedFrames(size, binary, 1);
    this.#tally = tally;
    this.#done = done;
  }

  /** Opens the next connection, or reports the slot done when the run stopped. */
  start(): void {
    const tally = this.#tally;
    if (!tally.running || tally.ops >= tally.maxOps) return this.#done();
    this.#head = new Uint8Array(0);
    this.#upgraded = false;
    this.#closeSent = false;
    this.#completed = false;
    this.#counter.frames = 0;
    this.#counter.closes = 0;
    const socket: SlotSocket = netConnect({
      host: "127.0.0.1",
      port: this.#port,
      onread: { buffer: READ_BUFFER, callback: this.#onRead },
    });
    socket[SLOT] = this;
    this.#socket = socket;
    socket.on("error", ignore);
    socket.on("end", onEnd);
    socket.on("close", onEnd);
    socket.write(this.#request);
  }

  /** Bytes from the server. */
  read(socket: SlotSocket, buffer: Uint8Array, length: number): void {
    let bytes = buffer.subarray(0, length);
    if (!this.#upgraded) {
      const rest = this.#readHead(bytes);
      if (rest === undefined) return;
      if (rest === false) return this.#fail(socket);
      this.#upgraded = true;
      socket.write(this.#frame);
      bytes = rest;
    }
    const counter = this.#counter;
    counter.push(bytes);
    if (counter.frames > 0 && !this.#closeSent) {
      this.#closeSent = true;
      socket.write(CLOSE_FRAME);
    }
    if (counter.closes > 0 && !this.#completed) {
      if (counter.frames === 0) return this.#fail(socket);
      // Complete: the server ends the TCP connection next (its `end` is what `closed` waits for).
      this.#completed = true;
      if (this.#tally.running) this.#tally.ops++;
    }
  }

  /**
   * The server ended the connection: the next one starts if the handshake was complete, else it
   * failed. Closing after the server (as a browser does) keeps its TCP close the usual one.
   */
  ended(socket: SlotSocket): void {
    socket[SLOT] = undefined;
    this.#socket = undefined;
    socket.destroy();
    if (this.#completed) this.start();
    else this.#fail(socket);
  }

  /**
   * The bytes after a complete, accepted 101 answer; `undefined` while it is incomplete, `false`
   * if it refuses or does not carry the right accept value.
   */
  #readHead(bytes: Uint8Array): Uint8Array | false | undefined {
    let head = bytes;
    if (this.#head.length > 0) {
      head = new Uint8Array(this.#head.length + bytes.length);
      head.set(this.#head);
      head.set(bytes, this.#head.length);
    }
    const end = indexOf(head, head.length, HEAD_END);
    if (end === -1) {
      if (head.length > MAX_HEAD) return false;
      // The read buffer is reused: keep a copy.
      this.#head = head === bytes ? bytes.slice() : head;
      return undefined;
    }
    if (indexOf(head, STATUS.length, STATUS) !== 0) return false;
    if (indexOf(head, end + 2, ACCEPT) === -1) return false;
    return head.subarray(end + 4);
  }

  #fail(socket: SlotSocket): void {
    socket[SLOT] = undefined;
    this.#socket = undefined;
    socket.destroy();
    if (this.#tally.running) this.#tally.failed++;
    // A refused server answers fast: do not spin on it.
    setTimeout(() => this.start(), 1);
  }
}

/**
 * Runs `window` slots until `tally.running` is cleared (or `tally.maxOps` is reached); resolves
 * once every slot finished its last handshake.
 */
export function runHandshakes(
  port: number,
  window: number,
  size: number,
  binary: boolean,
  tally: HandshakeTally,
): Promise<void> {
  return new Promise((resolve) => {
    let left = window;
    const done = (): void => {
      if (--left === 0) resolve();
    };
    for (let i = 0; i < window; i++) new HandshakeSlot(port, size, binary, tally, done).start();
  });
}
