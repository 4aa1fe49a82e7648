// A `ws` echo server in its own process, for tests that kill a server (SIGKILL: no close
// frame) and start it again on the same port. Usage: node ws_echo_server.mjs <port> [protocol]
// Accepts `protocol` when offered. Reports one JSON line per event on stdout: listening (with
// the port), open, text (with the data). Exits when its stdin closes (the test is gone).
import { WebSocketServer } from "ws";

const [portArgument = "0", protocol] = process.argv.slice(2);
const report = (event) => process.stdout.write(JSON.stringify(event) + "\n");
const wss = new WebSocketServer({
  host: "127.0.0.1",
  port: Number(portArgument),
  handleProtocols: (
    offered,
  ) => (protocol !== undefined && offered.has(protocol) ? protocol : false),
});
wss.on("listening", () => report({ event: "listening", port: wss.address().port }));
wss.on("connection", (socket) => {
  report({ event: "open" });
  socket.on("message", (data, isBinary) => {
    if (!isBinary) report({ event: "text", data: data.toString() });
    socket.send(data, { binary: isBinary });
  });
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
