/**
 * Codec benchmark: wirely's codec against ws's Receiver and Sender (npm `ws`, JavaScript path,
 * no `bufferutil`), side by side in one process. Run with `deno task bench`.
 * Prints a Markdown table with the ratio wirely / ws; BENCHMARKS.md records it.
 *
 * @module
 */
import { createRequire } from "node:module";
import { applyMask } from "../codec/mask.ts";
import { encodeFrame, FrameEncoder } from "../codec/frame_encoder.ts";
import { Connection } from "../codec/connection.ts";
import { Opcode } from "../codec/constants.ts";
import { formatTable, runScenario, type Scenario, type ScenarioResult } from "./bench/harness.ts";

const require = createRequire(import.meta.url);
interface WsBufferUtil {
  unmask(buffer: Uint8Array, mask: Uint8Array): void;
}
// ws's own masking helpers; without bufferutil (not installed) this is its JavaScript path.
const wsBufferUtil = require("../node_modules/ws/lib/buffer-util.js") as WsBufferUtil;

interface WsReceiver {
  on(event: "message", listener: (data: unknown, isBinary: boolean) => void): void;
  on(event: "error", listener: (error: Error) => void): void;
  write(chunk: Uint8Array): boolean;
}
type WsReceiverCtor = new (options: Record<string, unknown>) => WsReceiver;
type WsFrame = (data: Uint8Array, options: Record<string, unknown>) => Uint8Array[];
// ws's framing classes, loaded from their files: the ESM entry's default export (lib/websocket.js)
// does not carry them as properties, the CommonJS one (index.js) does.
const WsReceiverClass = require("../node_modules/ws/lib/receiver.js") as WsReceiverCtor;
const wsFrame = (require("../node_modules/ws/lib/sender.js") as { frame: WsFrame }).frame;

const KEY = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
const CHUNK = 65_536;

/** A stream of `count` masked client frames of `size` bytes each. */
function maskedStream(opcode: number, size: number, count: number): Uint8Array {
  const payload = new Uint8Array(size);
  for (let i = 0; i < size; i++) payload[i] = opcode === Opcode.TEXT ? 97 + (i % 26) : i & 0xff;
  const one = encodeFrame(opcode, payload, { mask: KEY });
  const out = new Uint8Array(one.length * count);
  for (let i = 0; i < count; i++) out.set(one, i * one.length);
  return out;
}

/** Feeds a fresh copy of `stream` (decoders unmask in place) in socket-sized chunks. */
function feeder(stream: Uint8Array, push: (chunk: Uint8Array) => void): () => void {
  const work = new Uint8Array(stream.length);
  return () => {
    work.set(stream);
    for (let at = 0; at < work.length; at += CHUNK) {
      push(work.subarray(at, Math.min(at + CHUNK, work.length)));
    }
  };
}

function decodeScenario(
  name: string,
  unit: string,
  opcode: number,
  size: number,
  count: number,
): Scenario {
  const stream = maskedStream(opcode, size, count);
  const perRun = unit === "bytes" ? size * count : count;
  const ours = new Connection({ role: "server", maxMessageSize: 64 * 1024 * 1024 });
  let received = 0;
  const feedOurs = feeder(stream, (chunk) => {
    ours.receive(chunk);
    received += ours.takeEvents().length;
  });
  const theirs = new WsReceiverClass({
    isServer: true,
    maxPayload: 64 * 1024 * 1024,
    binaryType: "nodebuffer",
  });
  theirs.on("message", () => received++);
  theirs.on("error", (error) => {
    throw error;
  });
  const feedTheirs = feeder(stream, (chunk) => theirs.write(chunk));
  return {
    name,
    unit,
    ours: { name: "wirely Connection", run: () => (feedOurs(), perRun) },
    theirs: { name: "ws Receiver", run: () => (feedTheirs(), perRun) },
  };
}

/**
 * Frames encoded per `run` call: one call costs the harness about 10 ns (an indirect call),
 * as much as a third of encoding a small frame, so a single frame per call would pull every
 * ratio toward 1. Both contenders run the same loop.
 */
const ENCODE_BATCH = 16;

function encodeScenario(name: string, size: number, masked: boolean, unit: string): Scenario {
  const payload = new Uint8Array(size).fill(0x61);
  const encoder = new FrameEncoder({ role: masked ? "client" : "server" });
  const perRun = (unit === "bytes" ? size : 1) * ENCODE_BATCH;
  const wsOptions = { fin: true, opcode: Opcode.BINARY, mask: masked, readOnly: true, rsv1: false };
  // Like for like: ws's Sender.frame returns [header, payload] without copying when it does not
  // mask, which is what our encodeParts does; when masking both produce new bytes.
  const ours = masked
    ? () => {
      let parts = 0;
      for (let i = 0; i < ENCODE_BATCH; i++) parts += encoder.encode(Opcode.BINARY, payload).length;
      return parts && perRun;
    }
    : () => {
      let parts = 0;
      for (let i = 0; i < ENCODE_BATCH; i++) {
        parts += encoder.encodeParts(Opcode.BINARY, payload).length;
      }
      return parts && perRun;
    };
  const theirs = () => {
    let parts = 0;
    for (let i = 0; i < ENCODE_BATCH; i++) parts += wsFrame(payload, wsOptions).length;
    return parts && perRun;
  };
  return {
    name,
    unit,
    ours: { name: masked ? "FrameEncoder.encode" : "FrameEncoder.encodeParts", run: ours },
    theirs: { name: "ws Sender.frame", run: theirs },
  };
}

const unmaskBuffer = new Uint8Array(1024 * 1024).fill(7);
const scenarios: Scenario[] = [
  {
    name: "unmask 1 MiB",
    unit: "bytes",
    ours: { name: "applyMask", run: () => (applyMask(unmaskBuffer, KEY), unmaskBuffer.length) },
    theirs: {
      name: "ws unmask (JS)",
      run: () => (wsBufferUtil.unmask(unmaskBuffer, KEY), unmaskBuffer.length),
    },
  },
  decodeScenario("decode 32 B masked text frames", "messages", Opcode.TEXT, 32, 4096),
  decodeScenario("decode 1 KiB masked text frames", "messages", Opcode.TEXT, 1024, 512),
  decodeScenario("decode 64 KiB masked binary frames", "bytes", Opcode.BINARY, 65_536, 32),
  encodeScenario("encode 32 B frame, server (unmasked)", 32, false, "frames"),
  encodeScenario("encode 32 B frame, client (masked)", 32, true, "frames"),
  encodeScenario("encode 64 KiB frame, server (unmasked)", 65_536, false, "bytes"),
  encodeScenario("encode 64 KiB frame, client (masked)", 65_536, true, "bytes"),
];

const quick = Deno.args.includes("--quick");
const results: ScenarioResult[] = [];
for (const scenario of scenarios) {
  results.push(runScenario(scenario, quick ? { rounds: 3, roundMs: 60, warmupMs: 60 } : {}));
}
console.log(`codec benchmark — Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores`);
console.log(formatTable(results, "ws 8 (JS)"));
