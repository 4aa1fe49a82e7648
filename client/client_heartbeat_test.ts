import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { WirelyClient } from "./client.ts";
import { HEARTBEAT_PING, HEARTBEAT_PONG } from "./heartbeat.ts";
import type { Message } from "../codec/message.ts";
import type { WirelyClientOptions } from "./options.ts";
import {
  FakeClock,
  FakeTransportFactory,
  flush,
  recordEvents,
  until,
  within,
  WsWebSocket,
} from "./_helpers_test.ts";
import { echo, startServer } from "./_servers_test.ts";
import { heartbeat } from "./heartbeat.ts";
import { opened } from "./lifecycle.ts";
import { checkLiveness } from "./liveness.ts";

interface Rig {
  clock: FakeClock;
  transport: FakeTransportFactory;
  client: WirelyClient;
  log: string[];
  messages: Message[];
}

async function openClient(options: WirelyClientOptions = {}): Promise<Rig> {
  const clock = new FakeClock();
  const transport = new FakeTransportFactory();
  const client = new WirelyClient("ws://example.test/", {
    transport,
    clock,
    backoff: { random: () => 0.5 },
    heartbeat: heartbeat({ interval: 1_000, timeout: 500 }),
    ...options,
  });
  const log = recordEvents(client);
  const messages: Message[] = [];
  client.on("message", (message) => messages.push(message));
  await flush();
  transport.last.open();
  return { clock, transport, client, log, messages };
}

describe("WirelyClient heartbeat", () => {
  it("uses the agreed texts by default", () => {
    assert.equal(HEARTBEAT_PING, '{"type":"wirely:ping"}');
    assert.equal(HEARTBEAT_PONG, '{"type":"wirely:pong"}');
  });

  it("is off by default: no timer while open", async () => {
    const { client, clock } = await openClient({ heartbeat: undefined });
    assert.equal(clock.pending, 0);
    assert.equal(checkLiveness(client), false);
    client.close();
  });

  it("pings after `interval` of silence and consumes the pong", async () => {
    const { client, clock, transport, messages } = await openClient();
    clock.advance(999);
    assert.deepEqual(transport.last.sent, []);
    clock.advance(1);
    assert.deepEqual(transport.last.sent, [HEARTBEAT_PING]);
    clock.advance(200);
    transport.last.message(HEARTBEAT_PONG);
    transport.last.message(HEARTBEAT_PING); // an echo server sends our ping back: consumed too
    assert.deepEqual(messages, []);
    clock.advance(999);
    assert.deepEqual(transport.last.sent, [HEARTBEAT_PING], "silence counts from the pong");
    clock.advance(1);
    assert.deepEqual(transport.last.sent, [HEARTBEAT_PING, HEARTBEAT_PING]);
    assert.equal(client.state, "open");
    client.close();
  });

  it("counts any incoming message as life", async () => {
    const { client, clock, transport, messages } = await openClient();
    clock.advance(900);
    transport.last.message("news");
    clock.advance(900);
    assert.deepEqual(transport.last.sent, [], "no ping: the silence is only 900 ms");
    clock.advance(100);
    assert.deepEqual(transport.last.sent, [HEARTBEAT_PING]);
    clock.advance(499);
    transport.last.message("late but alive");
    clock.advance(1);
    assert.equal(client.state, "open");
    assert.equal(messages.length, 2);
    client.close();
  });

  it("drops a connection that stays silent after a ping and retries", async () => {
    const { client, clock, transport, log } = await openClient();
    clock.advance(1_000);
    clock.advance(499);
    assert.equal(client.state, "open");
    clock.advance(1);
    assert.equal(transport.attempts[0]?.aborted, true);
    assert.deepEqual(log.slice(-4), [
      "error:HEARTBEAT_TIMEOUT",
      "close:1006:opened:retry",
      "state:reconnecting",
      "reconnecting:1:500",
    ]);
    client.close();
  });

  it("judges by wall-clock time when a timer fires late (throttled tab)", async () => {
    const { client, clock, transport } = await openClient();
    clock.jump(60_000); // the timer did not fire for a minute
    clock.advance(0);
    assert.deepEqual(transport.last.sent, [HEARTBEAT_PING], "a ping, not a verdict");
    assert.equal(client.state, "open");
    clock.jump(30_000);
    transport.last.message(HEARTBEAT_PONG); // the answer came while timers were throttled
    clock.advance(0);
    assert.equal(client.state, "open");
    client.close();
  });

  it("checkLiveness() sends a ping at once and keeps one deadline", async () => {
    const { client, clock, transport } = await openClient();
    clock.advance(100);
    assert.equal(checkLiveness(client), true);
    assert.equal(checkLiveness(client), true);
    assert.deepEqual(transport.last.sent, [HEARTBEAT_PING]);
    clock.advance(500);
    assert.equal(client.state, "reconnecting");
    assert.equal(checkLiveness(client), false);
    client.close();
  });

  it("takes custom ping and pong texts", async () => {
    const { client, clock, transport, messages } = await openClient({
      heartbeat: heartbeat({ interval: 10, timeout: 10, ping: "ping?", pong: "pong!" }),
    });
    clock.advance(10);
    assert.deepEqual(transport.last.sent, ["ping?"]);
    transport.last.message("pong!");
    transport.last.message(HEARTBEAT_PONG);
    assert.deepEqual(messages, [{ type: "text", data: HEARTBEAT_PONG }]);
    client.close();
  });

  it("a watch registers under its transport and leaves on stop", async () => {
    const { client, clock, transport } = await openClient();
    const attempt = transport.last;
    assert.equal(client.transport, attempt);
    clock.advance(1_000);
    assert.deepEqual(attempt.sent, [HEARTBEAT_PING]);
    attempt.end(1006);
    assert.equal(client.transport, undefined);
    assert.equal(checkLiveness(client), false);
    client.close();
  });

  it("stops its timers when the client closes", async () => {
    const { client, clock, transport } = await openClient();
    client.close();
    transport.last.end(1000);
    assert.equal(clock.pending, 0);
  });
});

describe("WirelyClient heartbeat over a real socket", () => {
  it("takes an interval below the default timeout (10 s) without a timeout of its own", async () => {
    // The server's heartbeat refused this once (timeout default >= interval); the client's
    // timeout is independent of its interval: any two positive values are valid.
    const server = await startServer(echo);
    const client = new WirelyClient(server.url, {
      WebSocket: WsWebSocket,
      heartbeat: heartbeat({ interval: 20 }),
    });
    const errors: Error[] = [];
    client.on("error", (error) => errors.push(error));
    try {
      await within(opened(client), 5_000, "the open");
      await until(
        () => server.received.filter((text) => text === HEARTBEAT_PING).length >= 3,
        5_000,
        "three heartbeat pings",
      );
      assert.equal(client.state, "open");
      assert.deepEqual(errors, []);
    } finally {
      client.close();
      await server.kill();
    }
  });
});
