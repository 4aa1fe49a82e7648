/**
 * Image room server: every image a member sends (one binary message) is passed on to the others
 * in the room with the sender's name; the sender gets an ack with how many received it. Messages
 * over `MAX_MESSAGE_BYTES` are refused by the server itself: close code 1009.
 *
 *     npx deno run --allow-net --allow-read --allow-env --allow-run examples/images/server.ts
 *     node examples/images/server.ts        # Node 22.18+ (runs .ts directly)
 *
 * Options: `--port 8002`, `--host 127.0.0.1`, `--engine native|codec` (Deno).
 *
 * @module
 */
import type { ServerConnection } from "../../server/mod.ts";
import { startApp } from "../_shared/app.ts";
import { cleanName } from "../_shared/names.ts";
import {
  checkOffer,
  type ImageHeader,
  MAX_IMAGE_BYTES,
  MAX_MESSAGE_BYTES,
  packImage,
  type ServerMessage,
  unpackImage,
} from "./protocol.ts";

interface Seat {
  name: string;
  room: string;
}

function sendOnline(room: string): void {
  const names = [...app.wss.clients]
    .filter((conn) => conn.data.room === room && conn.state === "open")
    .map((conn) => conn.data.name);
  app.wss.broadcast(JSON.stringify({ type: "online", names } satisfies ServerMessage), { room });
}

function share(conn: ServerConnection<Seat>, data: Uint8Array): void {
  const unpacked = unpackImage(data);
  if (unpacked === undefined) {
    conn.close(1003, "expected a packed image");
    return;
  }
  const { header, bytes } = unpacked;
  const refusal = checkOffer(header, bytes.length);
  if (refusal !== undefined) {
    const ref = typeof header.ref === "string" ? header.ref : "";
    conn.sendJson({ type: "refused", ref, reason: refusal } satisfies ServerMessage);
    return;
  }
  const image: ImageHeader = {
    ref: header.ref as string,
    name: header.name as string,
    type: header.type as string,
    from: conn.data.name,
    size: bytes.length,
    at: Date.now(),
  };
  // Encoded once for every member of the room (the server prepares the frame once).
  const delivered = app.wss.broadcast(packImage(image, bytes), {
    room: conn.data.room,
    except: conn,
  });
  conn.sendJson({ type: "ack", ref: image.ref, delivered } satisfies ServerMessage);
}

const app = await startApp<Seat>({
  base: import.meta.url,
  defaultPort: 8002,
  ws: {
    limits: { maxMessageSize: MAX_MESSAGE_BYTES },
    authenticate: (request) => {
      const name = cleanName(request.url.searchParams.get("name"));
      const room = cleanName(request.url.searchParams.get("room"));
      if (name === undefined || room === undefined) {
        return { status: 400, body: "name and room (1-32 characters) are required\n" };
      }
      return { data: { name, room } };
    },
    onOpen: (conn) => {
      conn.join(conn.data.room);
      conn.sendJson({ type: "welcome", room: conn.data.room, maxBytes: MAX_IMAGE_BYTES });
      sendOnline(conn.data.room);
    },
    onMessage: (conn, message) => {
      if (message.type === "binary") share(conn, message.data);
      else conn.close(1003, "images are binary messages");
    },
    onClose: (conn) => sendOnline(conn.data.room),
  },
});
