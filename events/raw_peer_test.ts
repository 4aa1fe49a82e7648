// Plain WebSocket peers: one that takes part by hand-written JSON, one that did not negotiate
// wirely.v1 (plain messages), and one that sends malformed frames.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { EventClient } from "./client.ts";
import { EventError } from "./errors.ts";
import { ENGINES, Rig, until, WebSocket, within } from "./_helpers_test.ts";

interface ClientToServer {
  join: (room: string) => number;
  say: (text: string) => void;
}
interface ServerToClient {
  said: (line: { from: number; text: string }) => void;
}

/** The runtime's own WebSocket when there is one (Deno, Node 22), else `ws` (same API). */
const RawWebSocket: typeof globalThis.WebSocket =
  (globalThis as { WebSocket?: typeof globalThis.WebSocket }).WebSocket ??
    (WebSocket as unknown as typeof globalThis.WebSocket);

interface RawPeer {
  socket: globalThis.WebSocket;
  inbox: (string | Uint8Array)[];
  closed: Promise<number>;
}

async function rawPeer(url: string, protocols: string[]): Promise<RawPeer> {
  const socket = new RawWebSocket(url, protocols);
  socket.binaryType = "arraybuffer";
  const inbox: (string | Uint8Array)[] = [];
  socket.addEventListener("message", (event) => {
    const data = event.data;
    inbox.push(typeof data === "string" ? data : new Uint8Array(data as ArrayBuffer));
  });
  const closed = new Promise<number>((resolve) => {
    socket.addEventListener("close", (event) => resolve(event.code));
  });
  await within(
    new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve());
      socket.addEventListener("error", () => reject(new Error("raw peer failed to open")));
    }),
    5_000,
    "raw open",
  );
  return { socket, inbox, closed };
}

for (const { engine, skip } of ENGINES) {
  describe(`plain WebSocket peers (engine ${engine})`, { skip }, () => {
    const rig = new Rig<ClientToServer, ServerToClient>();
    const said: string[] = [];
    const peers: RawPeer[] = [];
    let client: EventClient<ServerToClient, ClientToServer>;

    before(async () => {
      rig.io.onConnection((socket) => {
        socket.on("join", (room) => {
          socket.join(room);
          return socket.rooms.size;
        });
        socket.on("say", (text) => {
          said.push(text);
          for (const room of socket.rooms) {
            socket.to(room).emit("said", { from: socket.id, text });
          }
        });
      });
      await rig.start(engine, {
        onMessage: (conn, message) => conn.send(message.data), // plain connections: echo
      });
      client = await rig.client<ServerToClient, ClientToServer>();
      await within(client.emitWithAck("join", "lobby"), 5_000, "join");
    });
    after(async () => {
      for (const peer of peers) peer.socket.close();
      await rig.stop();
    });

    it("lets a raw WebSocket take part with hand-written JSON", async () => {
      const peer = await rawPeer(rig.server.url, ["wirely.v1"]);
      peers.push(peer);
      assert.equal(peer.socket.protocol, "wirely.v1");
      peer.socket.send('["e","join",1,"lobby"]');
      await until(() => peer.inbox.length === 1, 5_000, "join answer");
      assert.deepEqual(JSON.parse(peer.inbox[0] as string), ["a", 1, 1]);

      const lines: { from: number; text: string }[] = [];
      client.on("said", (line) => {
        lines.push(line);
      });
      peer.socket.send(JSON.stringify(["e", "say", 0, "hello from raw"]));
      await until(() => lines.length === 1, 5_000, "client hears raw");
      assert.equal(lines[0]!.text, "hello from raw");

      client.emit("say", "hello raw");
      await until(() => peer.inbox.length === 2, 5_000, "raw hears client");
      const [kind, event, id, line] = JSON.parse(peer.inbox[1] as string);
      assert.deepEqual([kind, event, id, line.text], ["e", "said", 0, "hello raw"]);
    });

    it("keeps plain messages on a connection without wirely.v1", async () => {
      const peer = await rawPeer(rig.server.url, []);
      peers.push(peer);
      assert.equal(peer.socket.protocol, "");
      peer.socket.send('["e","say",0,"not an event"]');
      await until(() => peer.inbox.length === 1, 5_000, "echo");
      assert.equal(peer.inbox[0], '["e","say",0,"not an event"]');
      assert.ok(!said.includes("not an event"));
      rig.io.emit("said", { from: 0, text: "events only" });
      peer.socket.send("marker");
      await until(() => peer.inbox.length === 2, 5_000, "marker echo");
      assert.equal(peer.inbox[1], "marker", "no event reached the plain peer");
    });

    it("drops malformed frames from a raw peer with an error event, never a handler call", async () => {
      const peer = await rawPeer(rig.server.url, ["wirely.v1"]);
      peers.push(peer);
      const before = said.length;
      const errorsBefore = rig.errors.length;
      const garbage: (string | Uint8Array<ArrayBuffer>)[] = [
        "{not json",
        '{"e":"say"}',
        '["e","say"]',
        '["e","",0,"x"]',
        '["e","say",-1,"x"]',
        '["a",0]',
        '["x",1,"no object"]',
        new Uint8Array([]),
        new Uint8Array([0x65, 0, 0]),
        new Uint8Array([0x65, 0, 0, 0, 0, 9, 0x73]),
        new Uint8Array([0x65, 0, 0, 0, 0, 1, 0xff]),
        new Uint8Array([0x7a, 1, 2, 3]),
      ];
      for (const frame of garbage) peer.socket.send(frame);
      peer.socket.send('["e","join",2,"lobby"]');
      await until(() => peer.inbox.length === 1, 5_000, "answer after garbage");
      assert.deepEqual(JSON.parse(peer.inbox[0] as string), ["a", 2, 1]);
      const errors = rig.errors.slice(errorsBefore);
      assert.equal(errors.length, garbage.length);
      assert.ok(errors.every((e) => e instanceof EventError && e.code === "MALFORMED_EVENT"));
      assert.equal(said.length, before);
    });
  });
}

describe("malformed policy close", () => {
  const rig = new Rig<ClientToServer, ServerToClient>({ malformed: "close" });
  before(() => rig.start("codec").then(() => {}));
  after(() => rig.stop());

  it("closes the connection with 1007 after a malformed frame", async () => {
    const peer = await rawPeer(rig.server.url, ["wirely.v1"]);
    peer.socket.send("[1,2,3]");
    assert.equal(await within(peer.closed, 5_000, "close"), 1007);
    assert.equal(rig.errors[0]?.code, "MALFORMED_EVENT");
  });
});
