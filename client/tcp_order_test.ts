// The TCP transport runs the codec's receive loop: a message that came in the same read as a bad
// frame or a close is reported (and what the listener sends in answer goes out) before the close.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FrameDecoder } from "../codec/frame_decoder.ts";
import type { Frame } from "../codec/frame.ts";
import { tcpTransport } from "./tcp_transport.node.ts";
import type { Transport, TransportEvent } from "./transport.ts";
import { until, within } from "./_helpers_test.ts";
import { startRawServer } from "./_servers_test.ts";

/** Frames the client sent, as "text:..." / "close:code". */
function framesOf(bytes: Uint8Array): string[] {
  const out: string[] = [];
  const decoder = new FrameDecoder({ role: "server", maxPayloadSize: Infinity });
  decoder.push(bytes.slice(), (frame: Frame) => {
    if (frame.opcode === 0x8) out.push(`close:${(frame.payload[0]! << 8) | frame.payload[1]!}`);
    else {out.push(
        `${frame.opcode === 1 ? "text" : frame.opcode}:${new TextDecoder().decode(frame.payload)}`,
      );}
  });
  return out;
}

/** Connects; every message is answered with "echo:" + its text; resolves at the close event. */
async function answering(url: string): Promise<TransportEvent[]> {
  const events: TransportEvent[] = [];
  let transport: Transport | undefined;
  let closed = false;
  transport = tcpTransport().connect(url, [], (event) => {
    events.push(event);
    if (event.type === "message" && typeof event.data === "string") {
      transport!.send(`echo:${event.data}`);
    }
    if (event.type === "close") closed = true;
  });
  await within(until(() => closed, 2_000, "close event"), 3_000, "close");
  transport = undefined;
  return events;
}

describe("tcpTransport: messages before a bad frame or a close in one read", () => {
  it("answers a message that came with a reserved-opcode frame, then closes with 1002", async () => {
    let peer: (() => Uint8Array) | undefined;
    const raw = await startRawServer((socket, received) => {
      peer = received;
      // Text "a", then opcode 3 (reserved), in one write.
      socket.write(new Uint8Array([0x81, 0x01, 0x61, 0x83, 0x00]));
    });
    try {
      const events = await answering(raw.url);
      assert.deepEqual(events.map((e) => e.type), ["open", "message", "error", "close"]);
      await until(() => framesOf(peer!()).length >= 2, 2_000, "the client's frames");
      assert.deepEqual(framesOf(peer!()), ["text:echo:a", "close:1002"]);
    } finally {
      await raw.stop();
    }
  });

  it("answers a message that came with the server's close frame, then echoes the close", async () => {
    let peer: (() => Uint8Array) | undefined;
    const raw = await startRawServer((socket, received) => {
      peer = received;
      socket.write(new Uint8Array([0x81, 0x01, 0x62, 0x88, 0x02, 0x0f, 0xa0]));
      // The server ends TCP once it has the client's close frame.
      const timer = setInterval(() => {
        if (framesOf(received()).some((f) => f.startsWith("close:"))) {
          clearInterval(timer);
          socket.end();
        }
      }, 5);
      socket.once("close", () => clearInterval(timer));
    });
    try {
      const events = await answering(raw.url);
      assert.deepEqual(events.at(-1), { type: "close", code: 4000, reason: "", wasClean: true });
      assert.deepEqual(framesOf(peer!()), ["text:echo:b", "close:4000"]);
    } finally {
      await raw.stop();
    }
  });
});

describe("tcpTransport: the sends of one tick", () => {
  it("go out in order at the end of the tick, counted in bufferedAmount until then", async () => {
    let peer: (() => Uint8Array) | undefined;
    const raw = await startRawServer((_socket, received) => {
      peer = received;
    });
    let transport: Transport | undefined;
    try {
      let open = false;
      transport = tcpTransport().connect(raw.url, [], (event) => {
        if (event.type === "open") open = true;
      });
      await until(() => open, 2_000, "open");
      const sent: string[] = [];
      for (let i = 0; i < 50; i++) {
        sent.push(`m${i}`);
        transport.send(`m${i}`);
      }
      // Not written yet: the 50 messages are counted (UTF-16 units, as the queue counts).
      assert.ok(transport.bufferedAmount >= sent.join("").length, `${transport.bufferedAmount}`);
      await until(() => framesOf(peer!()).length >= 50, 2_000, "50 frames");
      assert.deepEqual(framesOf(peer!()), sent.map((m) => `text:${m}`));
      assert.equal(transport.bufferedAmount, 0);
    } finally {
      transport?.abort();
      await raw.stop();
    }
  });
});
