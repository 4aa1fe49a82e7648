// wirely's server from the npm build (npm/server/mod.js) on Node, or on Bun (npm/server/mod.bun.js,
// Bun.serve), for browser/client_test.ts.
// Usage: node node_echo_server.mjs <port> [echo|silent]
//   echo:   echoes every message; the server answers the heartbeat message itself.
//   silent: `heartbeat: { appMessage: false }`, and heartbeat messages get no answer (a dead server, as the
//           client's heartbeat sees it); other messages are still echoed.
// Reports one JSON line per event on stdout: listening (with the port), open, text (with the
// data). Exits when its stdin closes (the test process is gone) or on SIGTERM (gracefully).
// A computed specifier: `deno check .` must not resolve npm/, which exists only after a build.
// Run by bun: the package's `bun` entry (Bun.serve), as the export map gives it to Bun.
const entry = typeof Bun === "undefined" ? "mod.js" : "mod.bun.js";
const { serve } = await import(new URL(`../../npm/server/${entry}`, import.meta.url).href);

const PING = '{"type":"wirely:ping"}';
const [portArgument = "0", mode = "echo"] = process.argv.slice(2);
const silent = mode === "silent";

const report = (event) => process.stdout.write(JSON.stringify(event) + "\n");

const server = await serve({
  port: Number(portArgument),
  hostname: "127.0.0.1",
  limits: { closeTimeout: 500 },
  heartbeat: { appMessage: !silent },
  onOpen: () => report({ event: "open" }),
  onMessage: (conn, message) => {
    if (message.type === "text") report({ event: "text", data: message.data });
    if (silent && message.type === "text" && message.data === PING) return;
    conn.send(message.data);
  },
  onError: (error) => process.stderr.write(`server error: ${error}\n`),
});
report({ event: "listening", port: server.addr.port, url: server.url });

const shutdown = async () => {
  await server.close();
  process.exit(0);
};
process.on("SIGTERM", shutdown);
process.stdin.on("end", shutdown);
process.stdin.resume();
