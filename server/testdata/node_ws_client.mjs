// A real independent peer for the Bun binding's tests: Node with the npm package ws (inside Bun,
// `ws` is Bun's own client). Usage: node node_ws_client.mjs URL MAX_MESSAGE_SIZE
// Prints "ok <what>" per check and exits 0, or prints the failure and exits 1.
import WebSocket from "ws";

const [url, maxText] = process.argv.slice(2);
const max = Number(maxText);

const open = (protocols) => {
  const ws = new WebSocket(url, protocols, { perMessageDeflate: false, maxPayload: 64 << 20 });
  const inbox = [];
  const waiters = [];
  ws.on("message", (data, binary) => {
    const item = binary ? new Uint8Array(data) : data.toString();
    const waiter = waiters.shift();
    if (waiter) waiter(item);
    else inbox.push(item);
  });
  const closed = new Promise((resolve) =>
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() }))
  );
  const opened = new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  const next = () =>
    inbox.length > 0 ? Promise.resolve(inbox.shift()) : new Promise((r) => waiters.push(r));
  return { ws, opened, closed, next };
};

const check = (condition, what) => {
  if (!condition) throw new Error(`failed: ${what}`);
  console.log(`ok ${what}`);
};

const timer = setTimeout(() => {
  console.log("failed: timed out");
  process.exit(1);
}, 60_000);

try {
  const a = open(["chat.v1", "chat.v2"]);
  await a.opened;
  check(a.ws.protocol === "chat.v2", `subprotocol ${a.ws.protocol}`);
  for (const size of [0, 1, 125, 126, 65_535, 65_536, 1 << 20, max]) {
    const text = "é".repeat(size >> 1) + "x".repeat(size & 1);
    a.ws.send(text);
    check((await a.next()) === text, `text ${size} B`);
    const bytes = new Uint8Array(size).map((_, i) => i * 7);
    a.ws.send(bytes);
    const echo = await a.next();
    check(echo instanceof Uint8Array && Buffer.compare(echo, bytes) === 0, `binary ${size} B`);
  }
  a.ws.send("close-me");
  const serverClose = await a.closed;
  check(serverClose.code === 4001 && serverClose.reason === "server bye", "server close 4001");

  const b = open([]);
  await b.opened;
  b.ws.close(4002, "client bye");
  check((await b.closed).code === 4002, "client close 4002");

  const c = open([]);
  await c.opened;
  c.ws.send(new Uint8Array(max + 1));
  check((await c.closed).code === 1009, "1009 over maxMessageSize");
  clearTimeout(timer);
} catch (error) {
  console.log(String(error?.stack ?? error));
  process.exit(1);
}
