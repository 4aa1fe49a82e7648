// The byte-level examples of docs/events.md: each expression, evaluated by the encoder, and the
// `hexdump -C` style rendering the page shows (no tests here; docs_test.ts compares them).
import { encodeAck, encodeError, encodeEvent, type Frame } from "./wire.ts";

/** Every example on the page, by the expression its block is titled with. */
export const EXAMPLES: Record<string, () => Frame> = {
  'encodeEvent("chat", "hi")': () => encodeEvent("chat", "hi"),
  'encodeEvent("join", "lobby", 1)': () => encodeEvent("join", "lobby", 1),
  'encodeEvent("ping", undefined)': () => encodeEvent("ping", undefined),
  'encodeEvent("move", { x: 1, y: -2 }, 7)': () => encodeEvent("move", { x: 1, y: -2 }, 7),
  "encodeAck(1, 3)": () => encodeAck(1, 3),
  "encodeAck(7, undefined)": () => encodeAck(7, undefined),
  'encodeError(1, "REJECTED", "log in first")': () => encodeError(1, "REJECTED", "log in first"),
  'encodeError(0, "REJECTED", "too long", "say")': () =>
    encodeError(0, "REJECTED", "too long", "say"),
  'encodeEvent("img", new Uint8Array([0xff, 0xd8, 0xff]), 258)': () =>
    encodeEvent("img", new Uint8Array([0xff, 0xd8, 0xff]), 258),
  'encodeEvent("empty", new Uint8Array(0))': () => encodeEvent("empty", new Uint8Array(0)),
  "encodeAck(258, new Uint8Array([1, 2]))": () => encodeAck(258, new Uint8Array([1, 2])),
};

/** The bytes of a frame as they travel (text frames: UTF-8). */
export function frameBytes(frame: Frame): Uint8Array {
  return typeof frame === "string" ? new TextEncoder().encode(frame) : frame;
}

/** `hexdump -C` style: offset, 16 bytes in two groups of 8, printable ASCII. */
export function hexdump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let offset = 0; offset < bytes.length || offset === 0; offset += 16) {
    const row = bytes.subarray(offset, offset + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, "0"));
    const left = hex.slice(0, 8).join(" ");
    const right = hex.slice(8).join(" ");
    const ascii = [...row].map((b) => b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")
      .join("");
    lines.push(
      `${offset.toString(16).padStart(8, "0")}  ${left.padEnd(23)}  ${
        right.padEnd(23)
      }  |${ascii}|`,
    );
    if (bytes.length === 0) break;
  }
  return lines.join("\n");
}
