// Three wirely event servers sharing a real redis-server (one per suite, on a free port): rooms,
// except, several rooms at once and server-wide broadcasts reach the same clients as on one
// process (the same scenario on a MemoryAdapter), plain connections stay apart, a server
// subscribes only to rooms it has members of, and rooms are counted across servers.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { RedisClientType } from "redis";
import { MemoryAdapter } from "../server/mod.ts";
import {
  channels,
  type Client,
  connect,
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
async function runScenario(nodes: Node[], members: { client: Client }[]): Promise<void> {
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
  const members: { client: Client; news: string[] }[] = [];
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

describe("Redis backplane: three servers, one redis-server", { skip: skipWithoutRedis }, () => {
  let redis: RedisProcess;
  let control: RedisClientType;
  let nodes: Node[] = [];

  before(async () => {
    redis = await RedisProcess.start();
    control = await connect(redis.url);
  });
  after(async () => {
    for (const node of nodes) await node.stop();
    control?.destroy();
    await redis?.stop();
  });

  async function cluster(size: number): Promise<Node[]> {
    for (const node of nodes) await node.stop();
    nodes = [];
    for (let i = 0; i < size; i++) nodes.push(await (await Node.redis(redis.url)).start());
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
});
