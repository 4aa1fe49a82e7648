/**
 * Messages of the permessage-deflate benchmark: realistic JSON chat messages of about 1 KiB
 * (varying text, user, room and timestamp, from a seeded generator so every run sends the same
 * bytes), and their masked client frames compressed once with raw deflate (each message on its
 * own, which any permessage-deflate server accepts whatever context takeover it agreed), so the
 * load generator never runs zlib while it measures.
 *
 * @module
 */

import { constants, deflateRawSync } from "node:zlib";
import { encodeFrame } from "../../codec/frame_encoder.ts";
import { Opcode } from "../../codec/constants.ts";

const MASK = new Uint8Array([0x3b, 0x91, 0x0e, 0xc4]);
const WORDS = (
  "the a to and of in is it you that for on with this was are be have not at so we but can " +
  "just what if about like do will get from deploy release build test server client message " +
  "socket latency review merge branch queue retry timeout payload cache redis metrics ship " +
  "tomorrow today meeting lunch coffee thanks great sounds good idea issue fixed broken works " +
  "please check look again later soon maybe sure agreed done sorry update docs benchmark"
).split(" ");
const NAMES = ["ada", "grace", "linus", "margaret", "ken", "barbara", "dennis", "radia", "alan"];
const ROOMS = ["general", "random", "dev", "ops", "design", "support"];

/** A small deterministic PRNG (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` JSON chat messages of 1024 to about 1100 bytes (ASCII), all different. */
export function chatMessages(count: number, seed = 7): string[] {
  const rand = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = pick(NAMES);
    const user = {
      id: `u_${Math.floor(rand() * 1e6)}`,
      name,
      avatar: `https://cdn.example.com/a/${name}.png`,
    };
    const base = {
      type: "chat.message",
      id: `m_${(1_790_000_000_000 + i * 7919).toString(36)}`,
      room: pick(ROOMS),
      user,
      ts: new Date(1_796_000_000_000 + Math.floor(rand() * 86_400_000)).toISOString(),
      replyTo: rand() < 0.3 ? `m_${Math.floor(rand() * 1e9).toString(36)}` : null,
      mentions: rand() < 0.4 ? [pick(NAMES)] : [],
      reactions: { "+1": Math.floor(rand() * 5), "eyes": Math.floor(rand() * 3) },
      text: "",
    };
    const words: string[] = [];
    while (JSON.stringify({ ...base, text: words.join(" ") }).length < 1024) {
      words.push(pick(WORDS));
    }
    out.push(JSON.stringify({ ...base, text: words.join(" ") }));
  }
  return out;
}

/** Raw deflate of `data` as permessage-deflate sends it (sync flush, the final 00 00 ff ff cut). */
export function deflateMessage(data: Uint8Array, level = 6): Uint8Array {
  const out = deflateRawSync(data, { level, finishFlush: constants.Z_SYNC_FLUSH });
  return new Uint8Array(out.buffer, out.byteOffset, out.length - 4);
}

/** Pre-built masked client frames: `bytes` back to back, `offsets[i]` where frame i starts. */
export interface FrameRing {
  bytes: Uint8Array;
  /** `count + 1` offsets (the last is `bytes.length`). */
  offsets: number[];
  /** Uncompressed payload bytes of all frames. */
  payload: number;
}

/** Masked text frames of `messages`, compressed (RSV1) when `compress`, else plain. */
export function frameRing(messages: readonly string[], compress: boolean): FrameRing {
  const encoder = new TextEncoder();
  const frames = messages.map((text) => {
    const data = encoder.encode(text);
    return compress
      ? encodeFrame(Opcode.TEXT, deflateMessage(data), { mask: MASK, rsv1: true })
      : encodeFrame(Opcode.TEXT, data, { mask: MASK });
  });
  const offsets = [0];
  for (const frame of frames) offsets.push(offsets.at(-1)! + frame.length);
  const bytes = new Uint8Array(offsets.at(-1)!);
  frames.forEach((frame, i) => bytes.set(frame, offsets[i]!));
  const payload = messages.reduce((sum, text) => sum + text.length, 0);
  return { bytes, offsets, payload };
}

/** The upgrade request for `path`, offering permessage-deflate when `deflate`. */
export function deflateUpgradeRequest(port: number, path: string, deflate: boolean): Uint8Array {
  return new TextEncoder().encode(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
      (deflate ? "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" : "") +
      "Sec-WebSocket-Version: 13\r\n\r\n",
  );
}
