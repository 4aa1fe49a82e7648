// NativeTransport with a fake native WebSocket: runs on every runtime (no Deno needed).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ServerCore } from "./core.ts";
import { type NativeListener, NativeTransport, type NativeWebSocket } from "./native_transport.ts";
import type { CloseInfo, ServerConnection, ServerOptions } from "./mod.ts";
import { until } from "./_helpers_test.ts";

/** Records what the adapter does to the native socket; the test fires its events. */
class FakeNative implements NativeWebSocket {
  readyState = 1;
  bufferedAmount = 0;
  binaryType: "blob" | "arraybuffer" = "arraybuffer";
  readonly listeners: { type: string; listener: NativeListener }[] = [];
  readonly sent: (string | Uint8Array)[] = [];
  readonly closes: (number | string | undefined)[][] = [];

  addEventListener(type: string, listener: NativeListener): void {
    this.listeners.push({ type, listener });
  }
  /** Dispatches an event to the listeners of its type. */
  dispatch(event: { type: string; data?: unknown; code?: number; reason?: string }): void {
    for (const entry of this.listeners) {
      if (entry.type === event.type) entry.listener.handleEvent(event);
    }
  }
  /** A message from the peer. */
  message(data: unknown): void {
    this.dispatch({ type: "message", data });
  }
  send(data: string | Uint8Array): void {
    this.sent.push(typeof data === "string" ? data : data.slice());
  }
  close(code?: number, reason?: string): void {
    this.closes.push([code, reason]);
    this.readyState = 2;
  }
  /** The peer's close arrives (after ours, or first). */
  peerClose(code: number, reason = ""): void {
    this.readyState = 3;
    this.dispatch({ type: "close", code, reason });
  }
}

function open(options: ServerOptions = {}): {
  native: FakeNative;
  conn: ServerConnection;
  closes: CloseInfo[];
  core: ServerCore<undefined>;
} {
  const closes: CloseInfo[] = [];
  const core = new ServerCore<undefined>({
    heartbeat: { interval: 0 },
    onClose: (_conn, info) => {
      closes.push(info);
    },
    ...options,
  });
  const native = new FakeNative();
  const request = {
    method: "GET",
    url: new URL("http://localhost/"),
    headers: new Headers(),
    remoteAddress: undefined,
  };
  const conn = core.open(new NativeTransport(native, core.limits), request, "", undefined);
  return { native, conn, closes, core };
}

describe("NativeTransport", () => {
  it("delivers native messages whole and sends replies as messages", () => {
    const { native } = open({ onMessage: (conn, message) => conn.send(message.data) });
    native.message("héllo");
    native.message(new Uint8Array([1, 2, 3]).buffer);
    native.message("");
    assert.deepEqual(native.sent, ["héllo", new Uint8Array([1, 2, 3]), ""]);
  });

  it("closes with 1009 past maxMessageSize, for text and binary", () => {
    for (const data of ["x".repeat(11), "é".repeat(6), new ArrayBuffer(11)]) {
      const { native } = open({
        limits: { maxMessageSize: 10 },
        onMessage: () => assert.fail("delivered"),
      });
      native.message(data);
      assert.equal(native.closes[0]?.[0], 1009);
      native.peerClose(1009); // ends the closing handshake (and its timer)
    }
  });

  it("sends a server close with its code and completes the handshake on the peer's", async () => {
    const { native, conn, closes } = open();
    conn.close(4000, "done");
    assert.deepEqual(native.closes, [[4000, "done"]]);
    assert.equal(conn.state, "closing");
    native.peerClose(4000, "done");
    await until(() => closes.length === 1, 1_000, "close hook");
    assert.deepEqual(closes, [{ code: 4000, reason: "done", wasClean: true }]);
    assert.equal(conn.state, "closed");
  });

  it("reports the peer's close code and a close without code as 1005", async () => {
    const first = open();
    first.native.peerClose(4001, "bye");
    const second = open();
    second.native.peerClose(1005);
    const third = open();
    third.native.peerClose(1006);
    await until(
      () => first.closes.length + second.closes.length + third.closes.length === 3,
      1_000,
      "three close hooks",
    );
    assert.deepEqual(first.closes, [{ code: 4001, reason: "bye", wasClean: true }]);
    assert.equal(second.closes[0]?.code, 1005);
    assert.deepEqual(third.closes, [{ code: 1006, reason: "", wasClean: false }]);
    // A code no peer may send, with and without a reason: a protocol error, as the codec decides.
    for (const reason of ["", "why"]) {
      const bad = open();
      bad.native.peerClose(1004, reason);
      await until(() => bad.closes.length === 1, 1_000, "close hook");
      assert.deepEqual(bad.closes, [{ code: 1002, reason: "", wasClean: false }]);
    }
  });

  it("cannot ping (ping() sends nothing) and answers the heartbeat message", () => {
    const { native, conn } = open({ onMessage: () => assert.fail("delivered") });
    assert.equal(conn.canPing, false);
    conn.ping(new Uint8Array([1]));
    assert.deepEqual(native.sent, []);
    native.message('{"type":"wirely:ping"}');
    assert.deepEqual(native.sent, ['{"type":"wirely:pong"}']);
  });

  it("returns false while the native buffer is full and fires drain once it empties", async () => {
    const { native, conn } = open();
    let drains = 0;
    conn.on("drain", () => {
      drains++;
    });
    // Deno's buffer only grows by what is sent: a send that may reach the high-water mark reads it.
    assert.equal(conn.send("x"), true);
    native.bufferedAmount = 100_000;
    assert.equal(conn.send("x".repeat(6_000)), false);
    assert.equal(conn.bufferedAmount, 100_000);
    native.bufferedAmount = 0;
    await until(() => drains === 1, 1_000, "drain");
    conn.terminate();
  });

  it("terminate() releases the connection once, even if the native close event follows", async () => {
    const { native, conn, closes } = open();
    conn.terminate();
    native.peerClose(1006);
    await until(() => closes.length === 1, 1_000, "close hook");
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(closes.length, 1);
    assert.equal(conn.state, "closed");
  });
});
