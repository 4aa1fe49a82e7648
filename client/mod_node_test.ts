import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { WirelyClient } from "./mod.node.ts";
import { reachState, take } from "./_helpers_test.ts";
import { startServer } from "./_servers_test.ts";

const scope: { WebSocket?: unknown } = globalThis;

describe("WirelyClient of client/mod.node.ts", () => {
  it("connects with no transport option on a runtime without a global WebSocket, and echoes", {
    skip: typeof scope.WebSocket === "function"
      ? "this runtime has a global WebSocket (the fallback is for Node 20)"
      : false,
  }, async () => {
    const server = await startServer();
    const client = new WirelyClient(server.url, { backoff: { baseDelay: 5 } });
    try {
      const replies = take(client, 2);
      client.send("hi");
      client.send(new Uint8Array([1, 2, 3]));
      assert.deepEqual(await replies, [
        { type: "text", data: "hi" },
        { type: "binary", data: new Uint8Array([1, 2, 3]) },
      ]);
      client.close();
      await reachState(client, "closed");
    } finally {
      if (client.state !== "closed") client.close();
      await server.kill();
    }
  });
});
