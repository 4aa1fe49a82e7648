/**
 * The receivers of the broadcast throughput benchmark, for Node: one raw TCP socket per
 * receiver that speaks just enough WebSocket (the client handshake, unmasked server frames,
 * masked client frames) and engine.io (socket.io's `0`/`40`/ping `2` → pong `3`) to join the
 * room, then counts and checks every delivery. The same code receives for both systems, so
 * what the load process spends per delivery does not depend on the system under test, and it is
 * small (no WebSocket library, no UTF-8 validation, no event emitter per message): the servers
 * are what is measured.
 *
 * Every broadcast event carries its number `n` (1, 2, 3, ... in the order the sender emitted
 * them). A delivery counts only when its frame is a complete text frame that is exactly the
 * system's encoding of event `said` with the expected data and the next number for that
 * receiver; anything else (a gap, a duplicate, a reordering, other bytes) counts as `bad`.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

/** The text every broadcast event carries next to its number. */
export const TEXT = "hello everyone in the room, this is a chat line";

/** The data of event number `n`. */
export const line = (n: number): { n: number; text: string } => ({ n, text: TEXT });

/** Counters shared by every receiver of a run. */
export interface Tally {
  /** Deliveries that were the receiver's next event, byte for byte. */
  deliveries: number;
  /** Frames after joining that were not (wrong number, wrong bytes, fragmented, binary). */
  bad: number;
  /** Called after every good delivery. */
  onDelivery(): void;
}

/** How each system frames event `said` with data `line(n)`: the bytes before and after `n`. */
const FORMATS = {
  wirely: { before: '["e","said",0,{"n":', after: `,"text":${JSON.stringify(TEXT)}}]` },
  socketio: { before: '42["said",{"n":', after: `,"text":${JSON.stringify(TEXT)}}]` },
} as const;

/** One masked client frame (the payloads here are short: < 126 bytes); text by default. */
function clientFrame(data: string | Buffer, opcode = 1): Buffer {
  const payload = typeof data === "string" ? Buffer.from(data) : data;
  const mask = randomBytes(4);
  const frame = Buffer.alloc(6 + payload.length);
  frame[0] = 0x80 | opcode;
  frame[1] = 0x80 | payload.length;
  mask.copy(frame, 2);
  for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i]! ^ mask[i & 3]!;
  return frame;
}

/**
 * Opens one receiver of `kind` on `port` and joins room `room`; resolves once joined (the
 * server's `joined` event). After that every text frame goes to the tally.
 */
export function openReceiver(
  kind: "wirely" | "socketio",
  port: number,
  tally: Tally,
): Promise<Socket> {
  const { before, after } = FORMATS[kind];
  const head = Buffer.from(before);
  const tail = Buffer.from(after);
  const path = kind === "socketio" ? "/socket.io/?EIO=4&transport=websocket" : "/?room=room";
  const socket = connect({ port, host: "127.0.0.1", noDelay: true });
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\n` +
      `Sec-WebSocket-Version: 13\r\n` +
      (kind === "wirely" ? "Sec-WebSocket-Protocol: wirely.v1\r\n" : "") +
      "\r\n",
  );
  let upgraded = false;
  let joined = false;
  let next = 1;
  let pending: Buffer | undefined;
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.once("close", () => reject(new Error(`receiver on port ${port} closed before joining`)));
    /** A delivery: exactly `before + next + after`. */
    const check = (frame: Buffer, start: number, end: number): boolean => {
      if (end - start < head.length + tail.length + 1) return false;
      for (let i = 0; i < head.length; i++) if (frame[start + i] !== head[i]) return false;
      let n = 0;
      let i = start + head.length;
      const digits = i;
      for (; i < end; i++) {
        const c = frame[i]!;
        if (c < 0x30 || c > 0x39) break;
        n = n * 10 + c - 0x30;
      }
      if (i === digits || n !== next || end - i !== tail.length) return false;
      for (let j = 0; j < tail.length; j++) if (frame[i + j] !== tail[j]) return false;
      next++;
      return true;
    };
    /** A text frame before joining: the system's handshake. */
    const control = (text: string): void => {
      if (kind === "wirely") {
        if (text === '["e","joined",0]') joined = true;
      } else if (text.startsWith("0")) socket.write(clientFrame('40{"room":"room"}'));
      else if (text === '42["joined"]') joined = true;
      if (joined) resolve(socket);
    };
    const frames = (data: Buffer): void => {
      let at = 0;
      while (data.length - at >= 2) {
        const b0 = data[at]!;
        let length = data[at + 1]! & 0x7f;
        let start = at + 2;
        if (length === 126) {
          if (data.length - at < 4) break;
          length = data.readUInt16BE(at + 2);
          start += 2;
        } else if (length === 127) {
          if (data.length - at < 10) break;
          length = Number(data.readBigUInt64BE(at + 2));
          start += 8;
        }
        const end = start + length;
        if (end > data.length) break;
        at = end;
        const opcode = b0 & 0x0f;
        if (opcode === 8) return void socket.destroy(); // close
        if (opcode === 9) { // a WebSocket ping (wirely's heartbeat, every 30 s): pong
          socket.write(clientFrame(data.subarray(start, end), 0xa));
          continue;
        }
        if (kind === "socketio" && length === 1 && data[start] === 0x32) {
          socket.write(clientFrame("3")); // engine.io ping → pong
          continue;
        }
        if (!joined) {
          if (opcode === 1 && b0 & 0x80) control(data.toString("utf8", start, end));
        } else if (b0 === 0x81 && check(data, start, end)) {
          tally.deliveries++;
          tally.onDelivery();
        } else tally.bad++;
      }
      pending = at < data.length ? data.subarray(at) : undefined;
    };
    socket.on("data", (chunk: Buffer) => {
      let data = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
      pending = undefined;
      if (!upgraded) {
        const end = data.indexOf("\r\n\r\n");
        if (end < 0) return void (pending = data);
        if (!data.toString("latin1", 0, 12).startsWith("HTTP/1.1 101")) {
          socket.destroy();
          return reject(new Error(`receiver on port ${port}: ${data.toString("latin1", 0, end)}`));
        }
        upgraded = true;
        data = data.subarray(end + 4);
      }
      frames(data);
    });
  });
}
