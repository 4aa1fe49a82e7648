// A three-client chat room over real sockets: join, message, leave, broadcast excluding the
// sender, on both server engines (codec only outside Deno).
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { EventClient } from "./client.ts";
import { ENGINES, Rig, until, within } from "./_helpers_test.ts";

interface ClientToServer {
  join: (room: string) => number;
  leave: (room: string) => void;
  say: (text: string) => void;
}
interface Line {
  from: string;
  text: string;
}
interface ServerToClient {
  said: (line: Line) => void;
  notice: (text: string) => void;
  mark: (n: number) => void;
}
type Chat = EventClient<ServerToClient, ClientToServer>;

for (const { engine, skip } of ENGINES) {
  describe(`a chat room of three clients (engine ${engine})`, { skip }, () => {
    const rig = new Rig<ClientToServer, ServerToClient, { name: string }>();
    after(() => rig.stop());

    it("joins, broadcasts to the others, leaves, and reaches everyone from the server", async () => {
      const { io } = rig;
      io.onConnection((socket) => {
        socket.data = { name: socket.conn.url.searchParams.get("name") ?? "?" };
        socket.on("join", (room) => {
          socket.join(room);
          io.to(room).emit("notice", `${socket.data.name} joined ${room}`);
          return socket.rooms.size;
        });
        socket.on("leave", (room, ack) => {
          socket.leave(room);
          ack();
        });
        socket.on("say", (text) => {
          for (const room of socket.rooms) {
            socket.to(room).emit("said", { from: socket.data.name, text });
          }
        });
      });
      await rig.start(engine);
      const names = ["ada", "bob", "cy"];
      const clients: Chat[] = [];
      const lines = new Map<string, Line[]>();
      const notices = new Map<string, string[]>();
      const marks = new Map<string, number[]>();
      for (const name of names) {
        const client = await rig.client<ServerToClient, ClientToServer>({}, `?name=${name}`);
        const said: Line[] = [];
        const noticed: string[] = [];
        const marked: number[] = [];
        client.on("said", (line) => {
          said.push(line);
        });
        client.on("notice", (text) => {
          noticed.push(text);
        });
        client.on("mark", (n) => {
          marked.push(n);
        });
        lines.set(name, said);
        notices.set(name, noticed);
        marks.set(name, marked);
        clients.push(client);
      }
      const [ada, bob, cy] = clients as [Chat, Chat, Chat];

      // join: every member of the room hears about each newcomer
      for (const client of clients) {
        assert.equal(await within(client.emitWithAck("join", "lobby"), 5_000, "join"), 1);
      }
      await until(() => notices.get("ada")!.length === 3, 5_000, "ada's notices");
      assert.deepEqual(notices.get("ada"), [
        "ada joined lobby",
        "bob joined lobby",
        "cy joined lobby",
      ]);
      await until(() => notices.get("cy")!.length === 1, 5_000, "cy's notice");

      // message: everyone but the sender
      ada.emit("say", "hello all");
      await until(
        () => lines.get("bob")!.length === 1 && lines.get("cy")!.length === 1,
        5_000,
        "said",
      );
      assert.deepEqual(lines.get("bob"), [{ from: "ada", text: "hello all" }]);
      assert.deepEqual(lines.get("cy"), [{ from: "ada", text: "hello all" }]);

      // leave: cy no longer hears the room
      await within(cy.emitWithAck("leave", "lobby"), 5_000, "leave");
      bob.emit("say", "cy left?");
      await until(() => lines.get("ada")!.length === 1, 5_000, "ada hears bob");
      assert.deepEqual(lines.get("ada"), [{ from: "bob", text: "cy left?" }]);

      // emit to all: a marker that follows every earlier event on each connection
      assert.equal(rig.io.emit("mark", 1), 3);
      await until(() => names.every((name) => marks.get(name)!.length === 1), 5_000, "marks");
      assert.deepEqual(
        lines.get("ada"),
        [{ from: "bob", text: "cy left?" }],
        "no echo to the sender",
      );
      assert.deepEqual(lines.get("bob"), [{ from: "ada", text: "hello all" }], "no echo to bob");
      assert.deepEqual(lines.get("cy"), [{ from: "ada", text: "hello all" }], "cy left before");

      // except(room) and several rooms
      await within(bob.emitWithAck("join", "ops"), 5_000, "join ops");
      assert.equal(rig.io.except("ops").emit("mark", 2), 2);
      assert.equal(
        rig.io.to("lobby").to("ops").except(rig.io.sockets.values().next().value!).emit("mark", 3),
        1,
      );
      await until(
        () => marks.get("ada")!.length === 2 && marks.get("cy")!.length === 2,
        5_000,
        "marks 2",
      );
      await until(() => marks.get("bob")!.length === 2, 5_000, "marks 3");
      assert.deepEqual(marks.get("ada"), [1, 2]);
      assert.deepEqual(marks.get("bob"), [1, 3]);
      assert.deepEqual(marks.get("cy"), [1, 2]);
    });
  });
}
