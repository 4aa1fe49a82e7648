/**
 * Voice room server: relays each push-to-talk audio chunk (binary) to the others in the room
 * with the speaker's name, and tells the room who is talking.
 *
 *     npx deno run --allow-net --allow-read --allow-env --allow-run examples/voice/server.ts
 *     node examples/voice/server.ts         # Node 22.18+ (runs .ts directly)
 *
 * Options: `--port 8003`, `--host 127.0.0.1`, `--engine native|codec` (Deno).
 *
 * @module
 */
import type { ServerConnection } from "../../server/mod.ts";
import { startApp } from "../_shared/app.ts";
import { cleanName } from "../_shared/names.ts";
import { MAX_CHUNK_BYTES, packChunk, type ServerMessage, unpackChunk } from "./protocol.ts";

interface Seat {
  name: string;
  room: string;
  talking: boolean;
}

function toRoom(room: string, message: ServerMessage, except?: ServerConnection<Seat>): void {
  app.wss.broadcast(JSON.stringify(message), { room, except });
}

function sendOnline(room: string): void {
  const names = [...app.wss.clients]
    .filter((conn) => conn.data.room === room && conn.state === "open")
    .map((conn) => conn.data.name);
  toRoom(room, { type: "online", names });
}

function setTalking(conn: ServerConnection<Seat>, on: boolean): void {
  if (conn.data.talking === on) return;
  conn.data.talking = on;
  toRoom(conn.data.room, { type: "talking", name: conn.data.name, on });
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text);
    return typeof value === "object" && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

const app = await startApp<Seat>({
  base: import.meta.url,
  defaultPort: 8003,
  ws: {
    limits: { maxMessageSize: MAX_CHUNK_BYTES },
    authenticate: (request) => {
      const name = cleanName(request.url.searchParams.get("name"));
      const room = cleanName(request.url.searchParams.get("room"));
      if (name === undefined || room === undefined) {
        return { status: 400, body: "name and room (1-32 characters) are required\n" };
      }
      return { data: { name, room, talking: false } };
    },
    onOpen: (conn) => {
      conn.join(conn.data.room);
      sendOnline(conn.data.room);
    },
    onMessage: (conn, message) => {
      if (message.type === "text") {
        const value = parseJson(message.data);
        if (value?.type === "talk" && typeof value.on === "boolean") setTalking(conn, value.on);
        else conn.close(1003, "expected a talk message");
        return;
      }
      const chunk = unpackChunk(message.data);
      if (chunk === undefined) {
        conn.close(1003, "expected a packed audio chunk");
        return;
      }
      const relayed = packChunk({ ...chunk.header, from: conn.data.name }, chunk.bytes);
      app.wss.broadcast(relayed, { room: conn.data.room, except: conn });
    },
    onClose: (conn) => {
      setTalking(conn, false);
      sendOnline(conn.data.room);
    },
  },
});
