// Connection state recovery in one process (MemoryStore), over real sockets (`ws` clients):
// connections dropped while events flow both ways lose, duplicate and reorder nothing; the
// reasons a session cannot be recovered reach the client; answers survive a reconnect.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { EventClient } from "./client.ts";
import { EventServer } from "./event_server.ts";
import { MemoryStore } from "./memory_store.ts";
import { type ClientSession, recovery, type RecoveryResult } from "./session.ts";
import type { RecoveryOptions } from "./store.ts";
import { FAST, Rig, until, within } from "./_helpers_test.ts";
import type { EventSocket } from "./socket.ts";

interface Up {
  up: (n: number) => void;
  ask: (n: number) => number;
  slow: (n: number) => number;
}
interface Down {
  down: (n: number) => void;
  direct: (n: number) => void;
}

/** A server with recovery: sockets join "room", record `up`s, answer `ask`/`slow`. */
interface RecoveringRig {
  rig: Rig<Up, Down>;
  ups: number[];
  sockets: EventSocket<Up, Down>[];
  setAway: (value: boolean) => boolean;
  last: () => EventSocket<Up, Down>;
}
interface RecoveringClient {
  client: EventClient<Down, Up>;
  session: ClientSession;
  results: RecoveryResult[];
  downs: number[];
}

async function recoveringRig(
  recoveryOption: true | RecoveryOptions = true,
): Promise<RecoveringRig> {
  const rig = new Rig<Up, Down>({ recovery: recoveryOption });
  const ups: number[] = [];
  const sockets: EventSocket<Up, Down>[] = [];
  let away = false;
  rig.io.onConnection((socket) => {
    sockets.push(socket);
    if (!socket.recovered) socket.join("room");
    socket.on("up", (n) => void ups.push(n));
    socket.on("ask", (n) => n * 2);
    socket.on("slow", (n) => new Promise((resolve) => setTimeout(() => resolve(n * 3), 150)));
  });
  await rig.start("codec", {
    authenticate: () => away ? { status: 503 } : true,
  });
  return {
    rig,
    ups,
    sockets,
    setAway: (value: boolean) => away = value,
    /** The open server side of the newest connection. */
    last: () => sockets[sockets.length - 1]!,
  };
}

async function recoveringClient(rig: Rig<Up, Down>): Promise<RecoveringClient> {
  const session = recovery();
  const results: RecoveryResult[] = [];
  session.onRecovery((result) => void results.push(result));
  const client = new EventClient<Down, Up>(rig.server.url, {
    ...FAST,
    recovery: session,
    onUnhandledError: false,
  });
  rig.clients.push(client as unknown as EventClient<never, never>);
  const downs: number[] = [];
  client.on("down", (n) => void downs.push(n));
  await until(() => results.length > 0, 5_000, "the first session answer");
  return { client, session, results, downs };
}

describe("recovery in one process (MemoryStore)", () => {
  const rigs: Rig<Up, Down>[] = [];
  after(async () => {
    for (const rig of rigs) await rig.stop();
  });

  it("refuses a bad sessionTtl, holdLimit or holdTime before any I/O", () => {
    for (const bad of [{ sessionTtl: 0 }, { holdLimit: 0 }, { holdTime: -1 }, { holdLimit: 1.5 }]) {
      const name = Object.keys(bad)[0]!;
      assert.throws(
        () => new EventServer({ recovery: bad }),
        (error: Error) =>
          error instanceof RangeError && error.message.includes(`'recovery.${name}'`),
        name,
      );
    }
    assert.equal(new EventServer({ recovery: { holdLimit: 1, holdTime: 1 } }).recovery, true);
  });

  it("a client dropped every 40 events while events flow both ways loses, repeats and reorders nothing", async () => {
    const { rig, ups, last, sockets } = await recoveringRig();
    rigs.push(rig);
    const { client, results, downs } = await recoveringClient(rig);
    assert.deepEqual(results[0], { recovered: false, reason: "new", session: last().session });
    const total = 400;
    const answers: Promise<number>[] = [];
    for (let i = 0; i < total; i++) {
      rig.io.to("room").emit("down", i);
      client.emit("up", i);
      if (i % 50 === 0) answers.push(client.emitWithAck("ask", i, { timeout: 20_000 }));
      if (i % 40 === 39) {
        last().conn.terminate(); // an abrupt drop, as a network failure
        await new Promise((resolve) => setTimeout(resolve, 5));
      } else if (i % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await until(() => downs.length >= total && ups.length >= total, 20_000, "every event");
    assert.deepEqual(
      await within(Promise.all(answers), 20_000, "answers"),
      [
        ...Array(8).keys(),
      ].map((i) => i * 100),
    );
    await new Promise((resolve) => setTimeout(resolve, 50)); // anything extra would show now
    assert.deepEqual(downs, [...Array(total).keys()]);
    assert.deepEqual(ups, [...Array(total).keys()]);
    // A drop while the client is still reconnecting drops nothing: at least half of them count.
    assert.ok(sockets.length >= 6, `reconnected ${sockets.length - 1} times`);
    assert.ok(results.slice(1).every((result) => result.recovered), JSON.stringify(results));
    assert.ok(sockets.slice(1).every((socket) => socket.recovered));
    assert.equal(new Set(sockets.map((socket) => socket.session)).size, 1);
  });

  it("an answer on its way when the connection drops arrives after the reconnect, once", async () => {
    const { rig, last } = await recoveringRig();
    rigs.push(rig);
    const { client, results } = await recoveringClient(rig);
    const answer = client.emitWithAck("slow", 7, { timeout: 10_000 });
    await until(() => last().pendingAcks === 0 && results.length === 1, 2_000, "sent");
    await new Promise((resolve) => setTimeout(resolve, 20));
    last().conn.terminate();
    assert.equal(await within(answer, 10_000, "the answer"), 21);
    await until(() => results.length === 2, 5_000, "the reconnection");
    assert.equal(results[1]!.recovered, true);
    assert.equal(client.pendingAcks, 0);
  });

  it("history trimmed while the client was away: recovered false, reason trimmed, then new events", async () => {
    const store = new MemoryStore({ maxLength: 5 });
    const { rig, last, setAway } = await recoveringRig({ store });
    rigs.push(rig);
    const { client, results, downs } = await recoveringClient(rig);
    rig.io.to("room").emit("down", 0);
    await until(() => downs.length === 1, 2_000, "the first event");
    setAway(true);
    last().conn.terminate();
    await until(() => client.client.state !== "open", 2_000, "the drop");
    for (let i = 1; i <= 20; i++) rig.io.to("room").emit("down", i);
    setAway(false);
    await until(() => results.length === 2, 10_000, "the reconnection");
    const second = results[1]!;
    assert.equal(second.recovered, false);
    assert.equal(second.recovered === false && second.reason, "trimmed");
    assert.deepEqual(downs, [0]); // nothing replayed from a history with a hole
    rig.io.to("room").emit("down", 21); // the rooms were restored with the session
    await until(() => downs.length === 2, 2_000, "a new event");
    assert.deepEqual(downs, [0, 21]);
  });

  it("a session away longer than sessionTtl: recovered false, reason expired", async () => {
    const { rig, last, setAway } = await recoveringRig({ sessionTtl: 30 });
    rigs.push(rig);
    const { client, results } = await recoveringClient(rig);
    const first = results[0]!.session;
    setAway(true);
    last().conn.terminate();
    await until(() => client.client.state !== "open", 2_000, "the drop");
    await new Promise((resolve) => setTimeout(resolve, 120));
    setAway(false);
    await until(() => results.length === 2, 10_000, "the reconnection");
    assert.deepEqual(results[1], { recovered: false, reason: "expired", session: last().session });
    assert.notEqual(last().session, first);
  });

  it("socket.emit and socket.to reach the session through the log", async () => {
    const { rig, last } = await recoveringRig();
    rigs.push(rig);
    const a = await recoveringClient(rig);
    const socketA = last();
    const b = await recoveringClient(rig);
    const directs: number[] = [];
    a.client.on("direct", (n) => void directs.push(n));
    socketA.emit("direct", 1);
    socketA.to("room").emit("down", 2); // everyone in the room but A
    await until(() => directs.length === 1 && b.downs.length === 1, 2_000, "both");
    assert.deepEqual(a.downs, []);
    assert.deepEqual(b.downs, [2]);
  });

  it("a wirely.v1 client without recovery on a server with recovery gets broadcasts, no session packets", async () => {
    const { rig } = await recoveringRig();
    rigs.push(rig);
    const raw = await rig.raw(["wirely.v1"]);
    const withSession = await recoveringClient(rig);
    raw.ws.send(JSON.stringify(["e", "ask", 1, 20])); // no session: an event as ever
    await until(() => raw.inbox.length === 1, 2_000, "the answer");
    rig.io.emit("down", 5);
    await until(() => raw.inbox.length === 2 && withSession.downs.length === 1, 2_000, "both");
    assert.deepEqual(raw.inbox, ['["a",1,40]', '["e","down",0,5]']);
  });

  it("a server without recovery: recovered false, reason unsupported, events still flow", async () => {
    const rig = new Rig<Up, Down>();
    rigs.push(rig);
    rig.io.onConnection((socket) => socket.on("ask", (n) => n + 1));
    await rig.start("codec");
    const session = recovery();
    const results: RecoveryResult[] = [];
    session.onRecovery((result) => void results.push(result));
    const client = new EventClient<Down, Up>(rig.server.url, { ...FAST, recovery: session });
    rig.clients.push(client as unknown as EventClient<never, never>);
    assert.equal(await within(client.emitWithAck("ask", 1), 5_000, "answer"), 2);
    assert.deepEqual(results, [{ recovered: false, reason: "unsupported", session: "" }]);
  });
});
