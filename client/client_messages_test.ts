import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { InvalidStateError } from "../codec/errors.ts";
import type { Message } from "../codec/message.ts";
import { WirelyClient } from "./client.ts";
import { FAKE_URL, fakeClient, FakeTransportFactory, flush, WsWebSocket } from "./_helpers_test.ts";
import { heartbeat } from "./heartbeat.ts";
import { onJson, sendJson } from "./json.ts";
import { messages } from "./messages.ts";

const URL = FAKE_URL;
const setup = fakeClient;

describe("WirelyClient messages", () => {
  it("delivers text and binary messages", async () => {
    const { client, transport } = setup();
    const got: Message[] = [];
    client.on("message", (message) => got.push(message));
    await flush();
    transport.last.open();
    transport.last.message("hi");
    transport.last.message(new Uint8Array([1, 2]));
    assert.deepEqual(got, [{ type: "text", data: "hi" }, {
      type: "binary",
      data: new Uint8Array([1, 2]),
    }]);
    client.close();
  });

  it("onJson parses text messages; invalid JSON goes to onError, not a throw", async () => {
    const { client, transport, log } = setup();
    const values: unknown[] = [];
    const errors: string[] = [];
    await flush();
    transport.last.open();
    transport.last.message("{not json"); // nobody listens for JSON: nothing parsed
    const off = onJson(client, (value) => values.push(value), (error) => errors.push(error.code));
    transport.last.message('{"a":[1,2]}');
    transport.last.message("{not json");
    transport.last.message(new Uint8Array([1])); // binary: not JSON's business
    transport.last.message("42");
    off();
    transport.last.message("43");
    assert.deepEqual(values, [{ a: [1, 2] }, 42]);
    assert.deepEqual(errors, ["INVALID_JSON"]);
    assert.ok(!log.some((entry) => entry.startsWith("error:")));
    assert.equal(client.state, "open");
    client.close();
  });

  it("iterates messages across reconnections and ends when the client closes", async () => {
    const { client, transport, clock } = setup();
    await flush();
    const seen: string[] = [];
    const loop = (async () => {
      for await (const message of messages(client)) {
        if (message.type === "text") seen.push(message.data);
      }
    })();
    transport.last.open();
    transport.last.message("a");
    transport.last.end(1006);
    clock.advance(500);
    transport.last.open();
    transport.last.message("b");
    client.close();
    transport.last.end(1000);
    await loop;
    assert.deepEqual(seen, ["a", "b"]);
  });

  it("fails a loop that falls more than maxBuffered messages behind", async () => {
    const { client, transport } = setup();
    await flush();
    transport.last.open();
    const iterator = messages(client, { maxBuffered: 2 });
    for (const text of ["1", "2", "3"]) transport.last.message(text);
    await assert.rejects(iterator.next(), { code: "ITERATOR_OVERFLOW" });
    assert.deepEqual(await iterator.next(), { value: undefined, done: true });
    client.close();
  });

  it("a loop that breaks stops listening", async () => {
    const { client, transport } = setup();
    await flush();
    transport.last.open();
    const iterator = messages(client);
    transport.last.message("x");
    assert.deepEqual(await iterator.next(), { value: { type: "text", data: "x" }, done: false });
    await iterator.return?.();
    transport.last.message("y");
    assert.deepEqual(await iterator.next(), { value: undefined, done: true });
    client.close();
  });
});

describe("WirelyClient validation", () => {
  it("rejects a static URL that is not ws:/wss: before any I/O", () => {
    const transport = new FakeTransportFactory();
    assert.throws(() => new WirelyClient("ftp://x/", { transport }), {
      name: "TypeError",
      message: "Invalid 'url': ftp://x/",
    });
    assert.throws(() => new WirelyClient("not a url", { transport }), TypeError);
    assert.throws(() => new WirelyClient(URL, { transport, protocols: ["bad name"] }), TypeError);
  });

  it("maps http: and https: to ws: and wss: and drops the fragment", async () => {
    const { client, transport } = setup({}, "https://example.test/a?b=1#frag");
    await flush();
    assert.equal(transport.last.url, "wss://example.test/a?b=1");
    client.close();
  });

  it("rejects bad options with RangeError or TypeError", () => {
    const transport = new FakeTransportFactory();
    assert.throws(() => new WirelyClient(URL, { transport, connectTimeout: 0 }), {
      name: "RangeError",
      message: "Invalid 'connectTimeout': 0",
    });
    assert.throws(() => new WirelyClient(URL, { transport, closeTimeout: -1 }), RangeError);
    assert.throws(() => new WirelyClient(URL, { transport, backoff: { factor: 0 } }), RangeError);
    assert.throws(() => new WirelyClient(URL, { transport, queue: { maxBytes: -1 } }), RangeError);
    assert.throws(
      () => new WirelyClient(URL, { transport, heartbeat: heartbeat({ interval: 0 }) }),
      RangeError,
    );
    assert.throws(() => new WirelyClient(URL, { transport, WebSocket: WsWebSocket }), TypeError);
    assert.throws(() => heartbeat({ ping: "" }), {
      name: "TypeError",
      message: "Invalid 'ping': ",
    });
    // The old `heartbeat: true` / options object carries no code: refused, not ignored.
    assert.throws(() => new WirelyClient(URL, { transport, heartbeat: true as never }), {
      name: "TypeError",
      message: "Invalid 'heartbeat': true",
    });
    assert.throws(() => new WirelyClient(URL, { transport, heartbeat: { interval: 1 } as never }), {
      name: "TypeError",
    });
    assert.throws(() => new WirelyClient(URL, { transport, closePolicy: "stop" as never }), {
      name: "TypeError",
      message: "Invalid 'closePolicy': string",
    });
    assert.throws(
      () => new WirelyClient(URL, { transport, backoff: { random: 0.5 as never } }),
      { name: "TypeError", message: "Invalid 'random': number" },
    );
  });

  it("rejects close codes and reasons a client may not send", () => {
    const { client } = setup();
    assert.throws(() => client.close(1001), {
      name: "RangeError",
      message: "Invalid 'code': 1001",
    });
    assert.throws(() => client.close(1000, "é".repeat(62)), RangeError);
    assert.equal(client.state, "idle");
    client.close(1000, "é".repeat(61));
    assert.equal(client.state, "closed");
  });

  it("throws InvalidStateError on send and connect after close", () => {
    const { client } = setup();
    client.close();
    assert.throws(() => client.send("x"), InvalidStateError);
    assert.throws(() => sendJson(client, {}), InvalidStateError);
    assert.throws(() => client.connect(), InvalidStateError);
  });
});
