// Broadcasts a server makes in one task are published together (consecutive ones with the same
// routing as one PUBLISH), in order. Broadcasts that arrive from Redis are write-batched: a burst published by one server reaches
// the clients of another server complete and in order, with one socket write per connection for
// the burst instead of one per message (server/_writer.ts `WriteBatch.hold`). The server's socket
// writes are counted on node:net's Socket (the codec engine's sockets in Deno, Node and Bun).
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Socket } from "node:net";
import {
  connect,
  type Member,
  Node,
  RedisProcess,
  skipWithoutRedis,
  until,
} from "./_helpers_test.ts";

/** Messages of the burst (about 30 bytes each: together far below one batch flush, 64 KiB). */
const BURST = 200;

/** Counts `write` calls on node:net sockets whose local port is `port` until `stop()`. */
function countWrites(port: number): { readonly writes: number; stop(): void } {
  const proto = Socket.prototype as unknown as { write: (...args: unknown[]) => boolean };
  const original = proto.write;
  let writes = 0;
  proto.write = function (this: Socket, ...args: unknown[]): boolean {
    if (this.localPort === port) writes++;
    return original.apply(this, args);
  };
  return {
    get writes() {
      return writes;
    },
    stop: () => void (proto.write = original),
  };
}

describe("Redis backplane: remote broadcasts are write-batched", { skip: skipWithoutRedis }, () => {
  let redis: RedisProcess;
  let nodes: Node[] = [];

  beforeEach(async () => {
    redis = await RedisProcess.start();
  });
  afterEach(async () => {
    for (const node of nodes) await node.stop();
    nodes = [];
    await redis?.stop();
  });

  it("writes a burst from another server once per connection, complete and in order", async () => {
    const x = await Node.redis(redis.url);
    const y = await Node.redis(redis.url);
    nodes.push(x, y);
    await x.start();
    await y.start();
    const members: Member[] = [await y.member(["r"]), await y.member(["r"])];
    const expected = Array.from({ length: BURST }, (_, i) => `news ${i}`);
    const counter = countWrites(y.rig.server.addr.port);
    try {
      // One task on x: node-redis pipelines the PUBLISH commands, and y's subscriber reads them
      // back in a few socket reads.
      for (const text of expected) x.rig.io.to("r").emit("news", text);
      await until(
        () => members.every(({ news }) => news.length >= BURST),
        10_000,
        "every message of the burst on both clients",
      );
    } finally {
      counter.stop();
    }
    for (const { news } of members) assert.deepEqual(news, expected);
    // Unbatched: one write per message and client (400). Batched: one per client and burst read.
    assert.ok(
      counter.writes <= (2 * BURST) / 10,
      `${counter.writes} socket writes for ${2 * BURST} deliveries`,
    );
  });

  it("publishes one task's broadcasts together, consecutive ones to the same rooms as one PUBLISH, in order", async () => {
    const x = await Node.redis(redis.url);
    const y = await Node.redis(redis.url);
    nodes.push(x, y);
    await x.start();
    await y.start();
    const inA = await y.member(["a"]);
    const inAC = await y.member(["a", "c"]);
    const control = await connect(redis.url);
    try {
      await control.sendCommand(["CONFIG", "RESETSTAT"]);
      const { io } = x.rig;
      io.to("a").emit("news", "1");
      io.to("a").emit("news", "2");
      io.emit("news", "3"); // another channel: the run to "a" ends
      io.to("a").emit("news", "4");
      io.to("a").except("c").emit("news", "5"); // same channel, other routing
      io.to("a").emit("news", "6");
      io.to("a").emit("news", "7");
      await until(() => inA.news.length >= 7, 10_000, "the seven broadcasts on y");
      assert.deepEqual(inA.news, ["1", "2", "3", "4", "5", "6", "7"]);
      await until(() => inAC.news.length >= 6, 10_000, "the six broadcasts not left out");
      assert.deepEqual(inAC.news, ["1", "2", "3", "4", "6", "7"]);
      const stats = String(await control.sendCommand(["INFO", "commandstats"]));
      // [1, 2], [3], [4], [5], [6, 7]: five PUBLISH for seven broadcasts.
      assert.match(stats, /cmdstat_publish:calls=5,/);
    } finally {
      control.destroy();
    }
  });
});
