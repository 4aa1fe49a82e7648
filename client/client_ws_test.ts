import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { WirelyClient } from "./client.ts";
import { createClosePolicy } from "./close_policy.ts";
import { HEARTBEAT_PING, HEARTBEAT_PONG } from "./heartbeat.ts";
import type { Message } from "../codec/message.ts";
import {
  nextEvent,
  reachState,
  recordEvents,
  sleep,
  take,
  until,
  within,
  WsWebSocket,
} from "./_helpers_test.ts";
import { FAST_RETRY, startServer, startSilentServer, track } from "./_servers_test.ts";
import { heartbeat } from "./heartbeat.ts";
import { onJson, sendJson } from "./json.ts";
import { messages } from "./messages.ts";
import { opened } from "./lifecycle.ts";

describe("WirelyClient against ws's server", () => {
  const tracked = track({ WebSocket: WsWebSocket, ...FAST_RETRY });
  const client = tracked.client;
  after(() => tracked.cleanup());

  it("echoes text, JSON and binary; binary arrives as Uint8Array", async () => {
    const server = await tracked.server();
    const c = client(server.url);
    await within(opened(c), 2_000, "open");
    const json: unknown[] = [];
    onJson(c, (value) => json.push(value), () => {}); // the plain "hello" echo is not JSON
    const replies = take(c, 6);
    const bytes = new Uint8Array([0, 1, 2, 255]);
    c.send("hello");
    sendJson(c, { a: [1, "b"] });
    c.send(bytes);
    c.send(bytes.buffer.slice(1, 3));
    c.send(new DataView(bytes.buffer, 2, 2));
    c.send(new Blob([new Uint8Array([7, 7])]));
    const got = await replies;
    assert.deepEqual(got, [
      { type: "text", data: "hello" },
      { type: "text", data: '{"a":[1,"b"]}' },
      { type: "binary", data: new Uint8Array([0, 1, 2, 255]) },
      { type: "binary", data: new Uint8Array([1, 2]) },
      { type: "binary", data: new Uint8Array([2, 255]) },
      { type: "binary", data: new Uint8Array([7, 7]) },
    ]);
    assert.ok(got.every((m) => m.type === "text" || m.data.constructor === Uint8Array));
    assert.deepEqual(json, [{ a: [1, "b"] }]); // "hello" is not JSON: an error event instead
    c.close();
    await reachState(c, "closed");
  });

  it("reads messages with for await", async () => {
    const server = await tracked.server();
    const c = client(server.url);
    for (const text of ["one", "two", "three"]) c.send(text);
    const seen: string[] = [];
    await within(
      (async () => {
        for await (const message of messages(c)) {
          if (message.type === "text") seen.push(message.data);
          if (seen.length === 3) break;
        }
      })(),
      2_000,
      "the loop",
    );
    assert.deepEqual(seen, ["one", "two", "three"]);
    c.close();
  });

  it("negotiates a subprotocol and calls the URL function for each attempt", async () => {
    const server = await tracked.server(undefined, 0, { protocols: ["chat.v2"] });
    let n = 0;
    const c = client(() => `${server.url}/live?token=t${++n}`, {
      protocols: ["chat.v1", "chat.v2"],
    });
    assert.equal(c.protocol, "");
    const open = await nextEvent(c, "open");
    assert.equal(open.protocol, "chat.v2");
    assert.equal(c.protocol, "chat.v2");
    assert.equal(server.connections[0], "/live?token=t1");
    for (const socket of server.wss.clients) socket.close(1012, "restart");
    await reachState(c, "reconnecting");
    assert.equal(c.protocol, "");
    const reopened = await nextEvent(c, "open");
    assert.equal(reopened.reconnected, true);
    assert.equal(server.connections[1], "/live?token=t2");
    c.close();
  });

  it("kill and restart on the same port: queued sends arrive exactly once and in order", async () => {
    const first = await startServer();
    const port = first.port;
    const c = client(first.url, { backoff: { baseDelay: 10, maxDelay: 40 } });
    const log = recordEvents(c);
    await within(opened(c), 2_000, "open");
    const echoed = take(c, 5);
    for (let i = 0; i < 5; i++) c.send(`live${i}`);
    await echoed;
    await first.kill();
    await reachState(c, "reconnecting");
    for (let i = 0; i < 20; i++) c.send(`queued${i}`);
    assert.equal(c.queuedMessages, 20);
    await until(
      () => log.filter((e) => e.startsWith("reconnecting:")).length >= 2,
      2_000,
      "retries",
    );
    const second = await tracked.server(undefined, port);
    await until(() => second.received.length >= 20, 3_000, "the queued messages");
    c.send("after");
    await until(() => second.received.length >= 21, 2_000, "the newer message");
    await sleep(50); // room for a duplicate to show up
    assert.deepEqual(first.received, ["live0", "live1", "live2", "live3", "live4"]);
    assert.deepEqual(second.received, [
      ...Array.from({ length: 20 }, (_, i) => `queued${i}`),
      "after",
    ]);
    assert.equal(c.queuedMessages, 0);
    c.close();
  });

  it("retries or stops by close code as documented", async () => {
    const server = await tracked.server((socket, path) => {
      const code = path.split("/")[2];
      if (code === "none") socket.close();
      else socket.close(Number(code), "bye");
    });
    const cases: [string, number, boolean][] = [
      ["none", 1005, true],
      ["1000", 1000, false],
      ["1001", 1001, true],
      ["1002", 1002, false],
      ["1003", 1003, false],
      ["1007", 1007, false],
      ["1008", 1008, false],
      ["1009", 1009, false],
      ["1010", 1010, false],
      ["1011", 1011, true],
      ["1012", 1012, true],
      ["1013", 1013, true],
      ["1014", 1014, true],
      ["3000", 3000, false],
      ["3008", 3008, true],
      ["4000", 4000, true],
      ["4499", 4499, true],
      ["4500", 4500, false],
      ["4999", 4999, false],
    ];
    for (const [path, code, retries] of cases) {
      const url = `${server.url}/close/${path}`;
      const count = () => server.connections.filter((p) => p === `/close/${path}`).length;
      const c = client(url, { closePolicy: createClosePolicy({ tryAgainLaterDelay: 5 }) });
      const closed = await nextEvent(c, "close");
      assert.equal(closed.code, code, `code for ${path}`);
      assert.equal(closed.opened, true);
      assert.equal(closed.willReconnect, retries, `decision for ${code}`);
      if (retries) {
        await until(() => count() >= 2, 2_000, `a retry after ${code}`);
        c.close();
      } else {
        assert.equal(c.state, "closed");
        await sleep(30);
        assert.equal(count(), 1, `no retry after ${code}`);
      }
    }
  });

  it("fails an attempt against a server that accepts TCP but never answers", async () => {
    const silent = await startSilentServer();
    try {
      const c = client(silent.url, {
        connectTimeout: 100,
        backoff: { maxRetries: 1, baseDelay: 5 },
      });
      const log = recordEvents(c);
      const started = Date.now();
      await reachState(c, "closed", 3_000);
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 190, `gave up after ${elapsed} ms, before two connect timeouts`);
      assert.equal(silent.accepted(), 2);
      assert.deepEqual(log.filter((e) => !e.startsWith("state:")), [
        "error:CONNECT_TIMEOUT",
        "close:1006:attempt:retry",
        log.find((e) => e.startsWith("reconnecting:1:")),
        "error:CONNECT_TIMEOUT",
        "error:MAX_RETRIES",
        "close:1006:attempt:stop",
      ]);
    } finally {
      await silent.stop();
    }
  });

  it("close() during connecting stops at once and never reconnects", async () => {
    const silent = await startSilentServer();
    try {
      const c = client(silent.url, { connectTimeout: 5_000 });
      await reachState(c, "connecting");
      await until(() => silent.accepted() === 1, 2_000, "the TCP connection");
      const open = opened(c);
      c.close();
      assert.equal(c.state, "closed");
      await assert.rejects(open, { code: "CLOSED" });
      await sleep(50);
      assert.equal(silent.accepted(), 1);
    } finally {
      await silent.stop();
    }
  });

  it("close() while open sends the close code and reason, then never reconnects", async () => {
    let closeSeen: [number, string] | undefined;
    const server = await tracked.server((socket) => {
      socket.on("close", (code, reason) => {
        closeSeen = [code, reason.toString()];
      });
    });
    const c = client(server.url);
    await within(opened(c), 2_000, "open");
    c.close(4001, "done");
    assert.equal(c.state, "closing");
    await reachState(c, "closed");
    await until(() => closeSeen !== undefined, 2_000, "the server's close event");
    assert.deepEqual(closeSeen, [4001, "done"]);
    await sleep(30);
    assert.equal(server.connections.length, 1);
  });

  it("onJson without onError logs the first invalid JSON once and never throws", async () => {
    const server = await tracked.server((socket) => {
      socket.send("{oops");
      socket.send("not json either");
      socket.send('{"ok":true}');
    });
    const logged: unknown[][] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => logged.push(args);
    try {
      const c = client(server.url);
      const values: unknown[] = [];
      onJson(c, (value) => values.push(value));
      await until(() => values.length === 1, 2_000, "the valid JSON");
      assert.deepEqual(values, [{ ok: true }]);
      assert.equal(logged.length, 1);
      assert.match(String(logged[0]?.[0]), /not JSON/);
      assert.equal((logged[0]?.[1] as { code?: string }).code, "INVALID_JSON");
      assert.equal(c.state, "open");
      c.close();
    } finally {
      console.error = original;
    }
  });

  it("reports invalid JSON from the server to onJson's onError, without crashing", async () => {
    const server = await tracked.server((socket) => {
      socket.send("{oops");
      socket.send('{"ok":true}');
    });
    const c = client(server.url);
    const values: unknown[] = [];
    const errors: string[] = [];
    onJson(c, (value) => values.push(value), (error) => errors.push(error.code));
    await until(() => values.length === 1, 2_000, "the valid JSON");
    assert.deepEqual(values, [{ ok: true }]);
    assert.deepEqual(errors, ["INVALID_JSON"]);
    assert.equal(c.state, "open");
    c.close();
  });

  it("keeps a connection alive with the heartbeat when the server answers", async () => {
    let pings = 0;
    const server = await tracked.server((socket) => {
      socket.on("message", (data) => {
        if (data.toString() === HEARTBEAT_PING) {
          pings++;
          socket.send(HEARTBEAT_PONG);
        }
      });
    });
    const c = client(server.url, { heartbeat: heartbeat({ interval: 20, timeout: 300 }) });
    const messages: Message[] = [];
    c.on("message", (message) => messages.push(message));
    await within(opened(c), 2_000, "open");
    await until(() => pings >= 3, 2_000, "three pings");
    assert.equal(c.state, "open");
    assert.deepEqual(messages, []);
    assert.equal(server.connections.length, 1);
    c.close();
  });

  it("drops and retries a connection that stops answering", async () => {
    const server = await tracked.server(() => {}); // accepts, then ignores everything
    const c = client(server.url, { heartbeat: heartbeat({ interval: 20, timeout: 50 }) });
    const log = recordEvents(c);
    await within(opened(c), 2_000, "open");
    await until(() => server.connections.length >= 2, 2_000, "a new connection");
    assert.ok(log.includes("error:HEARTBEAT_TIMEOUT"));
    assert.ok(log.includes("close:1006:opened:retry"));
    c.close();
  });
});

const scope: { WebSocket?: unknown } = globalThis;
describe("WirelyClient with the runtime's global WebSocket", {
  skip: typeof scope.WebSocket !== "function" ? "no global WebSocket here" : false,
}, () => {
  it("echoes text and binary through the default transport", async () => {
    const server = await startServer();
    try {
      const c = new WirelyClient(server.url, { backoff: { baseDelay: 5 } });
      c.send("hi");
      c.send(new Uint8Array([1, 2, 3]));
      const got = await take(c, 2);
      assert.deepEqual(got, [
        { type: "text", data: "hi" },
        { type: "binary", data: new Uint8Array([1, 2, 3]) },
      ]);
      c.close();
      await reachState(c, "closed");
    } finally {
      await server.kill();
    }
  });
});
