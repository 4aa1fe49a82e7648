/**
 * Chat room server: rooms, who is online, join/leave notices, typing indicators, and the last
 * 50 messages of each room for late joiners (in memory). Serves the page on the same port.
 *
 *     npx deno run --allow-net --allow-read --allow-env --allow-run examples/chat/server.ts
 *     node examples/chat/server.ts          # Node 22.18+ (runs .ts directly)
 *
 * Options: `--port 8001`, `--host 127.0.0.1`, `--engine native|codec` (Deno).
 *
 * @module
 */
import type { ServerConnection } from "../../server/mod.ts";
import { startApp } from "../_shared/app.ts";
import {
  type ChatLine,
  cleanName,
  HISTORY_SIZE,
  type Member,
  parseClientMessage,
  type ServerMessage,
} from "./protocol.ts";

interface Seat {
  member: Member;
  room: string;
}

const history = new Map<string, ChatLine[]>();

function toRoom(room: string, message: ServerMessage, except?: ServerConnection<Seat>): void {
  app.wss.broadcast(JSON.stringify(message), { room, except });
}

/** Connections of `room`, one per member (a tab that reconnects may briefly have two). */
function online(room: string): Member[] {
  const members = new Map<string, Member>();
  for (const conn of app.wss.clients) {
    if (conn.data.room === room && conn.state === "open") {
      members.set(conn.data.member.id, conn.data.member);
    }
  }
  return [...members.values()];
}

function seatsOf(member: Member, room: string, except: ServerConnection<Seat>): number {
  let count = 0;
  for (const conn of app.wss.clients) {
    if (conn !== except && conn.data.room === room && conn.data.member.id === member.id) count++;
  }
  return count;
}

const app = await startApp<Seat>({
  base: import.meta.url,
  defaultPort: 8001,
  ws: {
    limits: { maxMessageSize: 16_384 },
    authenticate: (request) => {
      const query = request.url.searchParams;
      const name = cleanName(query.get("name"));
      const room = cleanName(query.get("room"));
      const id = cleanName(query.get("client"));
      if (name === undefined || room === undefined || id === undefined) {
        return { status: 400, body: "name, room and client (1-32 characters) are required\n" };
      }
      return { data: { member: { id, name }, room } };
    },
    onOpen: (conn) => {
      const { member, room } = conn.data;
      conn.join(room);
      conn.sendJson(
        {
          type: "welcome",
          room,
          you: member,
          online: online(room),
          history: history.get(room) ?? [],
        } satisfies ServerMessage,
      );
      if (seatsOf(member, room, conn) === 0) toRoom(room, { type: "joined", member }, conn);
    },
    onMessage: (conn, message) => {
      const parsed = message.type === "text" ? parseClientMessage(message.data) : undefined;
      if (parsed === undefined) {
        conn.close(1003, "expected a JSON chat message");
        return;
      }
      const { member, room } = conn.data;
      if (parsed.type === "typing") {
        toRoom(room, { type: "typing", member, typing: parsed.typing }, conn);
        return;
      }
      const line: ChatLine = { id: parsed.id, from: member, text: parsed.text, at: Date.now() };
      const lines = history.get(room) ?? [];
      lines.push(line);
      history.set(room, lines.slice(-HISTORY_SIZE));
      toRoom(room, { type: "message", line }, conn); // not back to the sender:
      conn.sendJson({ type: "ack", id: line.id, at: line.at } satisfies ServerMessage); // it gets an ack
    },
    onClose: (conn) => {
      const { member, room } = conn.data;
      if (seatsOf(member, room, conn) === 0) toRoom(room, { type: "left", member });
    },
  },
});
