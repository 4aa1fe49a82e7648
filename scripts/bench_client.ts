/**
 * Client benchmark (issue 16): wirely's client over its TCP transport (`WirelyClient` with
 * `tcpTransport()`, the built package) against `ws`'s `WebSocket` client (no native addons), on
 * Node 20, per CPU-second of the client process. One echo server (wirely's `serve()` on Node
 * 20, `scripts/bench/server_node.ts`) on core 0; the client process (`client_load_main.ts`) on
 * core 1, holding both kinds of clients, measured in alternating rounds (ours, theirs, then
 * theirs, ours); the table gives medians of echoed messages per second and per CPU-second of
 * the client process, and the ratio of the latter.
 *
 * Run with `deno task bench:client` (about 1 minute). Flags: `--quick` (short rounds).
 *
 * @module
 */

import {
  bundleForNode,
  compilePackage,
  LineProcess,
  median,
  pinned,
  startServer,
} from "./bench/server_run.ts";
import type { ClientOpenCommand, ClientRunResult } from "./bench/client_load.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const OUT = `${ROOT}.cache/bench-client/`;
const quick = Deno.args.includes("--quick");
const ROUNDS = quick ? 2 : 7;
const ROUND_MS = quick ? 300 : 1000;

interface Scenario {
  name: string;
  open: Omit<ClientOpenCommand, "impl" | "port">;
}

const SCENARIOS: Scenario[] = [
  {
    name: "echo 32 B, 1 connection (16 in flight)",
    open: { connections: 1, size: 32, window: 16 },
  },
  {
    name: "echo 32 B, 50 connections (4 in flight each)",
    open: { connections: 50, size: 32, window: 4 },
  },
  {
    name: "echo 64 KiB, 1 connection (4 in flight)",
    open: { connections: 1, size: 65_536, window: 4 },
  },
  {
    name: "echo 64 KiB, 50 connections (1 in flight each)",
    open: { connections: 50, size: 65_536, window: 1 },
  },
];
const IMPLS = ["wirely", "ws"] as const;

async function main(): Promise<void> {
  await Deno.mkdir(OUT, { recursive: true });
  await compilePackage(ROOT, OUT);
  await bundleForNode(["server_node", "client_load_main"], OUT, ["ws"]);
  const server = await startServer("server", "node", [
    `${OUT}server_node.mjs`,
    "wirely",
    `${OUT}npm/server/mod.js`,
  ]);
  const load = new LineProcess("clients", "node", [`${OUT}client_load_main.mjs`, `${OUT}npm`], 1);
  const lines: string[] = [];
  try {
    for (const scenario of SCENARIOS) {
      const rounds = new Map<string, ClientRunResult[]>(IMPLS.map((impl) => [impl, []]));
      for (const impl of IMPLS) {
        await load.ask({ cmd: "open", id: impl, impl, port: server.port, ...scenario.open });
        await load.ask({ cmd: "run", id: impl, ms: ROUND_MS, window: scenario.open.window });
      }
      for (let r = 0; r < ROUNDS; r++) {
        const order = r % 2 === 0 ? IMPLS : [...IMPLS].reverse();
        for (const impl of order) {
          const result = await load.ask<ClientRunResult>({
            cmd: "run",
            id: impl,
            ms: ROUND_MS,
            window: scenario.open.window,
          });
          rounds.get(impl)!.push(result);
        }
      }
      for (const impl of IMPLS) await load.ask({ cmd: "close", id: impl });
      const rate = (impl: string) =>
        median(rounds.get(impl)!.map((r) => r.messages / (r.elapsedMs / 1000)));
      const perCpu = (impl: string) =>
        median(rounds.get(impl)!.map((r) => r.messages / Math.max(r.cpuMs / 1000, 1e-3)));
      const cpu = (impl: string) =>
        median(rounds.get(impl)!.map((r) => (100 * r.cpuMs) / r.elapsedMs));
      lines.push(
        `| ${scenario.name} | ${human(rate("wirely"))} | ${human(rate("ws"))} | ${
          human(perCpu("wirely"))
        } | ${human(perCpu("ws"))} | ${(perCpu("wirely") / perCpu("ws")).toFixed(2)}x | >= 1.5x | ${
          cpu("wirely").toFixed(0)
        } / ${cpu("ws").toFixed(0)} |`,
      );
      console.error(`${scenario.name} done`);
    }
  } finally {
    await load.stop();
    await server.proc.stop();
  }
  const version = new TextDecoder().decode(
    (await new Deno.Command("node", { args: ["--version"] }).output()).stdout,
  ).trim();
  const loadavg = await Deno.readTextFile("/proc/loadavg").catch(() => "unknown");
  console.log(
    `client benchmark — ${new Date().toISOString().slice(0, 10)}, Node ${version}, ${
      pinned() ? "server on core 0, clients on core 1" : "not pinned"
    }, ${ROUNDS} rounds of ${ROUND_MS} ms (median), load average ${
      loadavg.split(" ").slice(0, 3).join(" ")
    }\n`,
  );
  console.log(
    "| scenario | wirely messages/s | ws messages/s | wirely per client CPU-s | ws per client CPU-s | ratio per CPU-s | goal | client CPU % (wirely / ws) |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  console.log(lines.join("\n"));
}

function human(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(1)} k`;
  return value.toFixed(0);
}

await main();
