import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ClientError } from "./errors.ts";
import { type QueuedMessage, SendQueue } from "./queue.ts";
import { ExpiringQueue } from "./expiring_queue.ts";
import { fakeClient, FakeClock, flush } from "./_helpers_test.ts";
import { sendJson } from "./json.ts";
import { sendVolatile } from "./volatile.ts";

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

  it("send() says whether the message went out now (true) or was queued (false)", async () => {
    const { client, transport } = setup();
    assert.equal(client.send("queued"), false);
    await flush();
    transport.last.open();
    assert.equal(client.send("now"), true);
    assert.deepEqual(transport.last.sent, ["queued", "now"]);
    client.close();
  });

  it("sendVolatile drops when not open and returns false; sends when open", async () => {
    const { client, transport } = setup();
    assert.equal(sendVolatile(client, "cursor"), false);
    assert.equal(sendJson(client, { x: 1 }, { volatile: true }), false);
    assert.equal(client.queuedMessages, 0);
    await flush();
    transport.last.open();
    assert.equal(sendVolatile(client, "cursor"), true);
    assert.equal(sendJson(client, { x: 1 }, { volatile: true }), true);
    assert.deepEqual(transport.last.sent, ["cursor", '{"x":1}']);
    client.close();
    assert.throws(() => sendVolatile(client, "late"), { name: "InvalidStateError" });
  });

  it("an ExpiringQueue reports expired messages and never sends them", async () => {
    const clock = new FakeClock();
    const expired: QueuedMessage[] = [];
    const queue = new ExpiringQueue({
      ttl: 100,
      clock,
      onExpired: (entries) => expired.push(...entries),
    });
    const { client, transport, log } = setup({ queue, clock });
    client.send("old");
    clock.advance(50);
    client.send("new");
    await flush();
    clock.advance(50);
    transport.last.open();
    assert.deepEqual(transport.last.sent, ["new"]);
    assert.deepEqual(expired.map((entry) => entry.data), ["old"]);
    assert.ok(log.includes("open:false"));
    client.close();
  });

  it("an ExpiringQueue frees expired entries before QUEUE_FULL, and at close", () => {
    const clock = new FakeClock();
    const expired: unknown[] = [];
    const queue = new ExpiringQueue({
      ttl: 50,
      maxMessages: 2,
      clock,
      onExpired: (entries) => expired.push(...entries.map((entry) => entry.data)),
    });
    const { client } = setup({ queue, clock, autoConnect: false });
    client.send("a");
    clock.advance(10);
    client.send("b");
    assert.throws(
      () => client.send("c"),
      (error: unknown) => error instanceof ClientError && error.code === "QUEUE_FULL",
    );
    clock.advance(40);
    assert.equal(client.send("c"), false); // queued, "a" expired to make room
    assert.deepEqual(expired, ["a"]);
    clock.advance(10);
    assert.deepEqual(client.close().map((entry) => entry.data), ["c"]);
    assert.deepEqual(expired, ["a", "b"]);
  });

  it("an ExpiringQueue refuses a ttl that is not > 0", () => {
    assert.throws(() => new ExpiringQueue({ ttl: 0 }), {
      name: "RangeError",
      message: "Invalid 'ttl': 0",
    });
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

  it("rejects data it cannot send", () => {
    const { client } = setup({ autoConnect: false });
    assert.throws(() => client.send(42 as unknown as string), {
      name: "TypeError",
      message: "Invalid 'data': [object Number]",
    });
    assert.throws(() => sendJson(client, undefined), {
      name: "TypeError",
      message: "Invalid 'value': undefined",
    });
    client.close();
  });

  it("takes a SendQueue instance as the queue option", async () => {
    const queue = new SendQueue({ maxMessages: 1 });
    const { client, transport } = setup({ queue });
    client.send("one");
    assert.equal(queue.length, 1);
    assert.throws(() => client.send("two"), { code: "QUEUE_FULL" });
    await flush();
    transport.last.open();
    assert.deepEqual(transport.last.sent, ["one"]);
    client.close();
  });
});
