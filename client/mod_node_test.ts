import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Message } from "../codec/message.ts";
import { WirelyClient } from "./mod.node.ts";
import { reachState, startServer, within } from "./_helpers_test.ts";

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
      const got: Message[] = [];
      const replies = within(
        new Promise<void>((resolve) => {
          client.on("message", (message) => {
            got.push(message);
            if (got.length === 2) resolve();
          });
        }),
        2_000,
        "2 echoes",
      );
      client.send("hi");
      client.send(new Uint8Array([1, 2, 3]));
      await replies;
      assert.deepEqual(got, [
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
