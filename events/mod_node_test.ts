// The Node builds of wirely/events and wirely/events/server (the npm package's "node" export
// condition): on a runtime without a global WebSocket (Node 20), EventClient connects with no
// transport option, over the codec transport, as WirelyClient of client/mod.node.ts does.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EventClient } from "./mod.node.ts";
import * as serverNode from "./server.node.ts";
import { EventClient as BaseEventClient } from "./client.ts";
import { Rig, within } from "./_helpers_test.ts";

const scope: { WebSocket?: unknown } = globalThis;

interface ClientToServer {
  double: (n: number) => number;
}

describe("EventClient of events/mod.node.ts", () => {
  it("is the EventClient of events/server.node.ts too, and an EventClient", () => {
    assert.equal(serverNode.EventClient, EventClient);
    assert.ok(EventClient.prototype instanceof BaseEventClient);
  });

  it(
    "connects with no transport option on a runtime without a global WebSocket, and gets answers",
    {
      skip: typeof scope.WebSocket === "function"
        ? "this runtime has a global WebSocket (the fallback is for Node 20)"
        : false,
    },
    async () => {
      const rig = new Rig<ClientToServer, Record<never, never>>();
      rig.io.onConnection((socket) => socket.on("double", (n) => n * 2));
      await rig.start("codec");
      const client = new EventClient<Record<never, never>, ClientToServer>(rig.server.url, {
        backoff: { baseDelay: 5 },
      });
      try {
        assert.equal(await within(client.emitWithAck("double", 21), 5_000, "double"), 42);
        assert.equal(client.negotiated, true);
      } finally {
        client.close();
        await rig.stop();
      }
    },
  );

  it("checks its options before a client exists", () => {
    assert.throws(() => new EventClient("ws://127.0.0.1:9", { ackTimeout: -1 }), RangeError);
  });
});
