// A broadcast with permessage-deflate compresses once per set of settings, not once per receiver:
// a counting compressor injected into the codec engine's core, ws clients over real sockets with
// the same settings, other settings (a smaller window) and no compression.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type WebSocket from "ws";
import type { DeflateBinding } from "../codec/permessage_deflate.ts";
import { zlibDeflate } from "../deflate/zlib.node.ts";
import { ServerCore } from "./core.ts";
import { handleUpgrade } from "./node_server.ts";
import { messages, openWs } from "./_helpers_test.ts";

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("broadcast with permessage-deflate", () => {
  it("compresses once per settings for N receivers in a room", async () => {
    const calls: number[] = [];
    const counting: DeflateBinding = {
      deflate: (data, options) => {
        calls.push(options.windowBits);
        return zlibDeflate.deflate(data, options);
      },
      inflate: (data, options) => zlibDeflate.inflate(data, options),
    };
    const core = new ServerCore<undefined>({
      heartbeat: { interval: 0 },
      onOpen: (conn) => conn.join("room"),
    }, counting);
    const http = createServer();
    http.on("upgrade", (request, socket, head) => handleUpgrade(core, request, socket, head));
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => http.close(resolve)));
    cleanups.push(() => core.close());
    const url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/`;
    const clients: WebSocket[] = [];
    const open = async (options: WebSocket.ClientOptions): Promise<WebSocket> => {
      const ws = await openWs(url, undefined, options);
      cleanups.push(() => ws.terminate());
      clients.push(ws);
      return ws;
    };
    const same = [];
    for (let i = 0; i < 5; i++) same.push(await open({ perMessageDeflate: true }));
    const smaller = await open({ perMessageDeflate: { serverMaxWindowBits: 10 } });
    const plain = await open({ perMessageDeflate: false });
    const message = "broadcast ".repeat(1000);
    assert.equal(core.broadcast(message, { room: "room" }), 7);
    for (const ws of clients) {
      const got = await messages(ws).next();
      assert.equal(new TextDecoder().decode(got.data), message);
    }
    // Once for the five with the default window, once for the one with 10 bits; none for plain.
    assert.deepEqual(calls.sort(), [10, 15]);
    // npm ws's socket counts the bytes read (Bun's built-in ws, which replaces it, does not).
    const read = (ws: WebSocket): number | undefined =>
      (ws as unknown as { _socket?: { bytesRead?: number } })._socket?.bytesRead;
    if (read(plain) !== undefined) {
      assert.ok(read(same[0]!)! < read(plain)! - 5_000, "compressed frames went to the first five");
      assert.ok(read(smaller)! < read(plain)! - 5_000, "a compressed frame went to the sixth");
    }
    // A small message (under the 1024-byte threshold) is not compressed at all.
    core.broadcast("tiny", { room: "room" });
    for (const ws of clients) await messages(ws).next();
    assert.equal(calls.length, 2);
  });
});
