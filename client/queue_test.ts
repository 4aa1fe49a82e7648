import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ClientError } from "./errors.ts";
import { byteLength, SendQueue } from "./queue.ts";
import { ExpiringQueue } from "./expiring_queue.ts";

describe("byteLength", () => {
  it("counts UTF-8 bytes of text", () => {
    assert.equal(byteLength(""), 0);
    assert.equal(byteLength("abc"), 3);
    assert.equal(byteLength("é"), 2);
    assert.equal(byteLength("€"), 3);
    assert.equal(byteLength("👋"), 4);
    assert.equal(byteLength("\ud800"), 3);
    assert.equal(byteLength("\udc00x"), 4);
    assert.equal(byteLength("\ud800\ud800\udc00"), 7);
  });

  it("matches TextEncoder for any UTF-16 string, lone surrogates included", () => {
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 64 }),
        (units) => {
          const text = String.fromCharCode(...units);
          return byteLength(text) === encoder.encode(text).length;
        },
      ),
      { numRuns: 500 },
    );
  });

  it("counts bytes and Blob sizes", () => {
    assert.equal(byteLength(new Uint8Array(7)), 7);
    assert.equal(byteLength(new Blob(["héllo"])), 6);
  });
});

describe("SendQueue", () => {
  it("defaults to 1000 messages and 1 MiB", () => {
    const queue = new SendQueue();
    assert.equal(queue.maxMessages, 1_000);
    assert.equal(queue.maxBytes, 1_048_576);
  });

  it("is first in, first out", () => {
    const queue = new SendQueue();
    for (let i = 0; i < 5; i++) queue.push(`m${i}`, 0);
    assert.deepEqual(Array.from({ length: 5 }, () => queue.shift()?.data), [
      "m0",
      "m1",
      "m2",
      "m3",
      "m4",
    ]);
  });

  it("throws QUEUE_FULL when the message bound is reached", () => {
    const queue = new SendQueue({ maxMessages: 2 });
    queue.push("a", 0);
    queue.push("b", 0);
    assert.throws(
      () => queue.push("c", 0),
      (error: unknown) =>
        error instanceof ClientError && error.code === "QUEUE_FULL" &&
        error.message === "Queue full: 2 messages, 2 bytes",
    );
    assert.equal(queue.length, 2);
  });

  it("throws QUEUE_FULL when the byte bound would be passed, counting UTF-8 bytes", () => {
    const queue = new SendQueue({ maxBytes: 10 });
    queue.push("ééé", 0); // 6 bytes
    queue.push(new Uint8Array(4), 0); // 10 bytes
    assert.equal(queue.bytes, 10);
    assert.throws(() => queue.push("x", 0), { code: "QUEUE_FULL" });
    assert.equal(queue.shift()?.data, "ééé");
    queue.push("€", 0); // 4 + 3
    assert.equal(queue.bytes, 7);
  });

  it("keeps order across shift and clear", () => {
    const queue = new SendQueue();
    queue.push("a", 0);
    queue.push("b", 0);
    queue.push("c", 0);
    queue.push("d", 10);
    assert.equal(queue.peek()?.data, "a");
    assert.equal(queue.shift()?.data, "a");
    assert.equal(queue.shift()?.data, "b");
    assert.equal(queue.length, 2);
    assert.equal(queue.bytes, 2);
    assert.deepEqual(queue.clear().map((e) => e.data), ["c", "d"]);
    assert.equal(queue.length, 0);
    assert.equal(queue.bytes, 0);
    assert.equal(queue.shift(), undefined);
  });

  it("stays correct over many pushes and shifts (compaction)", () => {
    const queue = new SendQueue({ maxMessages: 3_000 });
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 150; i++) queue.push(String(next++), 0);
      for (let i = 0; i < 100; i++) assert.equal(queue.shift()?.data, String(expected++));
    }
    assert.equal(queue.length, next - expected);
    assert.deepEqual(queue.clear()[0]?.data, String(expected));
  });

  it("records size and queuedAt", () => {
    const entry = new SendQueue().push("hé", 1_000);
    assert.deepEqual(entry, { data: "hé", size: 3, queuedAt: 1_000 });
  });

  it("ExpiringQueue drops entries older than ttl from the head, in order", () => {
    let now = 0;
    const expired: string[] = [];
    const queue = new ExpiringQueue({
      ttl: 100,
      clock: { now: () => now, schedule: () => () => {} },
      onExpired: (entries) => expired.push(...entries.map((e) => e.data as string)),
    });
    queue.push("a", 0);
    queue.push("b", 40);
    queue.push("c", 90);
    now = 139;
    assert.equal(queue.peek()?.data, "b");
    assert.deepEqual(expired, ["a"]);
    now = 140;
    assert.deepEqual(queue.dropExpired().map((e) => e.data), ["b"]);
    assert.equal(queue.length, 1);
    assert.equal(queue.bytes, 1);
    assert.ok(queue.fits(1));
    now = 1_000;
    assert.deepEqual(queue.clear(), []);
    assert.deepEqual(expired, ["a", "b", "c"]);
  });

  it("rejects bad bounds", () => {
    assert.throws(() => new SendQueue({ maxMessages: -1 }), {
      name: "RangeError",
      message: "Invalid 'maxMessages': -1",
    });
    assert.throws(() => new SendQueue({ maxBytes: 1.5 }), RangeError);
  });
});
