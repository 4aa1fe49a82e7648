// Smoke test of the server benchmark's load generator: each scenario runs for a moment against
// one wirely server, and only the counting is checked (no rates, no timing assertions).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type AddressInfo, createServer } from "node:net";
import { serve } from "../../server/mod.ts";
import { FrameCounter, maskedFrames } from "./server_frames.ts";
import { LoadSession, type OpenCommand } from "./server_load.ts";
import { type BenchServer, startWirely } from "./server_wirely.ts";
import { encodeFrame } from "../../codec/frame_encoder.ts";

const RUN_MS = 150;

describe("server benchmark load generator", () => {
  let server: BenchServer;
  before(async () => {
    server = await startWirely(serve, "codec");
  });
  after(async () => {
    await server.stop();
  });

  async function session(command: Omit<OpenCommand, "port">): Promise<LoadSession> {
    return await LoadSession.open({ ...command, port: server.port });
  }

  it("counts server frames split at every byte, with 16- and 64-bit lengths", () => {
    const frames = [0, 5, 125, 126, 65_535, 65_536].map((size) =>
      encodeFrame(0x2, new Uint8Array(size))
    );
    const stream = new Uint8Array(frames.reduce((sum, frame) => sum + frame.length, 0));
    let at = 0;
    for (const frame of frames) stream.set(frame, (at += frame.length) - frame.length);
    for (const step of [1, 3, 1000, stream.length]) {
      const counter = new FrameCounter();
      for (let i = 0; i < stream.length; i += step) counter.push(stream.subarray(i, i + step));
      assert.equal(counter.frames, frames.length);
      assert.equal(counter.bytes, 0 + 5 + 125 + 126 + 65_535 + 65_536);
    }
    assert.equal(maskedFrames(32, false, 3).length, 3 * (2 + 4 + 32));
  });

  it("echo: 32 B on 1 and 3 connections, 64 KiB and 1 MiB on 1; every message in flight comes back", async () => {
    for (const [connections, size] of [[1, 32], [3, 32], [1, 65_536], [1, 1_048_576]] as const) {
      const load = await session({ kind: "echo", connections, size, binary: size > 32, window: 4 });
      const result = await load.run(RUN_MS, 100_000);
      await load.close();
      assert.ok(result.ops > 0, `echoed ${result.ops} messages`);
      assert.equal(result.bytes, result.ops * size);
      assert.ok(result.drained);
      assert.ok(result.cpuMs >= 0 && result.elapsedMs > 0);
    }
  });

  it("broadcast: every message reaches each of 5 receivers", async () => {
    const load = await session({
      kind: "broadcast",
      connections: 5,
      size: 32,
      binary: false,
      window: 8,
    });
    assert.equal(load.size, 6);
    const result = await load.run(RUN_MS, 100_000);
    await load.close();
    assert.ok(result.ops > 0, `delivered ${result.ops} messages`);
    assert.ok(result.drained);
  });

  it("idle connections are all open on the server, and closed after", async () => {
    const load = await session({
      kind: "idle",
      connections: 20,
      size: 0,
      binary: false,
      window: 1,
    });
    assert.equal(server.connections(), 20);
    await load.close();
    const deadline = Date.now() + 2_000;
    while (server.connections() > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(server.connections(), 0);
  });

  it("handshakes: open, one message and close complete", async () => {
    const load = await session({
      kind: "handshake",
      connections: 0,
      size: 32,
      binary: false,
      window: 4,
    });
    const result = await load.run(RUN_MS, 200);
    await load.close();
    assert.ok(result.ops > 0 && result.ops <= 200 + 4, `completed ${result.ops} handshakes`);
    assert.equal(result.failed, 0);
  });

  it("handshakes: a refusal or a 101 with a wrong accept value is a failure, never counted", async () => {
    const refusing = await serve({ port: 0, hostname: "127.0.0.1", path: "/elsewhere" });
    // Answers every request with a 101 whose accept value is not the key's, then behaves like an
    // echo server: an (empty) echo for each frame, a close frame for the close frame.
    const wrong = createServer((socket) => {
      socket.on("error", () => {});
      let upgraded = false;
      socket.on("data", (chunk: Uint8Array) => {
        if (!upgraded) {
          upgraded = true;
          socket.write(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
              "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n",
          );
        } else if ((chunk[0]! & 0x0f) === 8) socket.end(new Uint8Array([0x88, 2, 0x03, 0xe8]));
        else socket.write(new Uint8Array([0x81, 0]));
      });
    });
    await new Promise<void>((resolve) => wrong.listen(0, "127.0.0.1", resolve));
    try {
      for (const port of [refusing.addr.port, (wrong.address() as AddressInfo).port]) {
        const load = await LoadSession.open({
          kind: "handshake",
          connections: 0,
          size: 32,
          binary: false,
          window: 2,
          port,
        });
        const result = await load.run(RUN_MS, 200);
        await load.close();
        assert.equal(result.ops, 0);
        assert.ok(result.failed > 0, `failed ${result.failed}`);
      }
    } finally {
      await refusing.close();
      await new Promise((resolve) => wrong.close(resolve));
    }
  });
});
