// The public binding API, used the way a third-party adapter would: a binding written in this
// test on a plain node:http server, with createServerHandle(), a ByteSocket over the upgraded
// TCP socket (the codec on top) and, separately, a ServerTransport of its own; a real `ws`
// client on the other end.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo, Socket as NetSocket } from "node:net";
import type { Duplex } from "node:stream";
import { computeAccept } from "../codec/mod.ts";
import {
  type ByteSocket,
  type ByteSocketHandlers,
  createServerHandle,
  type ServerHandle,
  type UpgradeRequest,
} from "./mod.ts";
import { messages, openWs, refused, within, wsClosed } from "./_helpers_test.ts";

/** The smallest ByteSocket over a node:net socket. */
function byteSocket(socket: NetSocket): ByteSocket {
  return {
    get bufferedAmount() {
      return socket.writableLength;
    },
    write: (chunks) => {
      let ok = true;
      for (const chunk of chunks) ok = socket.write(chunk);
      return ok;
    },
    end: () => void socket.end(),
    destroy: () => void socket.destroy(),
    pause: () => void socket.pause(),
    resume: () => void socket.resume(),
    listen: (handlers: ByteSocketHandlers) => {
      socket.on("data", (chunk: Uint8Array) => handlers.data(chunk));
      socket.on("end", () => handlers.end());
      socket.on("drain", () => handlers.drain());
      socket.on("close", () => handlers.closed());
    },
  };
}

/** A binding of this test's own: every upgrade goes through the handle. */
async function listen(handle: ServerHandle): Promise<{ url: string; stop(): Promise<void> }> {
  const server = http.createServer();
  server.on("upgrade", async (message: http.IncomingMessage, duplex: Duplex) => {
    const socket = duplex as NetSocket;
    socket.on("error", () => {});
    const headers = new Headers();
    for (let i = 0; i + 1 < message.rawHeaders.length; i += 2) {
      headers.append(message.rawHeaders[i]!, message.rawHeaders[i + 1]!);
    }
    const request: UpgradeRequest = {
      method: message.method ?? "GET",
      url: new URL(message.url ?? "/", "http://localhost"),
      headers,
      remoteAddress: socket.remoteAddress,
    };
    const decision = await handle.negotiate(request);
    if (!decision.accept) {
      const lines = [...decision.headers].map(([name, value]) => `${name}: ${value}\r\n`);
      socket.end(
        `HTTP/1.1 ${decision.status} ${decision.reason}\r\n${lines.join("")}\r\n${decision.body}`,
      );
      return;
    }
    socket.write(
      "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n" +
        `sec-websocket-accept: ${computeAccept(decision.key)}\r\n\r\n`,
    );
    handle.openBytes(byteSocket(socket), request, decision);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/`,
    stop: async () => {
      await handle.close();
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("createServerHandle() in a binding written outside wirely", () => {
  it("echoes over a ByteSocket, refuses by policy, and closes peers with 1001", async () => {
    const handle = createServerHandle({
      handshake: { origins: ["https://good.example"] },
      heartbeat: { interval: 0 },
      onMessage: (conn, message) => conn.send(message.data),
    });
    const binding = await listen(handle);
    try {
      const bad = await refused(binding.url, undefined, { origin: "https://evil.example" });
      assert.equal(bad.status, 403);
      const ws = await openWs(binding.url, undefined, { origin: "https://good.example" });
      const inbox = messages(ws);
      ws.send("hi");
      assert.equal(new TextDecoder().decode((await inbox.next()).data), "hi");
      assert.equal(handle.clients.size, 1);
      const closed = wsClosed(ws);
      await within(binding.stop(), 5_000, "binding stop");
      assert.equal((await closed).code, 1001);
    } finally {
      await within(binding.stop(), 5_000, "binding stop");
    }
  });

  it("runs a connection over a message transport of its own", async () => {
    const sent: (string | Uint8Array)[] = [];
    const handle = createServerHandle({
      heartbeat: { interval: 0 },
      onMessage: (conn, message) => conn.send(`echo ${String(message.data)}`),
    });
    const request: UpgradeRequest = {
      method: "GET",
      url: new URL("http://localhost/"),
      headers: new Headers({
        host: "localhost",
        upgrade: "websocket",
        connection: "Upgrade",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version": "13",
      }),
      remoteAddress: undefined,
    };
    const decision = await handle.negotiate(request);
    assert.ok(decision.accept);
    let state: "open" | "closing" | "closed" = "open";
    let deliver: ((data: string) => void) | undefined;
    let closed: ((code: number) => void) | undefined;
    const conn = handle.open(
      {
        get state() {
          return state;
        },
        bufferedAmount: 0,
        bytesReceived: 0,
        canPing: false,
        listen: (events) => {
          deliver = (data) => events.message({ type: "text", data });
          closed = (code) => {
            state = "closed";
            events.closed({ code, reason: "", wasClean: true });
          };
        },
        send: (data) => sent.push(data) > 0,
        sendPrepared: (message) => sent.push(message.text) > 0,
        ping: () => {},
        close: (code) => {
          state = "closing";
          queueMicrotask(() => closed?.(code));
        },
        terminate: () => closed?.(1006),
        pauseReading: () => {},
      },
      request,
      decision,
    );
    deliver?.("one");
    handle.broadcast("to all");
    assert.deepEqual(sent, ["echo one", "to all"]);
    await within(handle.close(), 5_000, "handle close");
    assert.equal(conn.state, "closed");
    assert.equal(handle.clients.size, 0);
  });
});
