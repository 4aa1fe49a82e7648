// Bundled for the browser by: npx esbuild app.js --bundle --format=esm --outfile=app.bundle.js
import { messages, WirelyClient } from "wirely/client";

const client = new WirelyClient(`ws://${location.host}/ws`);
client.send("hello, wirely"); // queued until the connection opens
for await (const message of messages(client)) {
  document.body.textContent = `echo: ${message.data}`;
  break;
}
client.close();
