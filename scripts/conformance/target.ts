/**
 * What the conformance suite talks to: a {@linkcode Target} is an echo endpoint (in-process or
 * over a socket) that hands out one {@linkcode TargetSession} per case. A session moves raw bytes;
 * {@linkcode FrameStream} turns what the target sends into frames.
 *
 * Two ways to wait, one interface: `read(maxWaitMs)` on an in-process target never waits (the
 * target has already answered everything it was sent, so "nothing pending" is final and returns
 * `idle` at once); on a socket it waits at most `maxWaitMs` of silence.
 *
 * @module
 */

import { type WireFrame, WireReader } from "./_wire.ts";

/** What the suite knows about the target's limits. `undefined` = unknown. */
export interface TargetLimits {
  /** Largest message the target accepts and echoes, in bytes. */
  maxMessageSize?: number;
  /** Most frames one message may have. */
  maxFramesPerMessage?: number;
}

/** One result of {@linkcode TargetSession.read}. */
export type TransportRead =
  | { type: "bytes"; bytes: Uint8Array }
  /** The target closed the transport (TCP FIN/RST, or the in-process target asked to close). */
  | { type: "eof" }
  /** Nothing arrived: in-process, nothing is pending; on a socket, `maxWaitMs` of silence. */
  | { type: "idle" }
  /** The target itself broke (threw an exception, or the transport failed unexpectedly). */
  | { type: "fault"; message: string };

/** What {@linkcode Target.connect} puts in the upgrade request. */
export interface ConnectOptions {
  /** A `Sec-WebSocket-Extensions` offer, such as `"permessage-deflate"`. @default none */
  extensions?: string;
}

/** One connection to the target, already past the opening handshake. */
export interface TargetSession {
  /**
   * The target's `Sec-WebSocket-Extensions` answer to an offer (`""`: none). `undefined` when
   * the target has no HTTP handshake (in-process), so it cannot take an offer.
   */
  readonly extensions?: string;
  /** Writes raw bytes to the target. Silently dropped once the transport is closed. */
  send(bytes: Uint8Array): Promise<void>;
  /** The next bytes from the target, EOF, or idle (see the module doc for how long it waits). */
  read(maxWaitMs: number): Promise<TransportRead>;
  /** Ends the connection from the suite's side and releases it (safe to call twice). */
  dispose(): Promise<void>;
}

/** An echo endpoint under test. */
export interface Target {
  /** A short name for reports ("connection (in-process)", "ws://127.0.0.1:9001/"). */
  readonly name: string;
  /** Known limits; cases over a known limit expect close code 1009 instead of an echo. */
  readonly limits: TargetLimits;
  /**
   * `true` when `idle` is final (in-process): the suite then needs no timers at all.
   * `false` for sockets, where `idle` only means "nothing within the wait".
   */
  readonly deterministic: boolean;
  /** Opens a fresh connection for one case, offering `options.extensions` if given. */
  connect(options?: ConnectOptions): Promise<TargetSession>;
  /**
   * Sends `head` (an HTTP request head, blank line included) on a fresh connection and returns
   * the status line of the answer, or `"no status line"` if none came. Only targets
   * behind a real HTTP server have it; handshake cases are INFORMATIONAL without it.
   */
  request?(head: string): Promise<string>;
  /** The `Host` value the target expects in a request head (`127.0.0.1:8080`). */
  readonly host?: string;
}

/** One result of {@linkcode FrameStream.next}. */
export type FrameRead =
  | { type: "frame"; frame: WireFrame }
  | { type: "eof" }
  | { type: "idle" }
  | { type: "fault"; message: string };

/** Frames from a session: buffers bytes until a whole frame is there. */
export class FrameStream {
  #session: TargetSession;
  #reader = new WireReader();
  #ended: FrameRead | undefined;

  /** @param session The session to read from. */
  constructor(session: TargetSession) {
    this.#session = session;
  }

  /**
   * The next frame, or `eof` / `idle` / `fault`. Waits at most `maxWaitMs` of silence between
   * chunks (a large frame that keeps arriving is not cut short).
   */
  async next(maxWaitMs: number): Promise<FrameRead> {
    for (;;) {
      let frame: WireFrame | undefined;
      try {
        frame = this.#reader.next();
      } catch (error) {
        this.#ended = { type: "fault", message: (error as Error).message };
      }
      if (frame !== undefined) return { type: "frame", frame };
      if (this.#ended !== undefined) return this.#ended;
      const read = await this.#session.read(maxWaitMs);
      switch (read.type) {
        case "bytes":
          this.#reader.push(read.bytes);
          break;
        case "idle":
          return read;
        case "eof":
          this.#ended = this.#reader.bufferedAmount > 0
            ? {
              type: "fault",
              message: `the transport ended inside a frame (${this.#reader.bufferedAmount} bytes)`,
            }
            : read;
          break;
        case "fault":
          this.#ended = read;
          break;
      }
    }
  }
}
