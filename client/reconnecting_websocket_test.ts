import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ClientError } from "./errors.ts";
import { ReconnectingWebSocket } from "./reconnecting_websocket.ts";
import { ReconnectingCloseEvent } from "./reconnecting_events.ts";
import { ReconnectingWebSocket as NodeReconnectingWebSocket } from "./mod.node.ts";
import type { ReconnectingWebSocketOptions } from "./reconnecting_websocket.ts";
import { sleep, until, within, WsWebSocket } from "./_helpers_test.ts";
import { ChildServer } from "./_child_server_test.ts";

const scope: { WebSocket?: typeof WebSocket } = globalThis;
/** The runtime's WebSocket; `ws`'s on Node 20, which has none. */
const PlainWebSocket = scope.WebSocket ?? (WsWebSocket as unknown as typeof WebSocket);
/**
 * Fast retries, over `ws`'s client on every runtime (the same real peer everywhere; Deno's own
 * WebSocket reports code 0 for a vanished server, a separate fix in native_transport.ts).
 */
const OPTIONS: ReconnectingWebSocketOptions = {
  backoff: { baseDelay: 5, maxDelay: 50 },
  closeTimeout: 1_000,
  WebSocket: WsWebSocket,
};

/** The part of the WebSocket API the app below uses. */
interface WebSocketApi {
  readonly readyState: number;
  readonly OPEN: number;
  binaryType: string;
  onopen: ((event: Event) => unknown) | null;
  onmessage: ((event: MessageEvent) => unknown) | null;
  addEventListener(type: "close", listener: (event: Event & { code: number }) => void): void;
  send(data: string | ArrayBufferView): void;
  close(): void;
}

/** What the app shows. */
interface ChatApp {
  opens: number;
  closes: number[];
  texts: string[];
  bytes: number[][];
  say(text: string): void;
}

/** A tiny chat app written for the WebSocket API, and nothing else. */
function chatApp(socket: WebSocketApi): ChatApp {
  const app: ChatApp = {
    opens: 0,
    closes: [],
    texts: [],
    bytes: [],
    say: (text) => socket.send(text), // the plain WebSocket drops it while closed
  };
  socket.binaryType = "arraybuffer";
  socket.onopen = () => {
    app.opens++;
    socket.send(`hello #${app.opens}`);
    socket.send(new Uint8Array([app.opens, 2, 3]));
  };
  socket.onmessage = (event) => {
    if (typeof event.data === "string") app.texts.push(event.data);
    else app.bytes.push([...new Uint8Array(event.data as ArrayBuffer)]);
  };
  socket.addEventListener("close", (event) => app.closes.push(event.code));
  return app;
}

describe("ReconnectingWebSocket against a ws server in a child process", () => {
  const servers: ChildServer[] = [];
  const sockets: { close(): void }[] = [];
  async function server(protocol?: string): Promise<ChildServer> {
    const created = new ChildServer(protocol);
    servers.push(created);
    await created.start();
    return created;
  }
  function reconnecting(url: string, protocols: string[] = []): ReconnectingWebSocket {
    const socket = new ReconnectingWebSocket(url, protocols, OPTIONS);
    sockets.push(socket);
    return socket;
  }

  after(async () => {
    for (const socket of sockets) socket.close();
    for (const s of servers) await s.kill();
  });

  it("the app works with the plain WebSocket, which stays closed after a server restart", async () => {
    const s = await server();
    const socket = new PlainWebSocket(s.url);
    sockets.push(socket);
    const app = chatApp(socket as unknown as WebSocketApi);
    await until(() => app.texts.length === 1 && app.bytes.length === 1, 5_000, "the echoes");
    assert.deepEqual(app.texts, ["hello #1"]);
    assert.deepEqual(app.bytes, [[1, 2, 3]]);
    // The child reports on stdout: its record of the open must be read before it dies.
    await until(() => s.opens === 1, 5_000, "the server's record of the open");
    await s.kill();
    await until(() => app.closes.length === 1, 5_000, "the close");
    await s.start(s.port);
    await sleep(300);
    assert.equal(socket.readyState, PlainWebSocket.CLOSED);
    assert.equal(app.opens, 1);
    assert.equal(s.opens, 1);
  });

  it("the same app with ReconnectingWebSocket swapped in survives a server restart", async () => {
    const s = await server();
    const socket = reconnecting(s.url);
    const app = chatApp(socket);
    const closes: ReconnectingCloseEvent[] = [];
    socket.addEventListener("close", (event) => closes.push(event));
    await until(() => app.texts.length === 1 && app.bytes.length === 1, 5_000, "the echoes");
    assert.equal(socket.readyState, ReconnectingWebSocket.OPEN);
    await until(() => s.opens === 1, 5_000, "the server's record of the open");
    await s.kill();
    await until(() => app.closes.length === 1, 5_000, "the close of the drop");
    assert.equal(closes[0]?.willReconnect, true);
    assert.equal(closes[0]?.wasClean, false);
    assert.equal(socket.readyState, ReconnectingWebSocket.CONNECTING);
    app.say("sent while down 1");
    app.say("sent while down 2");
    assert.ok(socket.bufferedAmount >= 34, `${socket.bufferedAmount} bytes buffered`);
    await s.start(s.port);
    // onopen sends text then bytes: the byte echo may trail the text one, wait for both.
    await until(
      () => app.texts.length === 4 && app.bytes.length === 2,
      10_000,
      "the echoes after the restart",
    );
    // Queued sends go out first, then what onopen sent.
    assert.deepEqual(app.texts, ["hello #1", "sent while down 1", "sent while down 2", "hello #2"]);
    assert.deepEqual(app.bytes, [[1, 2, 3], [2, 2, 3]]);
    // The child reports on stdout, which may trail the echoes on the socket.
    await until(() => s.received.length === 4, 5_000, "the server's record");
    assert.deepEqual(s.received, app.texts);
    assert.equal(app.opens, 2);
    assert.equal(s.opens, 2);
    assert.equal(socket.readyState, ReconnectingWebSocket.OPEN);
    assert.equal(socket.bufferedAmount, 0);
    assert.equal(app.closes.length, 1);
  });

  it("gives Blob or ArrayBuffer data by binaryType, in real Event and MessageEvent objects", async () => {
    const s = await server();
    const socket = reconnecting(s.url);
    const events: Event[] = [];
    const onMessage = (event: MessageEvent) => events.push(event);
    socket.addEventListener("message", onMessage);
    let opened: Event | undefined;
    let self: unknown;
    socket.onopen = function (event): void {
      opened = event;
      self = this;
    };
    await until(() => opened !== undefined, 5_000, "open");
    assert.ok(opened instanceof Event);
    assert.equal(opened.target, socket);
    assert.equal(self, socket);
    assert.equal(socket.binaryType, "blob");
    socket.send(new Uint8Array([1, 2, 3]));
    await until(() => events.length === 1, 5_000, "a blob");
    socket.binaryType = "arraybuffer";
    socket.send(new Uint8Array([4, 5]).buffer);
    socket.send("text");
    await until(() => events.length === 3, 5_000, "an ArrayBuffer and a text");
    const [blob, buffer, text] = events as MessageEvent[];
    assert.ok(blob instanceof MessageEvent && blob.data instanceof Blob);
    assert.deepEqual([...new Uint8Array(await blob.data.arrayBuffer())], [1, 2, 3]);
    assert.ok(buffer?.data instanceof ArrayBuffer);
    assert.deepEqual([...new Uint8Array(buffer.data)], [4, 5]);
    assert.equal(text?.data, "text");
    assert.equal(text?.type, "message");
    assert.equal(text?.target, socket);
    assert.equal(text?.origin, `ws://127.0.0.1:${s.port}`);
    socket.removeEventListener("message", onMessage);
    const viaHandler: unknown[] = [];
    socket.onmessage = (event) => viaHandler.push(event.data);
    socket.send("again");
    await until(() => viaHandler.length === 1, 5_000, "the handler");
    assert.equal(events.length, 3);
    assert.deepEqual(viaHandler, ["again"]);
  });

  it("close(): CLOSING, then one final close event; stays closed when the server is back", async () => {
    const s = await server();
    const socket = reconnecting(s.url);
    const closes: ReconnectingCloseEvent[] = [];
    socket.onclose = (event) => closes.push(event);
    await until(() => socket.readyState === socket.OPEN, 5_000, "open");
    socket.close(4000, "bye");
    assert.equal(socket.readyState, ReconnectingWebSocket.CLOSING);
    socket.send("discarded, as WebSocket does after close()");
    await until(() => closes.length === 1, 5_000, "the close");
    assert.equal(socket.readyState, ReconnectingWebSocket.CLOSED);
    assert.ok(closes[0] instanceof ReconnectingCloseEvent && closes[0] instanceof Event);
    assert.deepEqual(
      [closes[0].code, closes[0].reason, closes[0].wasClean, closes[0].willReconnect],
      [4000, "bye", true, false],
    );
    await until(() => s.opens === 1, 5_000, "the server's record of the open");
    await s.kill();
    await s.start(s.port);
    await sleep(300);
    assert.equal(s.opens, 1);
    assert.equal(closes.length, 1);
    assert.deepEqual(s.received, []);
  });

  it("close() during an outage: one final close event, no reconnection, queued sends dropped", async () => {
    const s = await server();
    const socket = reconnecting(s.url);
    const closes: ReconnectingCloseEvent[] = [];
    socket.onclose = (event) => closes.push(event);
    await until(() => socket.readyState === socket.OPEN, 5_000, "open");
    await until(() => s.opens === 1, 5_000, "the server's record of the open");
    await s.kill();
    await until(() => closes.length === 1, 5_000, "the drop");
    socket.send("never");
    socket.close();
    assert.equal(socket.readyState, ReconnectingWebSocket.CLOSED);
    await until(() => closes.length === 2, 5_000, "the final close");
    assert.equal(closes[1]?.willReconnect, false);
    assert.equal(closes[1]?.code, 1000);
    await s.start(s.port);
    await sleep(300);
    assert.equal(s.opens, 1);
    assert.deepEqual(s.received, []);
    assert.equal(closes.length, 2);
  });

  it("bounds the queue while reconnecting: QUEUE_FULL past maxMessages", async () => {
    const s = await server();
    const socket = new ReconnectingWebSocket(s.url, [], { ...OPTIONS, queue: { maxMessages: 2 } });
    sockets.push(socket);
    const errors: Error[] = [];
    socket.onerror = (event) => errors.push(event.error);
    await until(() => socket.readyState === socket.OPEN, 5_000, "open");
    await until(() => s.opens === 1, 5_000, "the server's record of the open");
    await s.kill();
    await until(() => socket.readyState === socket.CONNECTING, 5_000, "the drop");
    socket.send("a");
    socket.send("b");
    assert.throws(() => socket.send("c"), (error) => {
      return error instanceof ClientError && error.code === "QUEUE_FULL";
    });
    assert.equal(socket.bufferedAmount, 2);
    await s.start(s.port);
    await until(() => s.received.length === 2, 5_000, "the queued sends");
    assert.deepEqual(s.received, ["a", "b"]);
    assert.ok(errors.every((error) => error instanceof Error));
  });

  it("reports the negotiated protocol and the URL", async () => {
    const s = await server("chat.v2");
    const socket = reconnecting(s.url, ["chat.v1", "chat.v2"]);
    assert.equal(socket.url, s.url);
    assert.equal(socket.protocol, "");
    await until(() => socket.readyState === socket.OPEN, 5_000, "open");
    assert.equal(socket.protocol, "chat.v2");
    assert.equal(typeof socket.extensions, "string");
  });

  it("from client/mod.node.ts, connects on a runtime without a global WebSocket", {
    skip: scope.WebSocket !== undefined ? "this runtime has a global WebSocket" : false,
  }, async () => {
    const s = await server();
    const socket = new NodeReconnectingWebSocket(s.url, [], { backoff: { baseDelay: 5 } });
    sockets.push(socket);
    const texts: string[] = [];
    socket.onmessage = (event) => texts.push(event.data as string);
    socket.onopen = () => socket.send("over tcp");
    await within(until(() => texts.length === 1, 5_000, "the echo"), 6_000, "the echo");
    assert.deepEqual(texts, ["over tcp"]);
  });
});
