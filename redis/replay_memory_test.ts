// A replay after a short cut reads the newest log entries from the server's memory (those its
// RedisStore received), not from Redis: with hundreds of reconnections a second, reading and
// decoding every entry of every room from Redis per reconnection made the servers fall behind
// until clients were cut again before their replay ended (the chaos benchmark's stall). Older
// positions, and `recentEntries: 0`, still read Redis. Real redis-server, `ws` EventClients.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { RedisClientType } from "redis";
import { EventClient } from "../events/client.ts";
import { EventServer } from "../events/event_server.ts";
import { recovery, type RecoveryResult } from "../events/session.ts";
import type { EventSocket } from "../events/socket.ts";
import { FAST } from "../events/_helpers_test.ts";
import type { ServedWebSocketServer } from "../server/mod.ts";
import { RedisAdapter, type RedisCommands, RedisStore } from "./mod.ts";
import { READ } from "./_scripts.ts";
import { connect, RedisProcess, skipWithoutRedis, until, within } from "./_helpers_test.ts";

interface Down {
  down: (n: number) => void;
}

/** A server with recovery on Redis whose store's commands are counted (`reads`: READ scripts). */
class Node {
  readonly io = new EventServer<Record<string, never>, Down>({});
  readonly sockets: EventSocket<Record<string, never>, Down>[] = [];
  server!: ServedWebSocketServer;
  away = false;
  reads = 0;
  #clients: RedisClientType[] = [];

  static async start(redis: RedisProcess, recentEntries?: number): Promise<Node> {
    const node = new Node();
    const client = await connect(redis.url);
    const subscriber = client.duplicate();
    subscriber.on("error", () => {});
    await within(subscriber.connect(), 5_000, "subscriber connect");
    node.#clients = [client, subscriber];
    const commands: RedisCommands = {
      get isReady() {
        return client.isReady;
      },
      sendCommand: (args) => {
        if (args[0] === "EVAL" && args[1] === READ) node.reads++;
        return client.sendCommand(args);
      },
      on: (event, listener) => client.on(event, listener),
      off: (event, listener) => client.off(event, listener),
    };
    const store = new RedisStore({
      client: commands,
      subscriber,
      ...(recentEntries === undefined ? {} : { recentEntries }),
    });
    const io = new EventServer<Record<string, never>, Down>({ recovery: { store } });
    (node as { io: EventServer<Record<string, never>, Down> }).io = io;
    io.onConnection((socket) => {
      node.sockets.push(socket);
      if (!socket.recovered) socket.join("room");
    });
    node.server = await io.serve({
      port: 0,
      hostname: "127.0.0.1",
      engine: "codec",
      adapter: new RedisAdapter({ publisher: client, subscriber }),
      authenticate: () => node.away ? { status: 503 } : true,
      onError: () => {},
    });
    return node;
  }

  async stop(): Promise<void> {
    await this.server.close();
    for (const client of this.#clients) if (client.isOpen) client.destroy();
  }
}

describe("Recovery on Redis: replay from memory", { skip: skipWithoutRedis }, () => {
  const cleanups: (() => unknown)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  /** Two servers; a client on `a` cut while `count` events go out, then back on `b`. */
  async function moveAfterCut(
    recentEntries: number | undefined,
    count: number,
  ): Promise<{ result: RecoveryResult; downs: number[]; reads: number }> {
    const redis = await RedisProcess.start();
    cleanups.push(() => redis.stop());
    const a = await Node.start(redis, recentEntries);
    const b = await Node.start(redis, recentEntries);
    cleanups.push(() => a.stop(), () => b.stop());
    let target = a;
    const session = recovery();
    const results: RecoveryResult[] = [];
    session.onRecovery((result) => void results.push(result));
    const client = new EventClient<Down, Record<string, never>>(() => target.server.url, {
      ...FAST,
      recovery: session,
      onUnhandledError: false,
    });
    cleanups.push(() => client.close());
    const downs: number[] = [];
    client.on("down", (n) => void downs.push(n));
    await until(() => results.length === 1, 5_000, "the first session answer");
    a.io.to("room").emit("down", 0);
    await until(() => downs.length === 1, 5_000, "a live event");
    a.away = b.away = true;
    for (const socket of a.sockets) socket.conn.terminate();
    await until(() => client.client.state !== "open", 2_000, "the drop");
    for (let i = 1; i <= count + 1; i++) a.io.to("room").emit("down", i);
    // b's store receives them (its subscription) before the client comes back.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const readsBefore = b.reads;
    target = b;
    b.away = false; // a stays away: a connection attempt already on its way to a is refused
    await until(() => results.length === 2, 10_000, "the reconnection");
    await until(() => downs.length === count + 2, 5_000, "every event");
    assert.equal(b.sockets.length, 1); // the replay was b's
    return { result: results[1]!, downs, reads: b.reads - readsBefore };
  }

  it("replays a short absence from the entries the server received, without reading Redis", async () => {
    const { result, downs, reads } = await moveAfterCut(undefined, 50);
    assert.deepEqual(result, { recovered: true, replayed: 51, session: result.session });
    assert.deepEqual(downs, [...Array(52).keys()]);
    assert.equal(reads, 0);
  });

  it("reads Redis for a position older than the entries in memory, and with recentEntries: 0", async () => {
    for (const recentEntries of [5, 0]) {
      const { result, downs, reads } = await moveAfterCut(recentEntries, 50);
      assert.deepEqual(result, { recovered: true, replayed: 51, session: result.session });
      assert.deepEqual(downs, [...Array(52).keys()]);
      assert.ok(reads >= 1, `${reads} reads with recentEntries ${recentEntries}`);
    }
  });

  it("refuses a bad recentEntries", () => {
    const offline = {
      isReady: false,
      sendCommand: () => Promise.reject(new Error("offline")),
      on: () => {},
      off: () => {},
    };
    for (const recentEntries of [-1, 1.5, Number.NaN]) {
      assert.throws(
        () => new RedisStore({ client: offline, subscriber: offline as never, recentEntries }),
        RangeError,
      );
    }
  });
});
