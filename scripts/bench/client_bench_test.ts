// Smoke test of the client benchmark's load (scripts/bench/client_load.ts): both kinds of clients
// run for a moment against one wirely echo server; only the counting is checked (no rates, no
// timing assertions).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { serve } from "../../server/mod.ts";
import { WirelyClient } from "../../client/mod.ts";
import { tcpTransport } from "../../client/tcp.ts";
import { ClientSession } from "./client_load.ts";
import { type BenchServer, startWirely } from "./server_wirely.ts";

const RUN_MS = 150;

describe("client benchmark load", () => {
  let server: BenchServer;
  before(async () => {
    server = await startWirely(serve, "codec");
  });
  after(async () => {
    await server.stop();
  });

  for (const impl of ["wirely", "ws"] as const) {
    it(`${impl}: 32 B on 1 and 3 connections, 64 KiB on 2; echoes counted, all drained`, async () => {
      for (const [connections, size] of [[1, 32], [3, 32], [2, 65_536]] as const) {
        const session = await ClientSession.open(
          { impl, port: server.port, connections, size, window: 4 },
          { WirelyClient, tcpTransport },
        );
        assert.equal(server.connections(), connections);
        const result = await session.run(RUN_MS, 4);
        session.close();
        assert.ok(result.messages > 0, `echoed ${result.messages} messages`);
        assert.ok(result.cpuMs >= 0 && result.elapsedMs > 0);
        const deadline = Date.now() + 2_000;
        while (server.connections() > 0 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        assert.equal(server.connections(), 0);
      }
    });
  }
});
