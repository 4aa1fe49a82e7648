import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ClientError } from "./errors.ts";
import type { QueuedMessage } from "./queue.ts";
import { fakeClient, flush } from "./_helpers_test.ts";
import { sendJson } from "./json.ts";

const setup = fakeClient;

describe("WirelyClient offline queue", () => {
  it("flushes sends made before open, in order, before sends made by open handlers", async () => {
    const { client, transport } = setup();
    client.send("1");
    sendJson(client, { n: 2 });
    client.on("state", ({ state }) => {
      if (state === "open") client.send("from state handler");
    });
    client.on("open", () => client.send("from open handler"));
    await flush();
    client.send("3");
    assert.equal(client.queuedMessages, 3);
    transport.last.open();
    assert.deepEqual(transport.last.sent, [
      "1",
      '{"n":2}',
      "3",
      "from state handler",
      "from open handler",
    ]);
    assert.equal(client.queuedMessages, 0);
    assert.equal(client.queuedBytes, 0);
    client.close();
  });

  it("queues sends made while reconnecting and sends each exactly once on the next connection", async () => {
    const { client, transport, clock } = setup();
    await flush();
    transport.last.open();
    client.send("live");
    transport.last.end(1006);
    for (let i = 0; i < 5; i++) client.send(`q${i}`);
    clock.advance(500);
    transport.last.end(1006); // this attempt fails before opening: nothing sent on it
    assert.deepEqual(transport.attempts[1]?.sent, []);
    clock.advance(1_000);
    transport.last.open();
    client.send("after");
    assert.deepEqual(transport.attempts[0]?.sent, ["live"]);
    assert.deepEqual(transport.last.sent, ["q0", "q1", "q2", "q3", "q4", "after"]);
    client.close();
  });

  it("drops volatile sends when not open and returns false", async () => {
    const { client, transport } = setup();
    assert.equal(client.send("cursor", { volatile: true }), false);
    assert.equal(client.queuedMessages, 0);
    await flush();
    transport.last.open();
    assert.equal(client.send("cursor", { volatile: true }), true);
    assert.deepEqual(transport.last.sent, ["cursor"]);
    client.close();
  });

  it("reports expired messages and never sends them", async () => {
    const { client, transport, clock, log } = setup();
    const expired: QueuedMessage[] = [];
    client.on("expired", (entries) => expired.push(...entries));
    client.send("short", { ttl: 100 });
    client.send("long", { ttl: 10_000 });
    client.send("forever");
    await flush();
    clock.advance(100);
    transport.last.open();
    assert.deepEqual(transport.last.sent, ["long", "forever"]);
    assert.deepEqual(expired.map((entry) => entry.data), ["short"]);
    assert.ok(log.indexOf("expired:1") < log.indexOf("open:false"));
    client.close();
  });

  it("throws QUEUE_FULL when the queue is full, and frees expired entries first", () => {
    const { client, clock } = setup({ queue: { maxMessages: 2 }, autoConnect: false });
    client.send("a", { ttl: 50 });
    client.send("b");
    assert.throws(
      () => client.send("c"),
      (error: unknown) => error instanceof ClientError && error.code === "QUEUE_FULL",
    );
    clock.advance(50);
    assert.equal(client.send("c"), true);
    assert.deepEqual(client.close().map((entry) => entry.data), ["b", "c"]);
  });

  it("counts the byte bound in UTF-8 bytes", () => {
    const { client } = setup({ queue: { maxBytes: 4 }, autoConnect: false });
    client.send("é"); // 2 bytes
    client.send(new Uint8Array(2));
    assert.equal(client.queuedBytes, 4);
    assert.throws(() => client.send("x"), { code: "QUEUE_FULL" });
    client.close();
  });

  it("close() returns what was never sent and reports it in an unsent event", () => {
    const { client, log } = setup({ autoConnect: false });
    const reported: QueuedMessage[][] = [];
    client.on("unsent", (entries) => reported.push([...entries]));
    client.send("x");
    client.send(new Uint8Array([1]));
    const unsent = client.close();
    assert.deepEqual(unsent.map((entry) => entry.data), ["x", new Uint8Array([1])]);
    assert.deepEqual(reported, [unsent]);
    assert.deepEqual(log.slice(-2), ["state:closed", "unsent:2"]);
  });

  it("reports unsent messages when the close policy stops the client", async () => {
    const { client, transport, log } = setup();
    await flush();
    transport.last.open();
    transport.last.end(1006);
    client.send("pending");
    transport.last.end(1006); // stale transport: ignored
    client.connect();
    transport.last.end(1008);
    assert.equal(client.state, "closed");
    assert.deepEqual(log.slice(-1), ["unsent:1"]);
  });

  it("a send from a stopping close handler is reported, never lost", async () => {
    const { client, transport, log } = setup();
    await flush();
    transport.last.open();
    client.on("close", () => client.send("late"));
    transport.last.end(1008);
    assert.equal(client.state, "closed");
    assert.equal(log.at(-1), "unsent:1");
  });

  it("copies queued bytes, so the caller may reuse its buffer", async () => {
    const { client, transport } = setup();
    const buffer = new Uint8Array([1, 2, 3, 4]);
    client.send(buffer);
    client.send(new DataView(buffer.buffer, 1, 2));
    client.send(buffer.buffer);
    buffer.fill(9);
    await flush();
    transport.last.open();
    assert.deepEqual(transport.last.sent, [
      new Uint8Array([1, 2, 3, 4]),
      new Uint8Array([2, 3]),
      new Uint8Array([1, 2, 3, 4]),
    ]);
    client.close();
  });

  it("keeps a queued message the transport refused for the next connection", async () => {
    const { client, transport, clock, log } = setup();
    client.send("a");
    client.send("b");
    await flush();
    let refuse = true;
    const attempt = transport.last;
    attempt.send = (data) => {
      if (refuse && data === "b") throw new Error("refused");
      attempt.sent.push(data);
    };
    attempt.open();
    assert.deepEqual(attempt.sent, ["a"]);
    assert.equal(attempt.aborted, true);
    assert.ok(log.includes("error:TRANSPORT_ERROR"));
    refuse = false;
    clock.advance(500);
    transport.last.open();
    assert.deepEqual(transport.last.sent, ["b"]);
    client.close();
  });

  it("rejects data and options it cannot send", () => {
    const { client } = setup({ autoConnect: false });
    assert.throws(() => client.send(42 as unknown as string), TypeError);
    assert.throws(() => sendJson(client, undefined), {
      name: "TypeError",
      message: "Cannot send as 'value' must be JSON-serializable: current value is undefined",
    });
    assert.throws(() => client.send("x", { ttl: 0 }), {
      name: "RangeError",
      message: "Cannot send as 'ttl' must be > 0: current value is 0",
    });
    client.close();
  });
});
