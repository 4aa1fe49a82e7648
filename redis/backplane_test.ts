// Three wirely event servers sharing a real redis-server (one per suite, on a free port): rooms,
// except, several rooms at once and server-wide broadcasts reach the same clients as on one
// process (the same scenario on a MemoryAdapter), plain connections stay apart, a server
// subscribes only to rooms it has members of, and rooms are counted across servers.
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { RedisClientType } from "redis";
import { MemoryAdapter } from "../server/mod.ts";
import { RedisAdapter, type RedisPublisher, type RedisSubscriber } from "./mod.ts";
import {
  channels,
  connect,
  type Member,
  Node,
  RedisProcess,
  skipWithoutRedis,
  subscribers,
  until,
} from "./_helpers_test.ts";

/** Where each client sits: its server (0, 1, 2) and its rooms. */
const LAYOUT: [number, string[]][] = [
  [0, ["a"]],
  [0, ["a", "b"]],
  [0, ["c"]],
  [1, ["a", "c"]],
  [1, ["b"]],
  [1, []],
  [2, ["b", "c"]],
  [2, ["a", "b"]],
];

/** Every broadcast kind, from several servers; `relay` is a socket's own broadcast. */
async function runScenario(nodes: Node[], members: Member[]): Promise<void> {
  const [x, y, z] = nodes.map((node) => node.rig.io);
  x!.to("a").emit("news", "1: to a");
  y!.to("a").to("b").emit("news", "2: to a, b");
  z!.to("a").to("b").except("c").emit("news", "3: to a, b except c");
  x!.except("c").emit("news", "4: all except c");
  y!.emit("news", "5: all");
  z!.to("c").except(["a", "b"]).emit("news", "6: to c except a, b");
  x!.to("b").to("c").emit("news", "7: to b, c");
  // Member 1 (server 0, in a and b) relays to a and c except b: the sender is left out.
  const relay = { to: ["a", "c"], except: ["b"], text: "8: relayed to a, c except b" };
  await members[1]!.client.emitWithAck("relay", relay);
  for (const [index, node] of nodes.entries()) node.rig.io.emit("news", `end ${index}`);
}

/** Places the clients, runs the scenario, waits for every end marker; returns each inbox. */
async function inboxes(nodes: Node[]): Promise<string[][]> {
  const members: Member[] = [];
  for (const [server, rooms] of LAYOUT) members.push(await nodes[server]!.member(rooms));
  await runScenario(nodes, members);
  const ends = nodes.map((_, index) => `end ${index}`);
  await until(
    () => members.every(({ news }) => ends.every((end) => news.includes(end))),
    10_000,
    "every end marker on every client",
  );
  // Per sender the order is kept; across senders it may differ between adapters.
  return members.map(({ news }) => news.filter((text) => !text.startsWith("end")).sort());
}

describe("Redis backplane: servers sharing one redis-server", { skip: skipWithoutRedis }, () => {
  let redis: RedisProcess;
  let control: RedisClientType;
  let nodes: Node[] = [];

  // Each test gets its own redis-server on a free port, stopped by PID after it.
  beforeEach(async () => {
    redis = await RedisProcess.start();
    control = await connect(redis.url);
  });
  afterEach(async () => {
    for (const node of nodes) await node.stop();
    nodes = [];
    control?.destroy();
    await redis?.stop();
  });

  async function cluster(size: number, options: { countTimeout?: number } = {}): Promise<Node[]> {
    for (let i = 0; i < size; i++) nodes.push(await Node.redis(redis.url, options));
    for (const node of nodes) await node.start();
    return nodes;
  }

  it("delivers every kind of broadcast to the clients one process would", async () => {
    // Worked out by hand from LAYOUT (member: the broadcasts it gets).
    const got: Record<number, number[]> = {
      0: [1, 2, 3, 4, 5, 8],
      1: [1, 2, 3, 4, 5, 7],
      2: [5, 6, 7, 8],
      3: [1, 2, 5, 7, 8],
      4: [2, 3, 4, 5, 7],
      5: [4, 5],
      6: [2, 5, 7],
      7: [1, 2, 3, 4, 5, 7],
    };
    const onRedis = await inboxes(await cluster(3));
    const expected = LAYOUT.map((_, member) => got[member]!.map((n) => String(n)));
    assert.deepEqual(onRedis.map((inbox) => inbox.map((text) => text.split(":")[0])), expected);
    const memory = new MemoryAdapter();
    const local = [new Node(memory), new Node(memory), new Node(memory)];
    try {
      for (const node of local) await node.start();
      assert.deepEqual(await inboxes(local), onRedis);
    } finally {
      for (const node of local) await node.stop();
    }
  });

  it("keeps plain connections apart: plain broadcasts reach them on other servers, events never", async () => {
    const x = await Node.redis(redis.url);
    const y = await Node.redis(redis.url);
    nodes.push(x, y);
    await x.start();
    await y.start({ onOpen: (conn) => conn.protocol === "" ? conn.join("a") : undefined });
    const member = await y.member(["a"]);
    const plain = await y.rig.raw([]);
    await until(() => y.rig.server.clients.size === 2, 5_000, "both connections on y");
    await y.redisAdapter.settled();
    x.rig.io.to("a").emit("news", "event to a");
    x.rig.io.emit("news", "event to all");
    x.rig.server.broadcast("plain to a", { room: "a", protocol: "" });
    x.rig.server.broadcast("plain to all", { protocol: "" });
    await until(() => plain.inbox.includes("plain to all"), 5_000, "the plain broadcasts");
    await until(() => member.news.includes("event to all"), 5_000, "the events");
    assert.deepEqual(plain.inbox, ["plain to a", "plain to all"]);
    assert.deepEqual(member.news, ["event to a", "event to all"]);
  });

  it("subscribes a server only to the rooms it has members of", async () => {
    const [x, y] = await cluster(3);
    const onX = await x!.member(["one"]);
    const onY = await y!.member(["one", "two"]);
    assert.deepEqual(await channels(control, "wirely#room#*"), [
      "wirely#room#one",
      "wirely#room#two",
    ]);
    assert.equal(await subscribers(control, "wirely#room#one"), 2);
    assert.equal(await subscribers(control, "wirely#room#two"), 1);
    assert.equal(await subscribers(control, "wirely#all"), 3);
    await onY.client.emitWithAck("leave", "one");
    await y!.redisAdapter.settled();
    assert.equal(await subscribers(control, "wirely#room#one"), 1);
    onY.client.close();
    await until(() => y!.rig.server.clients.size === 0, 5_000, "y's client gone");
    await y!.redisAdapter.settled();
    assert.deepEqual(await channels(control, "wirely#room#*"), ["wirely#room#one"]);
    onX.client.close();
    await until(() => x!.rig.server.clients.size === 0, 5_000, "x's client gone");
    await x!.redisAdapter.settled();
    assert.deepEqual(await channels(control, "wirely#room#*"), []);
  });

  it("counts a room's members across servers, after a member leaves and after a server stops", async () => {
    const [x, y, z] = await cluster(3);
    const first = await x!.member(["lobby"]);
    await x!.member(["lobby", "other"]);
    await y!.member(["lobby"]);
    await y!.member(["other"]);
    for (const node of [x!, y!, z!]) {
      assert.equal(await node.redisAdapter.count("lobby"), 3);
      assert.equal(await node.redisAdapter.count("other"), 2);
      assert.equal(await node.redisAdapter.count("nowhere"), 0);
      assert.equal(await node.redisAdapter.count(), 4);
    }
    await first.client.emitWithAck("leave", "lobby");
    assert.equal(await z!.redisAdapter.count("lobby"), 2);
    first.client.close();
    await until(() => x!.rig.server.clients.size === 1, 5_000, "the first client gone");
    assert.equal(await z!.redisAdapter.count(), 3);
    await y!.stop();
    assert.equal(await z!.redisAdapter.count("lobby"), 1);
    assert.equal(await x!.redisAdapter.count("other"), 1);
    assert.equal(await z!.redisAdapter.count(), 1);
  });

  it("rejects a count with BACKPLANE_TIMEOUT when a subscriber of the room does not answer", async () => {
    const [x] = await cluster(1, { countTimeout: 200 });
    await x!.member(["lobby"]);
    const silent = control.duplicate();
    silent.on("error", () => {});
    await silent.connect();
    try {
      await silent.subscribe("wirely#room#lobby", () => {});
      await assert.rejects(x!.redisAdapter.count("lobby"), {
        name: "BackplaneError",
        code: "BACKPLANE_TIMEOUT",
      });
    } finally {
      silent.destroy();
    }
    assert.equal(await x!.redisAdapter.count("lobby"), 1);
  });

  it("keeps delivering locally while Redis is down, and remotely again once it is back", async () => {
    const [x, y] = await cluster(2);
    const onX = await x!.member(["lobby"]);
    const onY = await y!.member(["lobby"]);
    await redis.stop();
    const clients = [...x!.redisClients, ...y!.redisClients];
    await until(() => clients.every((client) => !client.isReady), 5_000, "clients to see Redis go");
    x!.rig.io.to("lobby").emit("news", "during the outage");
    await until(() => onX.news.includes("during the outage"), 5_000, "local delivery");
    assert.equal(x!.redisAdapter.dropped, 1);
    await assert.rejects(x!.redisAdapter.count("lobby"), { code: "BACKPLANE_UNAVAILABLE" });
    const reported = x!.errors.filter((error) =>
      (error as { code?: string }).code === "BACKPLANE_UNAVAILABLE"
    );
    assert.equal(reported.length, 1);

    await redis.restart();
    await until(() => clients.every((client) => client.isReady), 10_000, "clients to reconnect");
    await until(() => control.isReady, 10_000, "the control client to reconnect");
    for (let attempt = 0; attempt < 200; attempt++) {
      if (await subscribers(control, "wirely#room#lobby") === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(await subscribers(control, "wirely#room#lobby"), 2);
    x!.rig.io.to("lobby").emit("news", "after the restart");
    await until(() => onY.news.includes("after the restart"), 5_000, "remote delivery");
    assert.deepEqual(onY.news, ["after the restart"]);
    assert.equal(await y!.redisAdapter.count("lobby"), 2);
    // One report per server for the outage, nothing for the recovery.
    for (const node of [x!, y!]) {
      assert.deepEqual(node.errors.map((error) => (error as { code?: string }).code), [
        "BACKPLANE_UNAVAILABLE",
      ]);
    }
  });

  it("reports a stray message on its channels as BACKPLANE_MALFORMED and keeps working", async () => {
    const [x, y] = await cluster(2);
    const onY = await y!.member(["lobby"]);
    assert.equal(await control.publish("wirely#all", "not a wirely message"), 2);
    await until(() => y!.errors.length === 1, 5_000, "the report");
    assert.equal((y!.errors[0] as { code?: string }).code, "BACKPLANE_MALFORMED");
    x!.rig.io.to("lobby").emit("news", "still here");
    await until(() => onY.news.includes("still here"), 5_000, "the next broadcast");
  });

  it("serves one server per adapter: a second start is reported as INVALID_STATE", async () => {
    const [x] = await cluster(1);
    const errors: unknown[] = [];
    const second = await x!.rig.io.serve({
      port: 0,
      hostname: "127.0.0.1",
      adapter: x!.adapter,
      onError: (error) => errors.push(error),
    });
    try {
      await until(() => errors.length === 1, 5_000, "the report");
      assert.equal((errors[0] as { code?: string }).code, "INVALID_STATE");
      assert.equal(await subscribers(control, "wirely#all"), 1);
    } finally {
      await second.close();
    }
  });
});

describe("RedisAdapter options", () => {
  it("refuses a missing client, a bad prefix or a bad countTimeout before any I/O", () => {
    const client = {} as RedisPublisher & RedisSubscriber;
    assert.throws(() => new RedisAdapter({ publisher: client, subscriber: undefined! }), {
      name: "TypeError",
      message:
        "Cannot create RedisAdapter as 'subscriber' must be a redis client: current value is undefined",
    });
    assert.throws(
      () => new RedisAdapter({ publisher: client, subscriber: client, prefix: 1 as never }),
      { name: "TypeError" },
    );
    assert.throws(
      () => new RedisAdapter({ publisher: client, subscriber: client, countTimeout: 0 }),
      {
        name: "RangeError",
        message:
          "Cannot create RedisAdapter as 'countTimeout' must be > 0 milliseconds: current value is 0",
      },
    );
  });
});
