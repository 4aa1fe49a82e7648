// Connection state recovery on a real Redis (a redis-server per test, stopped by PID): clients
// moving between servers while events flow both ways, a server process killed with SIGKILL,
// history trimmed, a session's claim lost by Redis. Clients are `ws` EventClients; Redis
// outages are in outage_test.ts.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { connect, skipWithoutRedis, until, within } from "./_helpers_test.ts";
import { cluster, member, type NodeOptions, sleep } from "./_recovery_helpers_test.ts";

/** A server process (redis/testdata/recovery_server.ts) on a free port. */
async function serverProcess(redisUrl: string): Promise<{
  url: string;
  got: number[];
  kill(): Promise<void>;
}> {
  const inDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
  const file = (ext: string): string =>
    fileURLToPath(new URL(`./testdata/recovery_server.${ext}`, import.meta.url));
  const args = inDeno
    ? ["run", "--allow-net", "--allow-env", "--allow-read", file("ts"), "0", redisUrl]
    : [file("js"), "0", redisUrl];
  const child: ChildProcess = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const got: number[] = [];
  let port = 0;
  let pending = "";
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      if (line.startsWith("got ")) got.push(Number(line.slice(4)));
      else if (line.startsWith("listening ")) port = Number(line.slice(10));
    }
  });
  let exited = false;
  child.once("exit", () => exited = true);
  await until(() => port !== 0 || exited, 20_000, "the server process to listen");
  if (port === 0) throw new Error("the server process exited");
  return {
    url: `ws://127.0.0.1:${port}/`,
    got,
    kill: async () => {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGKILL");
      await within(gone, 10_000, "the server process to exit");
    },
  };
}

describe("recovery on Redis", { skip: skipWithoutRedis }, () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  const setup = (count: number, options: NodeOptions = {}, appendOnly = false) =>
    cluster(cleanups, count, options, appendOnly);

  it("a client moving to the other server on every drop, events from both: nothing lost, repeated or reordered, both ways", async () => {
    const { nodes: [a, b] } = await setup(2);
    let connections = 0;
    const url = (): string => (connections++ % 2 === 0 ? a! : b!).server.url;
    const { client, results, downs } = await member(url);
    cleanups.push(() => void client.close());
    const total = 300;
    const answers: Promise<number>[] = [];
    for (let i = 0; i < total; i++) {
      (i % 2 === 0 ? a! : b!).io.to("room").emit("down", i);
      client.emit("up", i);
      if (i % 20 === 0) answers.push(client.emitWithAck("ask", i, { timeout: 20_000 }));
      if (i % 30 === 29) {
        for (const node of [a!, b!]) {
          for (const socket of node.sockets) {
            if (socket.conn.state === "open") socket.conn.terminate();
          }
        }
      }
      await sleep(i % 3 === 0 ? 2 : 0);
    }
    await until(
      () => downs.length >= total && a!.ups.length + b!.ups.length >= total,
      20_000,
      "every event",
    ).catch((error) => {
      const missing = [...Array(total).keys()].filter((n) => !downs.includes(n));
      const ups = new Set([...a!.ups, ...b!.ups]);
      console.log(
        "missing downs",
        missing,
        "missing ups",
        [...Array(total).keys()].filter((n) => !ups.has(n)),
        "unconfirmed",
        results,
        client.client.state,
      );
      throw error;
    });
    // Every answer once, whichever server handled the question and the connection it left on.
    assert.deepEqual(
      await within(Promise.all(answers), 20_000, "answers"),
      [...Array(total / 20).keys()].map((i) => i * 40),
    );
    assert.equal(client.pendingAcks, 0);
    await sleep(100); // a duplicate would show now
    // Each server's events in the order it sent them, none missing or twice.
    assert.deepEqual(
      downs.filter((n) => n % 2 === 0),
      [...Array(total / 2).keys()].map((i) => 2 * i),
    );
    assert.deepEqual(
      downs.filter((n) => n % 2 === 1),
      [...Array(total / 2).keys()].map((i) => 2 * i + 1),
    );
    // The client's events: each handled once, in order, across both servers.
    const ups = [...a!.ups, ...b!.ups].sort((x, y) => x - y);
    assert.deepEqual(ups, [...Array(total).keys()]);
    for (const node of [a!, b!]) assert.deepEqual(node.ups, [...node.ups].sort((x, y) => x - y));
    assert.ok(connections >= 10, `${connections} connections`);
    assert.ok(results.slice(1).every((result) => result.recovered), JSON.stringify(results));
    assert.ok(a!.sockets.length > 2 && b!.sockets.length > 2);
  });

  it("a server process killed with SIGKILL: its client moves to another server and misses nothing", async () => {
    const { redis, nodes: [b] } = await setup(1);
    const proc = await serverProcess(redis.url);
    cleanups.push(() => proc.kill());
    let killed = false;
    const { client, results, downs } = await member(() => killed ? b!.server.url : proc.url);
    cleanups.push(() => void client.close());
    const total = 200;
    for (let i = 0; i < total; i++) {
      b!.io.to("room").emit("down", i);
      client.emit("up", i);
      if (i === 100) {
        killed = true;
        await proc.kill();
      }
      await sleep(i % 3 === 0 ? 2 : 0);
    }
    await until(() => downs.length >= total, 20_000, "every event");
    await until(() => new Set([...proc.got, ...b!.ups]).size >= total, 20_000, "every up");
    await sleep(100);
    assert.deepEqual(downs, [...Array(total).keys()]);
    assert.equal(results.length, 2);
    assert.equal(results[1]!.recovered, true, JSON.stringify(results));
    assert.equal(b!.last.recovered, true);
    // Every up handled, in order on each server. An event the killed server handed to its
    // handlers in its last Redis round trip cannot be told apart from one it never handled:
    // the next server handles it again (docs/scale-out.md); nothing is lost.
    assert.deepEqual([...new Set([...proc.got, ...b!.ups])].sort((x, y) => x - y), [
      ...Array(total).keys(),
    ]);
    assert.deepEqual(proc.got, [...Array(proc.got.length).keys()]);
    assert.deepEqual(b!.ups, [...b!.ups].sort((x, y) => x - y));
    const redone = proc.got.length + b!.ups.length - total;
    assert.ok(redone <= 3, `${redone} handled twice`);
    assert.ok(proc.got.length > 0 && b!.ups.length > 0);
  });

  it("history trimmed while away: recovered false, reason trimmed; within the bound: replayed on the other server", async () => {
    const { nodes: [a, b] } = await setup(2, { maxLength: 10 });
    let target = a!;
    const { client, results, downs } = await member(() => target.server.url);
    cleanups.push(() => void client.close());
    for (const [count, expect] of [[5, true], [30, false]] as const) {
      const before = downs.length;
      a!.away = b!.away = true;
      for (const node of [a!, b!]) for (const s of node.sockets) s.conn.terminate();
      await until(() => client.client.state !== "open", 2_000, "the drop");
      for (let i = 0; i < count; i++) a!.io.to("room").emit("down", 1000 + i);
      await sleep(50); // appended
      target = target === a ? b! : a!;
      a!.away = b!.away = false;
      const seen = results.length;
      await until(() => results.length > seen, 10_000, "the reconnection");
      const result = results[results.length - 1]!;
      assert.equal(result.recovered, expect, JSON.stringify(result));
      if (expect) {
        assert.deepEqual(downs.slice(before), [...Array(count).keys()].map((i) => 1000 + i));
        assert.equal(result.recovered && result.replayed, count);
      } else {
        assert.equal(!result.recovered && result.reason, "trimmed");
        assert.equal(downs.length, before);
      }
    }
    b!.io.to("room").emit("down", 7);
    await until(() => downs.at(-1) === 7, 5_000, "a new event after the refetch");
  });

  it("binary events go through the Redis log and its replay byte for byte", async () => {
    const { nodes: [a, b] } = await setup(2);
    let target = a!;
    const { client, results } = await member(() => target.server.url);
    cleanups.push(() => void client.close());
    const got: Uint8Array[] = [];
    client.on("down", (data) => void got.push(data as unknown as Uint8Array));
    const bytes = (n: number): Uint8Array => new Uint8Array([0, 255, n, 0xc3, 0x28]); // not UTF-8
    (a!.io.to("room") as unknown as { emit(e: string, d: Uint8Array): number }).emit(
      "down",
      bytes(1),
    );
    await until(() => got.length === 1, 5_000, "live");
    a!.away = b!.away = true;
    a!.last.conn.terminate();
    await until(() => client.client.state !== "open", 2_000, "the drop");
    (a!.io.to("room") as unknown as { emit(e: string, d: Uint8Array): number }).emit(
      "down",
      bytes(2),
    );
    await sleep(50);
    target = b!;
    a!.away = b!.away = false;
    await until(() => got.length === 2 && results.length === 2, 10_000, "replayed");
    assert.equal(results[1]!.recovered, true); // the answer follows the replayed events
    assert.deepEqual(got.map((data) => [...data]), [[...bytes(1)], [...bytes(2)]]);
  });

  it("Redis lost the last claim of a session (restart without its last writes): its connection goes on", async () => {
    const { redis, nodes: [a] } = await setup(1);
    const { client, session } = await member(() => a!.server.url);
    cleanups.push(() => void client.close());
    client.emit("up", 1);
    await until(() => a!.ups.length === 1, 5_000, "the first event");
    // What a restart that lost the tail of the append-only file leaves: an older generation.
    const control = await connect(redis.url);
    cleanups.push(() => void control.destroy());
    const key = `wirely#session#${session.id}`;
    const stored = JSON.parse(String(await control.get(key))) as { g: number };
    await control.set(key, JSON.stringify({ ...stored, g: stored.g - 1 }), { PX: 60_000 });
    client.emit("up", 2);
    await until(() => a!.ups.length === 2, 5_000, "the next event handled");
    assert.deepEqual(a!.ups, [1, 2]);
    assert.equal(client.client.state, "open");
  });
});
