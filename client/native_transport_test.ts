import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { nativeTransport, type WebSocketLike } from "./native_transport.ts";
import type { TransportEvent } from "./transport.ts";

type Listener = (event: never) => void;

/** A scripted stand-in for a WebSocket constructor. */
class FakeSocket implements WebSocketLike {
  static last: FakeSocket | undefined;
  binaryType = "blob";
  bufferedAmount = 42;
  protocol = "chat";
  extensions = "";
  readonly url: string;
  readonly protocols: string | string[] | undefined;
  readonly sent: unknown[] = [];
  readonly closes: unknown[][] = [];
  readonly #listeners = new Map<string, Listener[]>();

  constructor(url: string, protocols?: string | string[]) {
    this.url = url;
    this.protocols = protocols;
    FakeSocket.last = this;
  }

  send(data: string | ArrayBuffer | ArrayBufferView | Blob): void {
    this.sent.push(data);
  }

  close(...args: unknown[]): void {
    this.closes.push(args);
  }

  addEventListener(type: string, listener: Listener): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }

  fire(type: string, event: unknown): void {
    for (const listener of this.#listeners.get(type) ?? []) {
      (listener as (e: unknown) => void)(event);
    }
  }
}

function connect(protocols: string[] = []): { socket: FakeSocket; events: TransportEvent[] } {
  const events: TransportEvent[] = [];
  const factory = nativeTransport({ WebSocket: FakeSocket });
  const transport = factory.connect("ws://x/", protocols, (event) => events.push(event));
  const socket = FakeSocket.last!;
  transport.send("out");
  assert.equal(transport.bufferedAmount, 42);
  return { socket, events };
}

describe("nativeTransport", () => {
  it("sets binaryType to arraybuffer and offers protocols only when there are some", () => {
    const { socket } = connect();
    assert.equal(socket.binaryType, "arraybuffer");
    assert.equal(socket.protocols, undefined);
    assert.deepEqual(connect(["a", "b"]).socket.protocols, ["a", "b"]);
  });

  it("delivers text as string and binary as Uint8Array", () => {
    const { socket, events } = connect();
    socket.fire("open", {});
    socket.fire("message", { data: "hi" });
    socket.fire("message", { data: new Uint8Array([1, 2, 3]).buffer });
    socket.fire("message", { data: new Uint8Array([9, 8, 7, 6]).subarray(1, 3) });
    assert.deepEqual(events, [
      { type: "open", protocol: "chat", extensions: "" },
      { type: "message", data: "hi" },
      { type: "message", data: new Uint8Array([1, 2, 3]) },
      { type: "message", data: new Uint8Array([8, 7]) },
    ]);
  });

  it("reports data it cannot read as UNSUPPORTED_DATA", () => {
    const { socket, events } = connect();
    socket.fire("message", { data: new Blob(["x"]) });
    assert.equal(events[0]?.type, "error");
    assert.equal(
      events[0]?.type === "error" && "code" in events[0].error && events[0].error.code,
      "UNSUPPORTED_DATA",
    );
  });

  it("wraps error events as TRANSPORT_ERROR with the cause", () => {
    const { socket, events } = connect();
    const cause = new Error("ECONNREFUSED");
    socket.fire("error", { error: cause, message: "connect ECONNREFUSED" });
    const event = events[0];
    assert.ok(event?.type === "error");
    assert.equal(event.error.message, "connect ECONNREFUSED");
    assert.equal(event.error.cause, cause);
  });

  it("ends with close and then stays quiet", () => {
    const { socket, events } = connect();
    socket.fire("close", { code: 1006, reason: "", wasClean: false });
    socket.fire("message", { data: "late" });
    assert.deepEqual(events, [{ type: "close", code: 1006, reason: "", wasClean: false }]);
  });

  it("reports an unclean close with a code outside 1000-4999 (Deno's 0) as 1006", () => {
    for (const code of [0, 999, 5000, 1005.5]) {
      const { socket, events } = connect();
      socket.fire("close", { code, reason: "", wasClean: false });
      assert.deepEqual(events, [{ type: "close", code: 1006, reason: "", wasClean: false }]);
    }
    const { socket, events } = connect();
    socket.fire("close", { code: 4999, reason: "app", wasClean: false });
    assert.deepEqual(events, [{ type: "close", code: 4999, reason: "app", wasClean: false }]);
  });

  it("ends an attempt whose socket stays CONNECTING after an error (undici) with 1006", async () => {
    const { socket, events } = connect();
    Object.assign(socket, { readyState: 0 });
    socket.fire("error", {});
    assert.deepEqual(events.map((event) => event.type), ["error"]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(events.at(-1), { type: "close", code: 1006, reason: "", wasClean: false });
    socket.fire("close", { code: 1006, reason: "", wasClean: false });
    assert.equal(events.length, 2);
    assert.deepEqual(socket.closes, [[]]);
  });

  it("waits for the runtime's own close after an error when the socket is CLOSED", async () => {
    const { socket, events } = connect();
    Object.assign(socket, { readyState: 3 });
    socket.fire("error", {});
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(events.map((event) => event.type), ["error"]);
    socket.fire("close", { code: 1002, reason: "", wasClean: false });
    assert.deepEqual(events.at(-1), { type: "close", code: 1002, reason: "", wasClean: false });
  });

  it("close() passes code and reason; abort() closes without a code and mutes events", () => {
    const events: TransportEvent[] = [];
    const transport = nativeTransport({ WebSocket: FakeSocket }).connect(
      "ws://x/",
      [],
      (event) => events.push(event),
    );
    const socket = FakeSocket.last!;
    transport.close(4000, "bye");
    transport.close();
    transport.abort();
    assert.deepEqual(socket.closes, [[4000, "bye"], [], []]);
    socket.fire("close", { code: 1005, reason: "", wasClean: true });
    assert.deepEqual(events, []);
  });

  it("throws TypeError without a constructor when there is no global WebSocket", () => {
    const scope: { WebSocket?: unknown } = globalThis;
    const saved = scope.WebSocket;
    scope.WebSocket = undefined;
    try {
      assert.throws(() => nativeTransport(), {
        name: "TypeError",
        message: "No global WebSocket: pass { WebSocket } or tcpTransport()",
      });
    } finally {
      scope.WebSocket = saved;
    }
  });
});
