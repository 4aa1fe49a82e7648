// How long a session's events have been in doubt (written, not yet handled), counted by the store
// across claims so that a client cut more often than the server's wait still gets through:
// MemoryStore and RedisStore (a real redis-server on a free port).
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

describe("events in doubt", () => {
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
  });
});
