// Two event servers sharing one pub/sub adapter: a broadcast on server A reaches the wirely.v1
// clients of server B, and never B's plain (non-wirely.v1) connections, whether it goes to
// everyone or to a room they are in.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryAdapter } from "../server/pubsub.ts";
import type { ServeOptions } from "../server/serve.ts";
import type { EventClient } from "./client.ts";
import { ENGINES, record, Rig, until, type WebSocket } from "./_helpers_test.ts";

interface ServerToClient {
  news: (text: string) => void;
}

for (const { engine, skip } of ENGINES) {
  describe(`broadcasts through a shared adapter (engine ${engine})`, { skip }, () => {
    const adapter = new MemoryAdapter();
    // Every connection, plain or not, joins "lobby" (a plain connection may be in rooms too).
    const options: ServeOptions = { adapter, onOpen: (conn) => conn.join("lobby") };
    const a = new Rig<Record<never, never>, ServerToClient>();
    const b = new Rig<Record<never, never>, ServerToClient>();
    let client: EventClient<ServerToClient, Record<never, never>>;
    let news: string[];
    let plain: { ws: WebSocket; inbox: (string | Uint8Array)[] };

    before(async () => {
      await a.start(engine, options);
      await b.start(engine, options);
      client = await b.client<ServerToClient, Record<never, never>>();
      news = record<string>(client, "news");
      plain = await b.raw([]);
      assert.equal(plain.ws.protocol, "");
      await until(() => b.server.clients.size === 2, 5_000, "both connections on B");
      assert.equal(adapter.servers, 2);
    });
    after(async () => {
      await a.stop();
      await b.stop();
    });

    /**
     * Everything B's plain connection got up to `marker`: a broadcast from A to the connections
     * without a subprotocol, which arrives after whatever A broadcast before it.
     */
    async function plainInboxUpTo(marker: string): Promise<(string | Uint8Array)[]> {
      a.server.broadcast(marker, { protocol: "" });
      await until(() => plain.inbox.includes(marker), 5_000, `the marker ${marker}`);
      const seen = plain.inbox.splice(0);
      return seen;
    }

    it("io.emit on A reaches B's events client, not B's plain connection", async () => {
      assert.equal(a.io.emit("news", "to all"), 0);
      await until(() => news.includes("to all"), 5_000, "the event on B");
      assert.deepEqual(await plainInboxUpTo("marker 1"), ["marker 1"]);
    });

    it("io.to(room).emit on A reaches B's events member of the room, not its plain member", async () => {
      assert.equal(a.io.to("lobby").emit("news", "to the lobby"), 0);
      await until(() => news.includes("to the lobby"), 5_000, "the room event on B");
      assert.deepEqual(await plainInboxUpTo("marker 2"), ["marker 2"]);
      assert.deepEqual(news, ["to all", "to the lobby"]);
    });
  });
}
