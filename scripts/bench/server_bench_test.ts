// Smoke test of the server benchmark's load generator: each scenario runs for a moment against
// one wirely server, and only the counting is checked (no rates, no timing assertions).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
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
  });
});
