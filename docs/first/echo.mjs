// An echo server and a client that talks to it, in one program that exits by itself.
import { serve } from "wirely/server";
import { messages, WirelyClient } from "wirely/client";

const server = await serve({
  port: 0, // any free port
  hostname: "127.0.0.1",
  onMessage: (conn, message) => conn.send(message.data),
});

const client = new WirelyClient(server.url);
client.send("hello, wirely"); // queued until the connection opens
for await (const message of messages(client)) {
  console.log(`echo: ${message.data}`);
  break;
}
client.close();
await server.close();
