// A client whose TCP connection vanishes (no close frame, no FIN handshake) is reported to
// onClose as 1006 on every engine: Deno's native engine gets code 0 from Deno for such a close.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type CloseInfo, serve, type ServerEngine } from "./mod.ts";
import { inDeno, RawClient, until, within } from "./_helpers_test.ts";

const ENGINES: readonly ServerEngine[] = ["codec", "native"];

for (const engine of ENGINES) {
  const skip = engine === "native" && !inDeno ? "the native engine needs Deno" : false;
  describe(`abrupt client drop (engine ${engine})`, { skip }, () => {
    it("reports 1006, not clean, to onClose when the client's socket is destroyed", async () => {
      const closes: CloseInfo[] = [];
      let opened = 0;
      const server = await serve({
        engine,
        port: 0,
        hostname: "127.0.0.1",
        onOpen: () => void opened++,
        onClose: (_conn, info) => void closes.push(info),
      });
      try {
        const client = await RawClient.open(server.addr.port);
        await until(() => opened === 1, 2_000, "onOpen");
        // A reset (RST), as when the client process is killed: no close frame is sent.
        if (typeof client.socket.resetAndDestroy === "function") client.socket.resetAndDestroy();
        else client.destroy();
        await until(() => closes.length === 1, 5_000, "onClose");
        assert.deepEqual(closes[0], { code: 1006, reason: "", wasClean: false });
      } finally {
        await within(server.close(), 5_000, "server close");
      }
    });

    it("reports 1006 when the client's socket ends without a close frame", async () => {
      const closes: CloseInfo[] = [];
      let opened = 0;
      const server = await serve({
        engine,
        port: 0,
        hostname: "127.0.0.1",
        onOpen: () => void opened++,
        onClose: (_conn, info) => void closes.push(info),
      });
      try {
        const client = await RawClient.open(server.addr.port);
        await until(() => opened === 1, 2_000, "onOpen");
        client.destroy();
        await until(() => closes.length === 1, 5_000, "onClose");
        assert.equal(closes[0]!.code, 1006);
        assert.equal(closes[0]!.wasClean, false);
      } finally {
        await within(server.close(), 5_000, "server close");
      }
    });
  });
}
