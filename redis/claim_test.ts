// Two parts of the store contract that make outages safe, on MemoryStore and RedisStore (a real
// redis-server on a free port): how long a session's events have been in doubt (written, not yet
// handled), counted across claims so that a client cut more often than the server's wait still
// gets through; and an append retried with the same origin (after a lost answer) logged once.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryStore } from "../events/memory_store.ts";
import type { RecoveryStore } from "../events/store.ts";
import { connect, RedisProcess, skipWithoutRedis } from "./_helpers_test.ts";
import { RedisStore } from "./mod.ts";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function doubtIsCountedAcrossClaims(store: RecoveryStore): Promise<void> {
  const ttl = 60_000;
  assert.equal(await store.saveSession("s", { rooms: ["r"], seq: 3, handled: 2 }, ttl, 1), true);
  const first = await store.claimSession("s", ttl);
  assert.equal(first?.inDoubt, 0); // first seen in doubt now
  await sleep(30);
  const second = await store.claimSession("s", ttl);
  assert.ok((second?.inDoubt ?? 0) > 0, JSON.stringify(second));
  assert.equal(second?.generation, 3);
  // Handled: no longer in doubt.
  await store.handledSession("s", 3);
  assert.equal((await store.claimSession("s", ttl))?.inDoubt, 0);
  // A later event in doubt counts from its own first claim.
  const generation = (await store.claimSession("s", ttl))!.generation;
  await store.saveSession("s", { rooms: ["r"], seq: 5, handled: 3 }, ttl, generation);
  assert.equal((await store.claimSession("s", ttl))?.inDoubt, 0);
  await sleep(30);
  assert.ok(((await store.claimSession("s", ttl))?.inDoubt ?? 0) > 0);
}

async function retriedAppendIsLoggedOnce(store: RecoveryStore): Promise<void> {
  const delivered: number[] = [];
  await store.start("reader", {
    deliver: (entry) => void delivered.push(entry.payload[0]!),
    gap: () => {},
    reportError: () => {},
  });
  const record = (n: number) => ({
    rooms: [],
    exceptRooms: [],
    exceptSessions: [],
    binary: true,
    payload: new Uint8Array([n]),
  });
  const { epoch, offset } = await store.head();
  await store.append(record(1), { writer: "w", serial: 1 });
  await store.append(record(2), { writer: "w", serial: 2 });
  await store.append(record(1), { writer: "w", serial: 1 }); // a retry: skipped
  await store.append(record(3), { writer: "other", serial: 1 }); // another writer's own serials
  await store.append(record(4)); // no origin: always appended
  const read = await store.read(epoch, offset, 10);
  assert.ok(!("reason" in read));
  assert.deepEqual(read.entries.map((entry) => entry.payload[0]), [1, 2, 3, 4]);
  await store.stop("reader");
}

describe("store contract for outages", () => {
  it("MemoryStore logs an append retried with the same origin once", async () => {
    await retriedAppendIsLoggedOnce(new MemoryStore());
  });

  it("MemoryStore counts the doubt from the first claim that saw it, across claims", async () => {
    await doubtIsCountedAcrossClaims(new MemoryStore());
  });

  describe("on Redis", { skip: skipWithoutRedis }, () => {
    const cleanups: (() => Promise<void> | void)[] = [];
    after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    });

    it("RedisStore counts the doubt from the first claim that saw it, across claims", async () => {
      const redis = await RedisProcess.start();
      cleanups.push(() => redis.stop());
      const client = await connect(redis.url);
      cleanups.push(() => void client.destroy());
      const store = new RedisStore({ client, subscriber: client.duplicate() });
      await doubtIsCountedAcrossClaims(store);
    });

    it("RedisStore logs an append retried with the same origin once", async () => {
      const redis = await RedisProcess.start();
      cleanups.push(() => redis.stop());
      const client = await connect(redis.url);
      const subscriber = client.duplicate();
      subscriber.on("error", () => {});
      await subscriber.connect();
      cleanups.push(() => void client.destroy(), () => void subscriber.destroy());
      // recentEntries 0: read the stream itself (not what the subscription delivered so far).
      await retriedAppendIsLoggedOnce(new RedisStore({ client, subscriber, recentEntries: 0 }));
    });
  });
});
