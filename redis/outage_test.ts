// Recovery across a Redis outage (a redis-server per test, stopped by PID): events from every
// server and from a client keep flowing while Redis is down; within the hold bounds they are
// written to the log in order once Redis is back and every client (on every server, or away
// during the outage) gets each once, in order; past a bound they go out unlogged and every
// session is told recovered false ("outage"). Clients are `ws` EventClients.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { skipWithoutRedis, until } from "./_helpers_test.ts";
import { cluster, type Member, member, type Node, sleep } from "./_recovery_helpers_test.ts";

/** Fails with what is wrong: a number missing or repeated, or one source's numbers out of order. */
function assertOnceInOrder(downs: number[], expected: number[], who: string): void {
  const seen = new Set<number>();
  const last = new Map<number, number>();
  for (const n of downs) {
    assert.ok(!seen.has(n), `${who}: ${n} twice in ${downs}`);
    seen.add(n);
    const source = Math.floor(n / 1_000);
    assert.ok((last.get(source) ?? -1) < n, `${who}: ${n} after ${last.get(source)} in ${downs}`);
    last.set(source, n);
  }
  const missing = expected.filter((n) => !seen.has(n));
  assert.deepEqual(missing, [], `${who} misses ${missing}`);
}

describe("recovery across a Redis outage", { skip: skipWithoutRedis }, () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  for (const signal of ["SIGKILL", "SIGTERM"] as const) {
    it(`Redis stopped (${signal}) and restarted while events flow: every client, connected or away, gets each event once, in order, and recovers`, async () => {
      const { redis, nodes: [a, b] } = await cluster(cleanups, 2, {}, true);
      const onA = await member(() => a!.server.url);
      const onB = await member(() => b!.server.url);
      let target: Node = b!;
      const away = await member(() => target.server.url);
      const sender = await member(() => a!.server.url);
      const members: [string, Member][] = [["onA", onA], ["onB", onB], ["away", away], [
        "sender",
        sender,
      ]];
      cleanups.push(...members.map(([, m]) => () => void m.client.close()));
      const expected: number[] = [];
      let k = 0;
      const round = async (): Promise<void> => {
        for (
          const [source, emit] of [
            [1, (n: number) => a!.io.to("room").emit("down", n)],
            [2, (n: number) => b!.io.to("room").emit("down", n)],
            [3, (n: number) => sender.client.emit("say", n)], // handled by a: io.to("room").emit
          ] as const
        ) {
          const n = source * 1_000 + k;
          emit(n);
          expected.push(n);
        }
        k++;
        await sleep(5);
      };
      for (let i = 0; i < 20; i++) await round();
      // The away client leaves; while it is away Redis goes down and events keep coming.
      a!.away = b!.away = true;
      b!.sockets[1]!.conn.terminate(); // b's sockets: onB, away
      await until(() => away.client.client.state !== "open", 2_000, "the drop");
      await redis.stop(signal);
      for (let i = 0; i < 20; i++) await round();
      await redis.restart();
      for (let i = 0; i < 20; i++) await round();
      target = a!;
      a!.away = b!.away = false;
      await until(
        () =>
          away.results.length >= 2 && // the answer follows the replayed events
          members.every(([, m]) => expected.every((n) => m.downs.includes(n))),
        20_000,
        "every event at every client",
      ).catch(() => {});
      for (const [who, m] of members) assertOnceInOrder(m.downs, expected, who);
      for (const [who, m] of members) {
        const notices = m.results.slice(1).filter((r) => !r.recovered);
        assert.deepEqual(notices, [], `${who}: ${JSON.stringify(m.results)}`);
      }
      assert.ok(away.results.length >= 2, JSON.stringify(away.results)); // it did reconnect
    });
  }

  it("past the hold bound: the held events go out to the server's own clients after an outage notice, every other session is told outage, then events flow and recover again", async () => {
    const { redis, nodes: [a, b] } = await cluster(cleanups, 2, { holdLimit: 2 }, true);
    const onA = await member(() => a!.server.url);
    const onB = await member(() => b!.server.url);
    let target: Node = b!;
    const away = await member(() => target.server.url);
    cleanups.push(...[onA, onB, away].map((m) => () => void m.client.close()));
    a!.io.to("room").emit("down", 1);
    await until(() => [onA, onB, away].every((m) => m.downs.length === 1), 5_000, "before");
    a!.away = b!.away = true;
    b!.sockets[1]!.conn.terminate(); // b's sockets: onB, away
    await until(() => away.client.client.state !== "open", 2_000, "the drop");
    await redis.stop();
    await sleep(200); // the clients notice (else the writes wait for node-redis's own timeout)
    for (const n of [2, 3, 4]) a!.io.to("room").emit("down", n); // the third is past holdLimit
    await until(() => onA.downs.length === 4, 10_000, "a's events unlogged to its own client");
    const notice = onA.results.at(-1)!;
    assert.equal(!notice.recovered && notice.reason, "outage", JSON.stringify(onA.results));
    await redis.restart();
    await until(
      () => onB.results.some((r) => !r.recovered && r.reason === "outage"),
      15_000,
      "the gap record's notice on b",
    );
    target = a!;
    a!.away = b!.away = false;
    const seen = away.results.length;
    await until(() => away.results.length > seen, 15_000, "the reconnection");
    const result = away.results.at(-1)!;
    assert.equal(!result.recovered && result.reason, "outage", JSON.stringify(away.results));
    assert.deepEqual(onB.downs, [1]); // what it missed is reported, not silent
    assert.deepEqual(away.downs, [1]);
    // The sessions go on: new events arrive with positions, and a reconnect recovers.
    b!.io.to("room").emit("down", 5);
    await until(() => [onA, onB, away].every((m) => m.downs.at(-1) === 5), 10_000, "after");
    assert.deepEqual(onA.downs, [1, 2, 3, 4, 5]);
    const before = onB.results.length;
    b!.sockets[0]!.conn.terminate();
    await until(() => onB.results.length > before, 10_000, "onB's reconnection");
    assert.equal(onB.results.at(-1)!.recovered, true, JSON.stringify(onB.results));
  });
});
