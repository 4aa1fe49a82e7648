// A fixture for typecheck_test.ts, checked with `deno check`, never run: every line marked
// `@ts-expect-error` must be a type error. If the event maps stopped catching one of them, the
// unused directive would itself be an error and the check (and the test) would fail.
import { EventClient } from "../mod.ts";
import { EventServer } from "../server.ts";

interface ClientToServer {
  join: (room: string) => number;
  say: (line: { text: string }) => void;
  ping: () => void;
  upload: (bytes: Uint8Array) => string;
}
interface ServerToClient {
  said: (line: { from: number; text: string }) => void;
  ask: (question: string) => boolean;
}

export function client(url: string): void {
  const socket = new EventClient<ServerToClient, ClientToServer>(url);

  socket.emit("join", "lobby");
  socket.emit("say", { text: "hi" });
  socket.emit("ping");
  socket.emit("upload", new Uint8Array(1));
  const members: Promise<number> = socket.emitWithAck("join", "lobby", { timeout: 1_000 });
  const pong: Promise<void> = socket.emitWithAck("ping");
  void members, pong;

  // @ts-expect-error a number where a room name is expected
  socket.emit("join", 5);
  // @ts-expect-error a field of the wrong type
  socket.emit("say", { text: 5 });
  // @ts-expect-error a missing field
  socket.emit("say", {});
  // @ts-expect-error data for an event that takes none
  socket.emit("ping", "data");
  // @ts-expect-error an event that does not exist
  socket.emit("shout", "hi");
  // @ts-expect-error the data is required
  socket.emit("join");
  // @ts-expect-error the answer of join is a number, not a string
  const wrong: Promise<string> = socket.emitWithAck("join", "lobby");
  // @ts-expect-error a string where bytes are expected
  socket.emitWithAck("upload", "not bytes");
  void wrong;

  socket.on("said", (line) => console.log(line.from.toFixed(), line.text.toUpperCase()));
  socket.on("ask", (question) => question.length > 0);
  socket.on("ask", (_question, ack) => ack(true));
  // @ts-expect-error the handler's data is not a string
  socket.on("said", (line: string) => console.log(line));
  // @ts-expect-error ask must answer a boolean
  socket.on("ask", () => "yes");
  // @ts-expect-error the ack callback takes a boolean
  socket.on("ask", (_question, ack) => ack("yes"));
  // @ts-expect-error an event the server never sends
  socket.on("unknown", () => {});
}

export function server(): void {
  const io = new EventServer<ClientToServer, ServerToClient>();
  io.onConnection((socket) => {
    socket.on("join", (room) => room.length);
    socket.on("upload", (bytes) => `${bytes.byteLength}`);
    // @ts-expect-error join must answer a number
    socket.on("join", (room) => room);
    // @ts-expect-error the data of say is an object
    socket.on("say", (line: string) => line);

    socket.emit("said", { from: socket.id, text: "hi" });
    socket.to("lobby").emit("said", { from: 1, text: "hi" });
    io.to("lobby").except("muted").emit("said", { from: 0, text: "hi" });
    // @ts-expect-error from must be a number
    socket.emit("said", { from: "me", text: "hi" });
    // @ts-expect-error from must be a number, in broadcasts too
    io.to("lobby").emit("said", { from: "me", text: "hi" });
    // @ts-expect-error an event clients do not listen to
    io.emit("join", "lobby");
    const yes: Promise<boolean> = socket.emitWithAck("ask", "ok?");
    // @ts-expect-error ask answers a boolean
    const no: Promise<string> = socket.emitWithAck("ask", "ok?");
    void yes, no;
  });
  io.use("join", (_socket, data: unknown) => {
    if (typeof data !== "string") throw new Error("rooms are strings");
  });
  // A hook of one event gets that event's data and name, typed by the map.
  io.use("join", (_socket, room, event) => {
    const length: number = room.length;
    const name: "join" = event;
    void length, name;
  });
  io.use("say", (_socket, line) => {
    const text: string = line.text;
    // @ts-expect-error say's data has no field `from`
    void line.from;
    void text;
  });
  io.use("ping", (_socket, data) => {
    const none: undefined = data;
    void none;
  });
  io.use("upload", (_socket, bytes) => void bytes.byteLength);
  // @ts-expect-error join's data is a string, not a number
  io.use("join", (_socket, room: number) => void room);
  // @ts-expect-error the hook of join is not called for say
  io.use("join", (_socket, _room, event: "say") => void event);
  // A hook of every event gets unknown data and any event name.
  io.use((_socket, data, event) => {
    const name: string = event;
    // @ts-expect-error the data of a hook of every event is unknown
    void data.length;
    void name;
  });
  // @ts-expect-error middleware for an event clients never send
  io.use("said", () => {});
}
