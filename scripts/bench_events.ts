/**
 * The events benchmark: events/s through `to(room).emit` with 500 receivers in the room, for
 * wirely's events layer, the same broadcast as plain messages (the layer's overhead), and
 * socket.io 4.8 (WebSocket transport only), in one run. Every server runs on Node (the same
 * runtime for all three), pinned to CPU 0 when `taskset` exists; the load generator is another
 * Node process on CPU 1, and its CPU use is printed so that it can be seen not to be the
 * bottleneck. Rounds alternate between the kinds; the median is reported, and the ratios are
 * medians of per-round ratios.
 *
 * Usage: `deno task bench:events [rounds] [events] [receivers]` (default 3 2000 500).
 *
 * @module
 */

import { bundleForNode, LineProcess, median, pinned } from "./bench/server_run.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const OUT = `${ROOT}.cache/bench/events/`;
const KINDS = ["events", "plain", "socketio"] as const;
type Kind = typeof KINDS[number];
const LABEL: Record<Kind, string> = {
  events: "wirely events `socket.to(room).emit`",
  plain: "wirely plain `server.broadcast`",
  socketio: "socket.io 4.8.4 `socket.to(room).emit`",
};

const rounds = Number(Deno.args[0] ?? 3);
const events = Number(Deno.args[1] ?? 2_000);
const receivers = Number(Deno.args[2] ?? 500);
const WINDOW = 64;
const DEADLINE_MS = 20_000;

interface LoadResult {
  events: number;
  deliveries: number;
  elapsedMs: number;
  cpuMs: number;
  complete: boolean;
}
interface Round extends LoadResult {
  serverCpuMs: number;
}

async function bundle(): Promise<void> {
  await bundleForNode(["events_server", "events_load"], OUT, [
    "ws",
    "socket.io",
    "socket.io-client",
  ]);
  // The bundles import npm packages: resolve them from the repository's node_modules.
  await Deno.writeTextFile(`${OUT}package.json`, '{ "type": "module" }\n');
}

async function runRound(kind: Kind): Promise<Round> {
  const server = new LineProcess(`${kind} server`, "node", [`${OUT}events_server.mjs`, kind], 0);
  try {
    const { port } = await server.next<{ port: number }>();
    const load = new LineProcess(`${kind} load`, "node", [
      `${OUT}events_load.mjs`,
      kind,
      String(port),
      String(receivers),
      String(events),
      String(WINDOW),
      String(DEADLINE_MS),
    ], 1);
    try {
      await load.next(); // connected and in the room
      const before = await server.ask<{ cpuMs: number }>("cpu");
      const result = await load.ask<LoadResult>("go");
      const after = await server.ask<{ cpuMs: number }>("cpu");
      return { ...result, serverCpuMs: after.cpuMs - before.cpuMs };
    } finally {
      await load.stop();
    }
  } finally {
    await server.stop();
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");

const loadBefore = (() => {
  try {
    const out = new Deno.Command("cat", { args: ["/proc/loadavg"] }).outputSync().stdout;
    return new TextDecoder().decode(out).split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
})();
await bundle();
const results = new Map<Kind, Round[]>(KINDS.map((kind) => [kind, []]));
const startedAt = Date.now();
for (let round = 0; round < rounds; round++) {
  for (const kind of KINDS) {
    const result = await runRound(kind);
    results.get(kind)!.push(result);
    const rate = result.events / (result.elapsedMs / 1000);
    console.error(
      `round ${round + 1} ${kind}: ${fmt(rate)} events/s, ${fmt(rate * receivers)} deliveries/s` +
        `${result.complete ? "" : " (deadline)"}; load CPU ${
          fmt(100 * result.cpuMs / result.elapsedMs)
        }%, server CPU ${fmt(100 * result.serverCpuMs / result.elapsedMs)}%`,
    );
  }
}

const rate = (kind: Kind) => median(results.get(kind)!.map((r) => r.events / (r.elapsedMs / 1000)));
const cpu = (kind: Kind, pick: (r: Round) => number) =>
  median(results.get(kind)!.map((r) => 100 * pick(r) / r.elapsedMs));
console.log(
  `\n${new Date().toISOString().slice(0, 10)}, Node ${
    new TextDecoder().decode(new Deno.Command("node", { args: ["--version"] }).outputSync().stdout)
      .trim()
  }, ${receivers} receivers, ${events} events of ${WINDOW} in flight, median of ${rounds} rounds, ${
    pinned() ? "server on CPU 0, load on CPU 1" : "no CPU pinning"
  }, ${Math.round((Date.now() - startedAt) / 1000)} s\n`,
);
// CPU per delivery does not depend on how much CPU the machine's other work left us.
const perDelivery = (kind: Kind, pick: (r: Round) => number) =>
  median(results.get(kind)!.map((r) => 1000 * pick(r) / r.deliveries)).toFixed(2);
console.log(
  "| server | events/s | deliveries/s | server CPU | server CPU per delivery | load CPU | load CPU per delivery |",
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const kind of KINDS) {
  console.log(
    `| ${LABEL[kind]} | ${fmt(rate(kind))} | ${fmt(rate(kind) * receivers)} | ${
      fmt(cpu(kind, (r) => r.serverCpuMs))
    }% | ${perDelivery(kind, (r) => r.serverCpuMs)} µs | ${fmt(cpu(kind, (r) => r.cpuMs))}% | ${
      perDelivery(kind, (r) => r.cpuMs)
    } µs |`,
  );
}
// Ratios per round (the kinds of one round ran back to back), then their median: steadier than
// a ratio of medians on a machine whose load drifts.
const ratio = (other: Kind) =>
  median(results.get("events")!.map((r, i) => {
    const o = results.get(other)![i]!;
    return (r.events / r.elapsedMs) / (o.events / o.elapsedMs);
  }));
const cpuRatio = (other: Kind) =>
  median(results.get("events")!.map((r, i) => {
    const o = results.get(other)![i]!;
    return (r.serverCpuMs / r.deliveries) / (o.serverCpuMs / o.deliveries);
  }));
console.log(
  `\nevents/s, events / plain: ${ratio("plain").toFixed(2)}x; events / socket.io: ${
    ratio("socketio").toFixed(2)
  }x. Server CPU per delivery, events / plain: ${
    cpuRatio("plain").toFixed(2)
  }x; events / socket.io: ${
    cpuRatio("socketio").toFixed(2)
  }x (medians of per-round ratios). Load average before the run: ${loadBefore}`,
);
