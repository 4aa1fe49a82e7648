/**
 * The delivery benchmark under chaos (issue 14), wirely against socket.io 4 in one run.
 *
 * For each system: a fresh redis-server (append-only file, on a free port, stopped by PID),
 * three Node server processes, and one Node load process holding the clients. Receivers sit in
 * rooms (one publisher per room) and connect to random servers; publishers send numbered
 * messages at a fixed total rate; every client's connection is cut abruptly at a random time
 * every 1-3 s by its own TCP relay (`bench/delivery_relay.ts`) and reconnects, by its library's
 * own logic, to a random server. At 30% of the run one server is killed with SIGKILL and started
 * again 3 s later; at 60% Redis is killed with SIGKILL and started again on the same port and
 * data. Then publishing stops, the clients drain, and each receiver's messages are compared
 * with what the servers accepted for its room (their accept logs), and each publisher's with
 * what it sent (`bench/delivery_check.ts`).
 *
 * Systems: wirely (`EventServer` + `RedisAdapter`), socket.io 4.8 +
 * `@socket.io/redis-streams-adapter` with `connectionStateRecovery`, and the same without
 * recovery. Then the broadcast throughput to 500 receivers over 3 servers: wirely +
 * `RedisAdapter` against socket.io + `@socket.io/redis-adapter`, with the ratio; the receivers
 * are the same raw-socket frame counter for both (`bench/delivery_receiver.ts`), which checks
 * every delivery's bytes and number, and each round prints each process's CPU (the busiest one
 * is the bottleneck when the machine is not shared).
 *
 * Usage: `deno task bench:delivery [--quick] [--seconds N]` (default 60 s of chaos per system;
 * `--quick`: a few seconds, few clients — the smoke test runs it). To look at one side:
 * `--only chaos|broadcast`, `--systems wirely,sio-recovery,...`, `--servers N` (default 3),
 * `--cuts-only` (no kills), `--kills server|redis` (only that kill),
 * `--calm` (no cuts, no kills: a control where every system must deliver everything);
 * for the broadcast: `--events N` per round (default 5,000: rounds of a few seconds, past the
 * servers' warm-up), `--rounds N` (default 3).
 *
 * @module
 */

import { bundleForNode, LineProcess, median } from "./bench/server_run.ts";
import { type DeliveryReport, formatReport } from "./bench/delivery_check.ts";
import type { BroadcastResult } from "./bench/delivery_broadcast.ts";
import { freePort, RedisProcess, ServerProcess } from "./bench/delivery_procs.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const OUT = `${ROOT}.cache/bench/delivery/`;
const quick = Deno.args.includes("--quick");
const secondsAt = Deno.args.indexOf("--seconds");
const seconds = secondsAt >= 0 ? Number(Deno.args[secondsAt + 1]) : quick ? 4 : 60;
// `--only chaos` or `--only broadcast`: one half of the run (while working on one side).
const onlyAt = Deno.args.indexOf("--only");
const only = onlyAt >= 0 ? Deno.args[onlyAt + 1] : undefined;
// `--calm`: no cuts, no kills (a control: every system should deliver everything).
const calm = Deno.args.includes("--calm");
// `--cuts-only`: connection cuts, but no server or Redis kill (to tell their effects apart).
const cutsOnly = Deno.args.includes("--cuts-only");
// `--kills server` or `--kills redis`: only that kill (default: both).
const killsAt = Deno.args.indexOf("--kills");
const kills = killsAt >= 0 ? Deno.args[killsAt + 1]! : "server,redis";
// `--systems wirely,sio-recovery`: only those (default: all four).
const systemsAt = Deno.args.indexOf("--systems");
const chosen = systemsAt >= 0 ? Deno.args[systemsAt + 1]!.split(",") : undefined;
// `--servers N`: cluster size (default 3).
const serversAt = Deno.args.indexOf("--servers");
const SERVERS = serversAt >= 0 ? Number(Deno.args[serversAt + 1]) : 3;
const eventsAt = Deno.args.indexOf("--events");
const roundsAt = Deno.args.indexOf("--rounds");
const scenario = quick
  ? { rooms: 3, receiversPerRoom: 4, rate: 30, broadcastReceivers: 30, events: 100, rounds: 1 }
  : {
    rooms: 30,
    receiversPerRoom: 10,
    rate: 150,
    broadcastReceivers: 500,
    events: eventsAt >= 0 ? Number(Deno.args[eventsAt + 1]) : 5_000,
    rounds: roundsAt >= 0 ? Number(Deno.args[roundsAt + 1]) : 3,
  };

const SYSTEMS = [
  ["sio-streams", "socket.io 4.8.4 + redis-streams-adapter 0.3.1, no recovery"],
  ["sio-recovery", "socket.io 4.8.4 + redis-streams-adapter 0.3.1 + connectionStateRecovery"],
  ["wirely-pubsub", "wirely EventServer + RedisAdapter, no recovery"],
  ["wirely", "wirely EventServer + RedisAdapter + recovery (RedisStore)"],
] as const;

const rate = (run: BroadcastResult): number => run.events / (run.elapsedMs / 1000);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const log = (text: string): void =>
  console.error(`[${new Date().toISOString().slice(11, 19)}] ${text}`);

async function withCluster<T>(
  kind: string,
  run: (
    ports: number[],
    redis: RedisProcess,
    servers: ServerProcess[],
    acceptLog: string,
  ) => Promise<T>,
  fsync: "always" | "everysec" = "always",
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "wirely-delivery-redis-" });
  const acceptLog = `${OUT}accept-${kind}.log`;
  await Deno.writeTextFile(acceptLog, "");
  await Deno.writeTextFile(`${acceptLog}.errors`, "");
  // The chaos run kills Redis: `appendfsync always`, as docs/scale-out.md recommends for
  // recovery (`everysec` may lose the last second of the log). The broadcast run: `everysec`.
  const redis = new RedisProcess(freePort(), dir, fsync);
  await redis.start();
  const servers = Array.from(
    { length: SERVERS },
    () => new ServerProcess(`${OUT}delivery_server.mjs`, kind, freePort(), redis.url, acceptLog),
  );
  try {
    await Promise.all(servers.map((server) => server.start()));
    return await run(servers.map((s) => s.port), redis, servers, acceptLog);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await redis.kill();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

type ChaosResult = DeliveryReport & { drops: number; drainMs: number; errors?: string[] };

async function chaos(load: LineProcess, system: string): Promise<ChaosResult> {
  return await withCluster(system, async (ports, redis, servers, acceptLog) => {
    const { clients } = await load.ask<{ clients: number }>({
      cmd: "open",
      system,
      ports,
      rooms: scenario.rooms,
      receiversPerRoom: scenario.receiversPerRoom,
      rate: scenario.rate,
      dropMinMs: calm ? 1e9 : 1_000,
      dropMaxMs: calm ? 1e9 : 3_000,
      acceptLog,
      drainMs: quick ? 10_000 : 30_000,
      quietMs: quick ? 1_500 : 5_000,
    });
    log(`${system}: ${clients} clients in their rooms; chaos for ${seconds} s`);
    const t0 = Date.now();
    const at = (ms: number) => sleep(Math.max(0, t0 + ms - Date.now()));
    await load.ask({ cmd: "start" });
    if (calm || cutsOnly) {
      await at(seconds * 1000);
      return await load.ask<ChaosResult>({ cmd: "finish" });
    }
    const victim = servers[1]!;
    if (kills.includes("server")) {
      await at(seconds * 300);
      await victim.kill();
      log(`${system}: server on port ${victim.port} killed (SIGKILL)`);
      await at(seconds * 300 + (quick ? 1_000 : 3_000));
      await victim.start();
      log(`${system}: server on port ${victim.port} started again`);
    }
    if (kills.includes("redis")) {
      await at(seconds * 600);
      await redis.kill();
      await redis.start();
      log(`${system}: Redis killed (SIGKILL) and started again`);
    }
    await at(seconds * 1000);
    const result = await load.ask<ChaosResult>({ cmd: "finish" });
    log(`${system}: drained in ${(result.drainMs / 1000).toFixed(1)} s, ${result.drops} cuts`);
    const errors = (await Deno.readTextFile(`${acceptLog}.errors`)).split("\n").filter(Boolean);
    return { ...result, errors };
  });
}

interface Throughput extends BroadcastResult {
  /** CPU of the three servers during the run, milliseconds. */
  serversCpuMs: number;
  /** CPU of each server during the run (the sender's first), milliseconds. */
  serverCpuMs: number[];
  /** CPU of Redis during the run, milliseconds. */
  redisCpuMs: number;
}

async function throughput(load: LineProcess, kind: "wirely" | "socketio"): Promise<Throughput> {
  const system = kind === "wirely" ? "wirely-pubsub" : "sio-pubsub";
  return await withCluster(system, async (ports, redis, servers) => {
    await load.ask({
      cmd: "broadcast-open",
      kind,
      ports,
      receivers: scenario.broadcastReceivers,
      events: scenario.events,
      window: 64,
      deadlineMs: quick ? 10_000 : 90_000,
    });
    const each = () => servers.map((server) => server.cpuMs());
    const [servers0, redis0] = [each(), redis.cpuMs()];
    const result = await load.ask<BroadcastResult>({ cmd: "broadcast-run" });
    const serverCpuMs = each().map((ms, i) => ms - servers0[i]!);
    const serversCpuMs = serverCpuMs.reduce((sum, ms) => sum + ms, 0);
    return { ...result, serversCpuMs, serverCpuMs, redisCpuMs: redis.cpuMs() - redis0 };
  }, "everysec");
}

await Deno.mkdir(OUT, { recursive: true });
await bundleForNode(["delivery_server", "delivery_load"], OUT, [
  "ws",
  "socket.io",
  "socket.io-client",
  "redis",
  "@socket.io/redis-streams-adapter",
  "@socket.io/redis-adapter",
]);
// The bundles import npm packages: resolve them from the repository's node_modules.
await Deno.writeTextFile(`${OUT}package.json`, '{ "type": "module" }\n');

const startedAt = Date.now();
const loadBefore = Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
const load = new LineProcess("load", "node", [
  ...(Deno.env.get("PROF_FLAGS") ?? "").split(" ").filter(Boolean),
  `${OUT}delivery_load.mjs`,
]);
const reports = new Map<string, ChaosResult>();
const runs = { wirely: [] as Throughput[], socketio: [] as Throughput[] };
try {
  for (const [system] of only === "broadcast" ? [] : SYSTEMS) {
    if (chosen !== undefined && !chosen.includes(system)) continue;
    reports.set(system, await chaos(load, system));
  }
  for (let round = 0; round < (only === "chaos" ? 0 : scenario.rounds); round++) {
    for (const kind of ["wirely", "socketio"] as const) {
      const result = await throughput(load, kind);
      runs[kind].push(result);
      log(
        `broadcast ${kind} round ${round + 1}: ${Math.round(rate(result))} events/s` +
          `${result.complete ? "" : " (incomplete)"}${
            result.bad > 0 ? `, ${result.bad} BAD deliveries` : ""
          }; CPU (% of one core): servers ${
            result.serverCpuMs.map((ms) => Math.round((100 * ms) / result.elapsedMs)).join("+")
          }%, Redis ${Math.round((100 * result.redisCpuMs) / result.elapsedMs)}%, load ${
            Math.round((100 * result.cpuMs) / result.elapsedMs)
          }%`,
      );
    }
  }
} finally {
  await load.stop();
}

const node = new TextDecoder().decode(
  new Deno.Command("node", { args: ["--version"] }).outputSync().stdout,
).trim();
const chaosText = calm
  ? "no cuts, no kills (--calm)"
  : `every connection cut every 1-3 s${
    cutsOnly ? " (--cuts-only: no kills)" : [
      kills.includes("server")
        ? `, one server SIGKILLed at 30% and restarted ${quick ? 1 : 3} s later`
        : "",
      kills.includes("redis") ? ", Redis SIGKILLed and restarted at 60%" : "",
    ].join("")
  }`;
console.log(
  `\n${new Date().toISOString().slice(0, 10)}, Node ${node}, ${SERVERS} servers + Redis 7, ` +
    `${scenario.rooms} rooms x ${scenario.receiversPerRoom} receivers + ${scenario.rooms} ` +
    `publishers, ${scenario.rate} messages/s in all, ${seconds} s per system: ${chaosText}; ` +
    `${Math.round((Date.now() - startedAt) / 1000)} s in all\n`,
);
for (const [system, label] of SYSTEMS) {
  const report = reports.get(system);
  if (report === undefined) continue;
  console.log(`${label} (${report.drops} connection cuts):`);
  for (const line of formatReport(system, report).slice(0, 2)) console.log(`  ${line}`);
  const errors = report.errors ?? [];
  console.log(
    `  ${system}: errors no handler caught in the servers ${errors.length}${
      errors.length > 0 ? ` (first: ${errors[0]})` : ""
    }`,
  );
}
// Servers' CPU per delivery does not depend on how much CPU the machine's other work left us.
const perDelivery = (run: Throughput): number => (1000 * run.serversCpuMs) / run.deliveries;
const row = (name: string, list: Throughput[]): string =>
  `| ${name} | ${Math.round(median(list.map(rate)))} | ${
    Math.round(median(list.map(rate)) * scenario.broadcastReceivers)
  } | ${median(list.map(perDelivery)).toFixed(2)} µs | ${
    median(list.map((r) => (1000 * r.redisCpuMs) / Math.max(1, r.events))).toFixed(0)
  } µs | ${median(list.map((r) => (1000 * r.cpuMs) / Math.max(1, r.deliveries))).toFixed(2)} µs |`;
if (runs.wirely.length > 0) {
  console.log(
    `\nbroadcast to ${scenario.broadcastReceivers} receivers over ${SERVERS} servers, ` +
      `${scenario.events} events, 64 in flight, median of ${scenario.rounds} rounds:\n`,
  );
  console.log(
    "| system | events/s | deliveries/s | servers' CPU per delivery | Redis CPU per event | " +
      "load process CPU per delivery |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  console.log(row("wirely 0.1 + RedisAdapter", runs.wirely));
  console.log(row("socket.io 4.8.4 + @socket.io/redis-adapter 8.3.0", runs.socketio));
  // "n/a" when a side's CPU time was below the clock's resolution (short --quick rounds).
  const ratio = (pick: (a: Throughput, b: Throughput) => number): string => {
    const value = median(runs.wirely.map((run, i) => pick(run, runs.socketio[i]!)));
    return Number.isFinite(value) && value > 0 ? `${value.toFixed(2)}x` : "n/a";
  };
  console.log(
    `\nbroadcast: wirely/socket.io = ${ratio((a, b) => rate(a) / rate(b))} events/s, ` +
      `${ratio((a, b) => perDelivery(b) / perDelivery(a))} less server CPU per delivery ` +
      `(medians of per-round ratios; load average before the run: ${loadBefore})\n`,
  );
}
for (const [system] of SYSTEMS) {
  const report = reports.get(system);
  if (report !== undefined) console.log(formatReport(system, report)[2]);
}
