// A handler that declares `ack` but returns a value (or a promise of one) without calling `ack`
// answers with that value, on the server and on the client, over real sockets. `ack` called
// first wins; a handler that returns `undefined` still answers later through `ack`.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { EventClient } from "./client.ts";
import type { EventSocket } from "./socket.ts";
import { ENGINES, Rig, until, within } from "./_helpers_test.ts";

interface ClientToServer {
  returns: (n: number) => number;
  resolves: (n: number) => number;
  ackFirst: (n: number) => number;
  ackLater: (n: number) => number;
  ackAfterResolve: (n: number) => number;
}
interface ServerToClient {
  upper: (text: string) => string;
  upperLater: (text: string) => string;
}

/** Resolves after `ms` milliseconds. */
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

for (const { engine, skip } of ENGINES) {
  describe(`handlers that declare ack and return a value (engine ${engine})`, { skip }, () => {
    const rig = new Rig<ClientToServer, ServerToClient>();
    const sockets: EventSocket<ClientToServer, ServerToClient>[] = [];
    let client: EventClient<ServerToClient, ClientToServer>;

    before(async () => {
      rig.io.onConnection((socket) => {
        sockets.push(socket);
        socket.on("returns", (n, _ack) => n * 2);
        socket.on("resolves", async (n, _ack) => {
          await sleep(1);
          return n + 1;
        });
        socket.on("ackFirst", (n, ack) => {
          ack(n);
          return n + 100;
        });
        socket.on("ackLater", (n, ack) => void setTimeout(() => ack(n * 3), 1));
        socket.on("ackAfterResolve", async (n, ack) => {
          setTimeout(() => ack(-1), 1);
          return await Promise.resolve(n);
        });
      });
      await rig.start(engine);
      client = await rig.client<ServerToClient, ClientToServer>({ logEventErrors: false });
      client.on("upper", (text, _ack) => text.toUpperCase());
      client.on("upperLater", async (text, _ack) => {
        await sleep(1);
        return `${text.toUpperCase()}!`;
      });
      await until(() => sockets.length === 1, 5_000, "the socket");
    });
    after(() => rig.stop());

    it("on the server: answers with the return value when ack was not called", async () => {
      // Before the fix these got no answer at all: the client's timeout (ACK_TIMEOUT) rejected.
      const timeout = { timeout: 5_000 };
      assert.equal(await client.emitWithAck("returns", 21, timeout), 42);
      assert.equal(await client.emitWithAck("resolves", 1, timeout), 2);
    });

    it("on the server: ack called before the return (or before the promise settled) wins", async () => {
      const timeout = { timeout: 5_000 };
      assert.equal(await client.emitWithAck("ackFirst", 7, timeout), 7);
      assert.equal(await client.emitWithAck("ackLater", 2, timeout), 6);
      assert.equal(await client.emitWithAck("ackAfterResolve", 5, timeout), 5);
      assert.equal(client.pendingAcks, 0);
    });

    it("on the client: answers the server with the return value when ack was not called", async () => {
      const socket = sockets[0]!;
      const timeout = { timeout: 5_000 };
      assert.equal(await within(socket.emitWithAck("upper", "hi", timeout), 6_000, "upper"), "HI");
      assert.equal(
        await within(socket.emitWithAck("upperLater", "yo", timeout), 6_000, "upperLater"),
        "YO!",
      );
    });
  });
}
