// Answers (acks) over real sockets: values, errors, timeouts, middleware refusals, server to
// client, and answers that can never come (disconnects, the offline queue).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { WirelyClient } from "../client/client.ts";
import { EventClient } from "./client.ts";
import { EventError } from "./errors.ts";
import type { EventSocket } from "./socket.ts";
import { FAST, rejection, Rig, until, within } from "./_helpers_test.ts";
import { opened } from "../client/lifecycle.ts";

interface ClientToServer {
  double: (n: number) => number;
  later: (n: number) => Promise<number>;
  callback: (n: number) => number;
  fail: () => void;
  refuse: () => void;
  silent: () => void;
  guarded: (token: string) => string;
  slowGuard: (n: number) => number;
  note: (text: string) => void;
  unknown: () => void;
}
interface ServerToClient {
  ask: (question: string) => string;
  hang: () => void;
}
type Client = EventClient<ServerToClient, ClientToServer>;

describe("answers", () => {
  const rig = new Rig<ClientToServer, ServerToClient>();
  const sockets: EventSocket<ClientToServer, ServerToClient>[] = [];
  const order: number[] = [];
  const notes: string[] = [];
  let client: Client;

  before(async () => {
    const { io } = rig;
    io.use("guarded", (_socket, token) => {
      if (token !== "secret") {
        throw new EventError("REJECTED", "bad token", { remoteCode: "UNAUTHORIZED" });
      }
    });
    io.use("note", (_socket, text) => {
      if (typeof text !== "string") throw new Error("notes are text");
    });
    io.use("slowGuard", async (_socket, n) => {
      await new Promise((resolve) => setTimeout(resolve, n === 1 ? 30 : 0));
      if (n === 3) throw new Error("three is refused");
    });
    io.onConnection((socket) => {
      sockets.push(socket);
      socket.on("double", (n) => n * 2);
      socket.on("later", async (n) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return n + 1;
      });
      socket.on("callback", (n, ack) => {
        setTimeout(() => ack(n * 10), 5);
      });
      socket.on("fail", () => {
        throw new Error("secret detail");
      });
      socket.on("refuse", () => {
        throw new EventError("REJECTED", "not today", { remoteCode: "CLOSED_SHOP" });
      });
      socket.on("silent", (_data, _ack) => {});
      socket.on("guarded", (token) => token.toUpperCase());
      socket.on("slowGuard", (n) => {
        order.push(n);
        return n;
      });
      socket.on("note", (text) => {
        notes.push(text);
      });
    });
    await rig.start("codec");
    client = await rig.client<ServerToClient, ClientToServer>();
  });
  after(() => rig.stop());

  it("resolves with a return value, an awaited promise, or the ack callback", async () => {
    assert.equal(await within(client.emitWithAck("double", 21), 5_000, "double"), 42);
    assert.equal(await within(client.emitWithAck("later", 1), 5_000, "later"), 2);
    assert.equal(await within(client.emitWithAck("callback", 4), 5_000, "callback"), 40);
  });

  it("rejects with REJECTED when a handler fails, without leaking its details", async () => {
    const failed = await rejection(client.emitWithAck("fail"), "fail");
    assert.ok(failed instanceof EventError);
    assert.equal(failed.code, "REJECTED");
    assert.equal(failed.remoteCode, "HANDLER_ERROR");
    assert.equal(failed.message, "internal error");
    assert.equal(failed.event, "fail");
    await until(() => rig.errors.some((e) => e.code === "HANDLER_ERROR"), 5_000, "server error");
    const refused = await rejection(client.emitWithAck("refuse"), "refuse");
    assert.equal(refused.remoteCode, "CLOSED_SHOP");
    assert.equal(refused.message, "not today");
    const unknown = await rejection(client.emitWithAck("unknown"), "unknown");
    assert.equal(unknown.remoteCode, "NO_HANDLER");
  });

  it("rejects with ACK_TIMEOUT when no answer comes in time", async () => {
    const error = await rejection(
      client.emitWithAck("silent", undefined, { timeout: 50 }),
      "silent",
    );
    assert.ok(error instanceof EventError);
    assert.equal(error.code, "ACK_TIMEOUT");
    assert.equal(client.pendingAcks, 0);
    await assert.rejects(client.emitWithAck("silent", undefined, { timeout: 0 }), RangeError);
  });

  it("lets middleware refuse an event with an error the client receives", async () => {
    assert.equal(await within(client.emitWithAck("guarded", "secret"), 5_000, "guarded"), "SECRET");
    const error = await rejection(client.emitWithAck("guarded", "guess"), "guarded");
    assert.equal(error.code, "REJECTED");
    assert.equal(error.remoteCode, "UNAUTHORIZED");
    assert.equal(error.message, "bad token");
    // without an answer wanted, the refusal arrives as an error event naming the event
    const errors: EventError[] = [];
    const off = client.onError((e) => errors.push(e));
    (client as unknown as EventClient).emit("note", 5);
    client.emit("note", "kept");
    await until(() => errors.length === 1 && notes.length === 1, 5_000, "refused note");
    off();
    assert.equal(errors[0]!.code, "REJECTED");
    assert.equal(errors[0]!.remoteCode, "REJECTED");
    assert.equal(errors[0]!.message, "notes are text");
    assert.equal(errors[0]!.event, "note");
    assert.deepEqual(notes, ["kept"]);
  });

  it("keeps events in order behind an async middleware", async () => {
    const answers = await within(
      Promise.allSettled([1, 2, 3, 4].map((n) => client.emitWithAck("slowGuard", n))),
      5_000,
      "slowGuard",
    );
    assert.deepEqual(order, [1, 2, 4]);
    assert.equal(answers[2]!.status, "rejected");
    assert.deepEqual(answers.filter((a) => a.status === "fulfilled").map((a) => a.value), [
      1,
      2,
      4,
    ]);
  });

  it("lets the server ask the client", async () => {
    client.on("ask", (question) => `answer to ${question}`);
    await until(() => sockets.length === 1, 5_000, "socket");
    const answer = await within(sockets[0]!.emitWithAck("ask", "life"), 5_000, "ask");
    assert.equal(answer, "answer to life");
  });
});

describe("answers that can never come", () => {
  const rig = new Rig<ClientToServer, ServerToClient>();
  const sockets: EventSocket<ClientToServer, ServerToClient>[] = [];
  before(async () => {
    rig.io.onConnection((socket) => {
      sockets.push(socket);
      socket.on("silent", (_data, _ack) => {});
    });
    await rig.start("codec");
  });
  after(() => rig.stop());

  it("rejects the client's awaited answers with ACK_DISCONNECTED when the connection drops", async () => {
    const client = await rig.client<ServerToClient, ClientToServer>();
    const pending = client.emitWithAck("silent", undefined, { timeout: Infinity });
    await until(() => sockets.length === 1, 5_000, "socket");
    sockets[0]!.disconnect(4000, "bye");
    const error = await rejection(pending, "silent");
    assert.equal(error.code, "ACK_DISCONNECTED");
  });

  it("rejects the server's awaited answers with ACK_DISCONNECTED when the client leaves", async () => {
    const client = await rig.client<ServerToClient, ClientToServer>({}, "?tag=hang");
    client.on("hang", (_data, _ack) => {});
    const tagged = () => sockets.find((s) => s.conn.url.searchParams.get("tag") === "hang");
    await until(() => tagged() !== undefined, 5_000, "socket");
    const pending = tagged()!.emitWithAck("hang", undefined, { timeout: Infinity });
    client.close();
    const error = await rejection(pending, "hang");
    assert.equal(error.code, "ACK_DISCONNECTED");
  });

  it("queues events while offline and answers them once connected", async () => {
    const client = new EventClient<ServerToClient, ClientToServer>(rig.server.url, {
      ...FAST,
      autoConnect: false,
    });
    rig.clients.push(client as unknown as EventClient<never, never>);
    rig.io.onConnection((socket) => socket.on("double", (n) => n * 2));
    const answer = client.emitWithAck("double", 4);
    assert.equal(client.client.queuedMessages, 1);
    client.client.connect();
    assert.equal(await within(answer, 5_000, "queued double"), 8);
  });

  it("wraps a client that is already open", async () => {
    const plain = new WirelyClient(rig.server.url, { ...FAST, protocols: ["wirely.v1"] });
    await within(opened(plain), 5_000, "plain open");
    const client = new EventClient<ServerToClient, ClientToServer>(plain);
    rig.clients.push(client as unknown as EventClient<never, never>);
    assert.equal(client.negotiated, true);
    assert.equal(await within(client.emitWithAck("double", 3), 5_000, "double"), 6);
  });

  it("rejects answers of events still queued with ACK_UNSENT when the client closes", async () => {
    const client = new EventClient<ServerToClient, ClientToServer>(rig.server.url, {
      ...FAST,
      autoConnect: false,
    });
    const pending = client.emitWithAck("double", 1);
    const unsent = client.close();
    assert.equal(unsent.length, 1);
    const error = await rejection(pending, "unsent");
    assert.equal(error.code, "ACK_UNSENT");
    await assert.rejects(client.emitWithAck("double", 1), { code: "INVALID_STATE" });
  });
});
