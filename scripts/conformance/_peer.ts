/**
 * The suite's side of one connection: sends crafted frames, records what the target answers
 * (messages, pings, pongs, its close frame, EOF), plays a polite client (answers pings and the
 * target's close frame), and notes every rule the target breaks on the way.
 *
 * @module
 */

import { bytesEqual, closePayload, concat, OP, rawFrame, type WireFrame } from "./_wire.ts";
import { FrameStream, type TargetLimits, type TargetSession } from "./target.ts";

/** Something the target did, in order. `mark` records that the suite paused with the connection still open. */
export type PeerEvent =
  | { type: "message"; binary: boolean; data: Uint8Array }
  | { type: "ping"; data: Uint8Array }
  | { type: "pong"; data: Uint8Array }
  | { type: "mark"; label: string };

/** How long the suite waits; ignored by in-process targets, which never wait. */
export interface PeerOptions {
  /** Silence that means "the target has nothing more to say", in milliseconds. @default 250 */
  idleMs?: number;
  /** Patience for an answer that must come (echo, close, EOF), in milliseconds. @default 5000 */
  patienceMs?: number;
}

/** How frames are cut into writes: all in one write, one write per frame, or n-byte writes. */
export type Chop = "one" | "frame" | number;

/** The close frame the target sent. */
export interface ReceivedClose {
  /** Its status code; `undefined` for an empty close frame. */
  code: number | undefined;
  /** Its reason, decoded. */
  reason: string;
}

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Close codes a peer may put on the wire (RFC 6455 7.4 and the IANA registry). */
export function isWireCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999);
}

/** The client side of one connection to the target, for one case. */
export class Peer {
  /** What the target did, in order. */
  readonly events: PeerEvent[] = [];
  /** Rules the target broke (each one fails the case). */
  readonly violations: string[] = [];
  /** Known limits of the target. */
  readonly limits: TargetLimits;
  /** Whether the in-process target answers without waiting. */
  readonly deterministic: boolean;
  /** The suite sent a close frame. */
  closeSent = false;
  /** The suite's close frame went out before the target's (the suite started the closing handshake). */
  closedBySuite = false;
  /** The target's close frame, if it sent one. */
  closeReceived: ReceivedClose | undefined;
  /** The target closed the transport. */
  eof = false;
  /** The suite gave up waiting for the target to close the transport. */
  eofMissing = false;
  /**
   * Set once permessage-deflate is negotiated: RSV1 on the first frame of a data message then
   * means "compressed", and the message is inflated with this before it is recorded.
   */
  inflate: ((data: Uint8Array) => Uint8Array) | undefined;

  readonly #session: TargetSession;
  readonly #stream: FrameStream;
  readonly #idleMs: number;
  readonly #patienceMs: number;
  #fragments: { binary: boolean; compressed: boolean; parts: Uint8Array[] } | undefined;
  readonly #outgoing = new OutgoingFrames();

  constructor(
    session: TargetSession,
    limits: TargetLimits,
    deterministic: boolean,
    options: PeerOptions = {},
  ) {
    this.#session = session;
    this.#stream = new FrameStream(session);
    this.limits = limits;
    this.deterministic = deterministic;
    this.#idleMs = options.idleMs ?? 250;
    this.#patienceMs = options.patienceMs ?? 5000;
  }

  /** Whether the connection still looks open (no close frame, no EOF from the target). */
  get open(): boolean {
    return this.closeReceived === undefined && !this.eof;
  }

  /**
   * Sends frames (from {@linkcode rawFrame}, or pieces of them in order), cut into writes as
   * `chop` says. A close frame among them counts as the suite's close frame.
   */
  async send(frames: Uint8Array | readonly Uint8Array[], chop: Chop = "frame"): Promise<void> {
    const list = frames instanceof Uint8Array ? [frames] : frames;
    for (const frame of list) {
      if (this.#outgoing.push(frame) && !this.closeSent) {
        this.closeSent = true;
        this.closedBySuite = this.closeReceived === undefined;
      }
    }
    if (chop === "one") return await this.#session.send(concat(list));
    for (const frame of list) {
      if (chop === "frame") {
        await this.#session.send(frame);
        continue;
      }
      for (let i = 0; i < frame.length; i += chop) {
        await this.#session.send(frame.subarray(i, i + chop));
      }
    }
  }

  /** Sends a close frame (masked) with an optional code and reason. */
  async sendClose(code?: number, reason: Uint8Array | string = ""): Promise<void> {
    await this.send(rawFrame(OP.CLOSE, closePayload(code, reason)));
  }

  /** Reads until `done()` holds, the target goes quiet for `waitMs`, or the transport ends. */
  async waitUntil(done: () => boolean, waitMs: number = this.#patienceMs): Promise<void> {
    while (!done() && !this.eof) {
      const read = await this.#stream.next(waitMs);
      if (read.type === "idle") return;
      if (read.type === "eof") this.eof = true;
      else if (read.type === "fault") {
        this.violations.push(read.message);
        this.eof = true;
      } else await this.#onFrame(read.frame);
    }
  }

  /** Waits (patiently) until at least `count` events arrived or the connection ended. */
  async waitForEvents(count: number): Promise<void> {
    await this.waitUntil(() => this.events.length >= count || !this.open);
  }

  /**
   * Lets the target react, then records a `mark` if the connection is still open. Used to tell
   * fail-fast targets (closed before the mark) from the others. Returns whether it is open.
   */
  async pause(label: string): Promise<boolean> {
    await this.waitUntil(() => !this.open, this.#idleMs);
    if (!this.open) return false;
    this.events.push({ type: "mark", label });
    return true;
  }

  /**
   * Ends a case the suite closes: waits until the events match one of `outcomes` (or cannot
   * any more), sends a close frame with `code` unless a close was already exchanged, then waits
   * for the target's close frame and EOF.
   */
  async finishBySuite(outcomes: readonly (readonly PeerEvent[])[], code = 1000): Promise<void> {
    await this.waitUntil(() => !this.open || settled(this.events, outcomes));
    if (!this.closeSent && !this.eof) await this.sendClose(code);
    await this.#awaitEof();
  }

  /** Ends a case the target must close (fail): waits for its close or EOF, then for EOF. */
  async finishByTarget(): Promise<void> {
    await this.waitUntil(() => !this.open);
    if (this.open && !this.closeSent) await this.sendClose(1000);
    await this.#awaitEof();
  }

  async #awaitEof(): Promise<void> {
    await this.waitUntil(() => false);
    if (!this.eof) {
      this.eofMissing = true;
      await this.#session.dispose();
    }
  }

  async #onFrame(frame: WireFrame): Promise<void> {
    const name = `opcode 0x${frame.opcode.toString(16)}`;
    if (this.closeReceived !== undefined) {
      this.violations.push(`the target sent a frame (${name}) after its close frame`);
      return;
    }
    if (frame.masked) this.violations.push(`the target masked a frame (${name})`);
    const compressed = frame.rsv === 4 && this.inflate !== undefined &&
      (frame.opcode === OP.TEXT || frame.opcode === OP.BINARY);
    if (frame.rsv !== 0 && !compressed) {
      this.violations.push(`the target set reserved bits ${frame.rsv}`);
    }
    if (frame.opcode >= 8) {
      if (!frame.fin) this.violations.push(`the target fragmented a control frame (${name})`);
      if (frame.payload.length > 125) {
        this.violations.push(`the target sent a ${frame.payload.length}-byte control frame`);
      }
    }
    switch (frame.opcode) {
      case OP.PING:
        this.events.push({ type: "ping", data: frame.payload });
        if (!this.closeSent && !this.eof) await this.send(rawFrame(OP.PONG, frame.payload));
        return;
      case OP.PONG:
        this.events.push({ type: "pong", data: frame.payload });
        return;
      case OP.CLOSE:
        return await this.#onClose(frame.payload);
      case OP.TEXT:
      case OP.BINARY:
        if (this.#fragments !== undefined) {
          this.violations.push("the target started a message inside a fragmented one");
        }
        this.#fragments = { binary: frame.opcode === OP.BINARY, compressed, parts: [] };
        break;
      case OP.CONTINUATION:
        if (this.#fragments === undefined) {
          this.violations.push("the target sent a continuation frame with nothing to continue");
          return;
        }
        break;
      default:
        this.violations.push(`the target sent a frame with reserved ${name}`);
        return;
    }
    this.#fragments.parts.push(frame.payload);
    if (!frame.fin) return;
    const { binary, compressed: deflated, parts } = this.#fragments;
    this.#fragments = undefined;
    let data = parts.length === 1 ? parts[0]! : concat(parts);
    if (deflated) {
      try {
        data = this.inflate!(data);
      } catch (error) {
        this.violations.push(`the target sent a message that does not inflate: ${error}`);
      }
    }
    if (!binary && !isUtf8(data)) {
      this.violations.push("the target sent invalid UTF-8 in a text message");
    }
    this.events.push({ type: "message", binary, data });
  }

  async #onClose(payload: Uint8Array): Promise<void> {
    let code: number | undefined;
    let reason = "";
    if (payload.length === 1) {
      this.violations.push("the target sent a close frame with a 1-byte payload");
    } else if (payload.length >= 2) {
      code = (payload[0]! << 8) | payload[1]!;
      if (!isWireCloseCode(code)) this.violations.push(`the target sent close code ${code}`);
      const reasonBytes = payload.subarray(2);
      if (isUtf8(reasonBytes)) reason = fatalUtf8.decode(reasonBytes);
      else this.violations.push("the target sent a close reason that is not UTF-8");
    }
    this.closeReceived = { code, reason };
    if (!this.closeSent && !this.eof) {
      await this.sendClose(code !== undefined && isWireCloseCode(code) ? code : undefined);
    }
  }
}

/**
 * Follows the frame boundaries of what the suite sends (which may be cut anywhere) to notice
 * when a close frame starts. Skips payloads without copying them.
 */
class OutgoingFrames {
  #header: number[] = [];
  #skip = 0n;

  /** Adds sent bytes; returns whether a close frame header was among them. */
  push(bytes: Uint8Array): boolean {
    let sawClose = false;
    let i = 0;
    while (i < bytes.length) {
      if (this.#skip > 0n) {
        const n = Math.min(
          bytes.length - i,
          Number(this.#skip > 1n << 40n ? 1n << 40n : this.#skip),
        );
        this.#skip -= BigInt(n);
        i += n;
        continue;
      }
      this.#header.push(bytes[i++]!);
      const header = this.#header;
      if (header.length < 2) continue;
      const field = header[1]! & 0x7f;
      const size = 2 + (field === 126 ? 2 : field === 127 ? 8 : 0) + (header[1]! & 0x80 ? 4 : 0);
      if (header.length < size) continue;
      let length = BigInt(field);
      if (field >= 126) {
        length = 0n;
        for (let k = 2; k < (field === 126 ? 4 : 10); k++) {
          length = (length << 8n) | BigInt(header[k]!);
        }
      }
      if ((header[0]! & 0x0f) === OP.CLOSE) sawClose = true;
      this.#header = [];
      this.#skip = length;
    }
    return sawClose;
  }
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    fatalUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Whether two event lists are the same. */
export function sameEvents(a: readonly PeerEvent[], b: readonly PeerEvent[]): boolean {
  return a.length === b.length && a.every((event, i) => sameEvent(event, b[i]!));
}

function sameEvent(a: PeerEvent, b: PeerEvent): boolean {
  if (a.type === "mark" || b.type === "mark") {
    return a.type === "mark" && b.type === "mark" && a.label === b.label;
  }
  if (a.type !== b.type || !bytesEqual(a.data, b.data)) return false;
  return a.type !== "message" || b.type !== "message" || a.binary === b.binary;
}

/**
 * Whether waiting for more events is pointless: `events` equals an outcome that no longer
 * outcome extends, or it has left every outcome behind.
 */
function settled(
  events: readonly PeerEvent[],
  outcomes: readonly (readonly PeerEvent[])[],
): boolean {
  const isPrefix = (outcome: readonly PeerEvent[]) =>
    events.length <= outcome.length && events.every((event, i) => sameEvent(event, outcome[i]!));
  return !outcomes.some((outcome) => events.length < outcome.length && isPrefix(outcome));
}

/** A short text for a list of events: `text 13 B, 2 x pong 9 B, pause A`. */
export function describeEvents(events: readonly PeerEvent[]): string {
  if (events.length === 0) return "nothing";
  const runs: { text: string; count: number }[] = [];
  for (const event of events) {
    const kind = event.type === "message" ? (event.binary ? "binary" : "text") : event.type;
    const text = event.type === "mark" ? `pause ${event.label}` : `${kind} ${event.data.length} B`;
    const last = runs[runs.length - 1];
    if (last?.text === text) last.count++;
    else runs.push({ text, count: 1 });
  }
  const parts = runs.slice(0, 6).map((
    run,
  ) => (run.count > 1 ? `${run.count} x ${run.text}` : run.text));
  if (runs.length > 6) parts.push(`... (${events.length} events in all)`);
  return parts.join(", ");
}
