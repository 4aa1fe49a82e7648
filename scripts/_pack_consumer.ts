/**
 * The consumer file `scripts/test_pack.ts` writes into `.cache/consumer/check.ts` and
 * type-checks with moduleResolution nodenext and bundler: it uses real types of every subpath,
 * and three `@ts-expect-error` lines prove the types are not `any`. Kept as text because Deno
 * cannot resolve the npm name `wirely` in this repository.
 *
 * @module
 */

/** The source of `.cache/consumer/check.ts`. */
export const CONSUMER_CHECK_TS: string = String
  .raw`// Written by scripts/test_pack.ts: a consumer of
// the installed package, type-checked only (never run).
import * as root from "wirely";
import { Connection, type ConnectionEvent, encodeFrame, Opcode } from "wirely/codec";
import {
  type ClientCloseEvent,
  heartbeat,
  type Message,
  messages,
  opened,
  WirelyClient,
} from "wirely/client";
import { tcpTransport, type TcpTransportOptions } from "wirely/client/tcp";
import {
  attach,
  serve,
  type ServedWebSocketServer,
  type ServerConnection,
  type ServerOptions,
} from "wirely/server";

export async function echo(): Promise<string> {
  const options: ServerOptions<{ user: string }> = {
    authenticate: () => ({ data: { user: "ada" } }),
    onMessage: (conn: ServerConnection<{ user: string }>, message: Message) => {
      const user: string = conn.data.user;
      if (message.type === "text") conn.send(user + ": " + message.data);
      else conn.send(message.data satisfies Uint8Array);
    },
  };
  const server: ServedWebSocketServer<{ user: string }> = await serve({
    ...options,
    port: 0,
    hostname: "127.0.0.1",
  });
  const tls: TcpTransportOptions = { rejectUnauthorized: true };
  const client = new WirelyClient(server.url, {
    transport: tcpTransport(tls),
    heartbeat: heartbeat(),
  });
  client.on("close", (event: ClientCloseEvent) => console.log(event.code, event.willReconnect));
  client.send("hello");
  await opened(client);
  let text = "";
  for await (const message of messages(client)) {
    if (message.type === "text") text = message.data;
    break;
  }
  client.close(1000, "done");
  await server.close();
  return text;
}

export function codec(): ConnectionEvent[] {
  const a = new Connection({ role: "client" });
  const b = new root.Connection({ role: "server" });
  a.sendText("hi");
  for (const bytes of a.takeBytes()) b.receive(bytes);
  const frame: Uint8Array = encodeFrame(Opcode.TEXT, new Uint8Array([104, 105]));
  console.log(frame.length);
  return b.takeEvents();
}

export const sameClass: boolean = root.WirelyClient === WirelyClient && root.attach === attach;

// The types are real, not any: each line below is an error.
// @ts-expect-error port is a number
void serve({ port: "8080" });
// @ts-expect-error no such option
new WirelyClient("ws://127.0.0.1:9", { reconnectForever: true });
// @ts-expect-error role is "client" or "server"
new Connection({ role: "peer" });
`;
