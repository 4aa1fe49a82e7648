import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Backoff, backoffCeiling } from "./backoff.ts";
import { seededRandom } from "./_helpers_test.ts";

/** A random source that replays fixed values. */
function replay(values: number[]): () => number {
  let i = 0;
  return () => {
    const value = values[i++];
    if (value === undefined) throw new Error("replay ran out of values");
    return value;
  };
}

describe("Backoff", () => {
  it("applies full jitter to every retry, the first one included", () => {
    const backoff = new Backoff({ random: replay([0.5, 0.25, 0.999, 0, 0.5, 0.5, 0.5]) });
    const delays = Array.from({ length: 7 }, () => backoff.next());
    // ceilings 1000, 2000, 4000, 8000, 16000, 30000 (capped from 32000), 30000
    assert.deepEqual(delays, [500, 500, 3996, 0, 8000, 15000, 15000]);
    assert.equal(backoff.attempt, 7);
  });

  it("gives exact delays from a seeded random source", () => {
    const backoff = new Backoff({ random: seededRandom(42) });
    const delays = Array.from({ length: 7 }, () => backoff.next());
    assert.deepEqual(delays, [
      601.1037519201636,
      896.5811179950833,
      3409.8631739616394,
      5357.872331514955,
      2797.0223799347878,
      15797.776265535504,
      8196.839829906821,
    ]);
  });

  it("uses baseDelay, factor and maxDelay", () => {
    const backoff = new Backoff({ baseDelay: 10, factor: 3, maxDelay: 100, random: () => 0.5 });
    assert.deepEqual(Array.from({ length: 4 }, () => backoff.next()), [5, 15, 45, 50]);
  });

  it("returns undefined after maxRetries retries", () => {
    const backoff = new Backoff({ maxRetries: 2, random: () => 0 });
    assert.equal(backoff.next(), 0);
    assert.equal(backoff.next(), 0);
    assert.equal(backoff.next(), undefined);
    assert.equal(backoff.next(), undefined);
    assert.equal(backoff.attempt, 2);
  });

  it("never retries with maxRetries 0", () => {
    assert.equal(new Backoff({ maxRetries: 0 }).next(), undefined);
  });

  it("resets the counter only after a connection stayed up minUptime", () => {
    const backoff = new Backoff({ random: () => 0.5 });
    backoff.next();
    backoff.next();
    backoff.connectionEnded(4_999);
    assert.equal(backoff.attempt, 2);
    assert.equal(backoff.next(), 2_000);
    backoff.connectionEnded(5_000);
    assert.equal(backoff.attempt, 0);
    assert.equal(backoff.next(), 500);
  });

  it("honours a custom minUptime and reset()", () => {
    const backoff = new Backoff({ minUptime: 100, random: () => 0.5 });
    backoff.next();
    backoff.connectionEnded(100);
    assert.equal(backoff.attempt, 0);
    backoff.next();
    backoff.reset();
    assert.equal(backoff.attempt, 0);
  });

  it("computes ceilings", () => {
    const options = { baseDelay: 1_000, factor: 2, maxDelay: 30_000 };
    assert.deepEqual([0, 1, 4, 5, 50].map((n) => backoffCeiling(n, options)), [
      1_000,
      2_000,
      16_000,
      30_000,
      30_000,
    ]);
  });

  it("rejects bad options with RangeError naming the option", () => {
    const cases: [Record<string, number>, RegExp | string][] = [
      [{ baseDelay: -1 }, "Invalid 'baseDelay': -1"],
      [{ baseDelay: NaN }, /'baseDelay'/],
      [{ baseDelay: 2_147_483_648 }, /'baseDelay'/],
      [{ factor: 0.5 }, "Invalid 'factor': 0.5"],
      [{ factor: Infinity }, /'factor'/],
      [{ maxDelay: Infinity }, "Invalid 'maxDelay': Infinity"],
      [{ maxRetries: -1 }, "Invalid 'maxRetries': -1"],
      [{ maxRetries: 1.5 }, /'maxRetries'/],
      [{ minUptime: -5 }, /'minUptime'/],
      [{ minUptime: Infinity }, /'minUptime'/],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => new Backoff(options), { name: "RangeError", message });
    }
  });

  it("rejects a random source outside [0, 1)", () => {
    assert.throws(() => new Backoff({ random: () => 1 }).next(), RangeError);
    assert.throws(() => new Backoff({ random: () => -0.1 }).next(), RangeError);
    assert.throws(
      () => new Backoff({ random: "nope" as unknown as () => number }),
      TypeError,
    );
  });
});
