/**
 * The load generator of the events benchmark, for Node (bundled by `bench_events.ts`):
 * `node events_load.mjs <kind> <port> <receivers> <events> <window> <deadlineMs>`.
 *
 * Opens `receivers` raw `ws` clients that join the room and only count the messages they get
 * (the same cost per message for every kind: socket.io's receivers speak engine.io by hand,
 * answering its pings), and one sender that emits `events` events with the kind's own client
 * (`EventClient`, `WirelyClient`, `socket.io-client` with the WebSocket transport), keeping at
 * most `window` events in flight (sent but not yet delivered to every receiver). Stops at the
 * last delivery or at the deadline. Prints one JSON line: events, deliveries, elapsed and CPU
 * milliseconds of this process. Prints `{"ready":N}` once connected and starts on a stdin line `go`.
 *
 * @module
 */

import process from "node:process";
import WebSocket from "ws";
import { io as socketIo } from "socket.io-client";
import { WirelyClient } from "../../client/client.ts";
import { EventClient } from "../../events/client.ts";
import { opened } from "../../client/lifecycle.ts";

const [kind = "events", portText = "0", receiversText = "500", eventsText = "2000"] = process
  .argv.slice(2);
const windowSize = Number(process.argv[6] ?? 64);
const deadlineMs = Number(process.argv[7] ?? 20_000);
const port = Number(portText);
const receivers = Number(receiversText);
const events = Number(eventsText);
const url = `ws://127.0.0.1:${port}/`;
const line = { from: 1, text: "hello everyone in the room, this is a chat line" };

let deliveries = 0;
let onDelivery = (): void => {};

/** Opens one receiver and resolves once it is in the room. */
function receiver(): Promise<WebSocket> {
  const socketio = kind === "socketio";
  const target = socketio ? `${url}socket.io/?EIO=4&transport=websocket` : url;
  const ws = new WebSocket(target, kind === "events" ? ["wirely.v1"] : [], {
    perMessageDeflate: false,
  });
  return new Promise((resolve, reject) => {
    let joined = false;
    ws.once("error", reject);
    ws.on("open", () => {
      if (kind === "events") ws.send('["e","join",1,"room"]');
      else if (kind === "plain") ws.send("join");
    });
    ws.on("message", (data: Uint8Array) => {
      if (joined) {
        // socket.io: "2" is engine.io's ping (answer "3"); events are "42[...]"
        if (socketio && data[0] === 0x32 && data.length === 1) ws.send("3");
        else {
          deliveries++;
          onDelivery();
        }
        return;
      }
      const text = String(data);
      if (socketio) {
        if (text.startsWith("0")) ws.send("40");
        else if (text.startsWith("40")) ws.send('421["join","room"]');
        else if (text === "2") ws.send("3");
        else if (text.startsWith("431")) joined = true;
      } else if (text === "joined" || text.startsWith('["a",1')) joined = true;
      if (joined) resolve(ws);
    });
  });
}

/** The kind's own client as the sender; resolves with its `send one event` function. */
async function sender(): Promise<{ emit(): void; close(): void }> {
  if (kind === "events") {
    const client = new EventClient(url, { WebSocket: WebSocket as never });
    await opened(client.client);
    return { emit: () => client.emit("say", line), close: () => client.close() };
  }
  if (kind === "plain") {
    const client = new WirelyClient(url, { WebSocket: WebSocket as never });
    await opened(client);
    const text = JSON.stringify(line);
    return { emit: () => client.send(text), close: () => client.close() };
  }
  const client = socketIo(`http://127.0.0.1:${port}`, { transports: ["websocket"] });
  await new Promise<void>((resolve) => client.once("connect", () => resolve()));
  return { emit: () => client.emit("say", line), close: () => client.close() };
}

const sockets: WebSocket[] = [];
for (let i = 0; i < receivers; i += 50) {
  const batch = Math.min(50, receivers - i);
  sockets.push(...await Promise.all(Array.from({ length: batch }, () => receiver())));
}
const send = await sender();
// Ready: wait for "go" on stdin, so that the server's CPU can be read between the connection
// set-up and the timed run.
console.log(JSON.stringify({ ready: receivers }));
await new Promise<void>((resolve) => {
  process.stdin.on("data", (chunk: Uint8Array) => {
    if (String(chunk).includes("go")) resolve();
  });
});
process.stdin.pause();

const total = events * receivers;
let sent = 0;
const pump = (): void => {
  while (sent < events && sent * receivers - deliveries < windowSize * receivers) {
    send.emit();
    sent++;
  }
};
const cpuBefore = process.cpuUsage();
const start = performance.now();
const finished = new Promise<void>((resolve) => {
  const timer = setTimeout(resolve, deadlineMs);
  onDelivery = () => {
    if (deliveries >= total) {
      clearTimeout(timer);
      resolve();
    } else if (sent < events && sent * receivers - deliveries < windowSize * receivers) pump();
  };
});
pump();
await finished;
const elapsedMs = performance.now() - start;
const cpu = process.cpuUsage(cpuBefore);
console.log(JSON.stringify({
  events: Math.floor(deliveries / receivers),
  deliveries,
  elapsedMs,
  cpuMs: (cpu.user + cpu.system) / 1000,
  complete: deliveries >= total,
}));
send.close();
for (const ws of sockets) ws.terminate();
setTimeout(() => process.exit(0), 200);
