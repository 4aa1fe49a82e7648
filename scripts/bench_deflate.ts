/**
 * permessage-deflate benchmark (issue "permessage-deflate with memory that stays bounded"):
 * wirely's Node binding (the built package, default `perMessageDeflate`) against `ws` 8 on
 * Node 20 with ws's deflate defaults (`perMessageDeflate: true`: context takeover both ways) and
 * with wirely's parameters (`serverNoContextTakeover`, `clientNoContextTakeover`, threshold 1024).
 * Messages are ~1 KiB JSON chat messages, compressed by the clients. Servers run on core 0, the
 * load generator (`scripts/bench/deflate_load.ts`, raw TCP, messages compressed once up front) on
 * core 1; rounds alternate between contenders and medians are printed as a Markdown table.
 *
 * Run with `deno task bench:deflate` (about 3 minutes). Flags: `--quick` (short rounds, small
 * counts), `--burst=<connections>` (default 10000, capped by the file-descriptor limit),
 * `--idle=<connections>` (default 2000), `--memory` (only the idle and after-traffic RSS of wirely:
 * about 20 seconds).
 *
 * @module
 */

import {
  bundleForNode,
  compilePackage,
  LineProcess,
  median,
  pinned,
  type ServerProcess,
  startServer,
} from "./bench/server_run.ts";
import type { ServerStats } from "./bench/server_control.ts";
import type { DeflateOpen, DeflateResult } from "./bench/deflate_load.ts";
import {
  type Burst,
  type Cells,
  type Label,
  LABELS,
  type Memory,
  type Round,
  table,
} from "./bench/deflate_table.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const OUT = `${ROOT}.cache/bench-deflate/`;
const flag = (name: string) => Deno.args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const quick = Deno.args.includes("--quick");
const ROUNDS = quick ? 2 : 5;
const ROUND_MS = quick ? 300 : 1000;
const WARM_MS = quick ? 300 : 1500;
const IDLE = Number(flag("idle") ?? (quick ? 200 : 2000));
const BURST_WANTED = Number(flag("burst") ?? (quick ? 500 : 10_000));
/** Raises the soft file-descriptor limit to the hard one before running a child. */
const RAISE = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"';

function hardFdLimit(): number {
  const out = new Deno.Command("sh", { args: ["-c", "ulimit -Hn"] }).outputSync();
  const text = new TextDecoder().decode(out.stdout).trim();
  return text === "unlimited" ? 1 << 20 : Number(text);
}

const start = (label: Label) =>
  startServer(label, "sh", [
    "-c",
    RAISE,
    "sh",
    "node",
    "--expose-gc",
    `${OUT}deflate_server.mjs`,
    label,
    `${OUT}npm/server/mod.js`,
  ]);

const stats = (server: ServerProcess, command = "stats") => server.proc.ask<ServerStats>(command);

async function open(
  load: LineProcess,
  server: ServerProcess,
  id: string,
  command: Omit<DeflateOpen, "port">,
): Promise<void> {
  await load.ask({ cmd: "open", id, port: server.port, ...command });
}

async function measure(
  load: LineProcess,
  server: ServerProcess,
  id: string,
  ms: number,
): Promise<Round> {
  const before = await stats(server);
  const t0 = performance.now();
  const run = await load.ask<DeflateResult>({ cmd: "run", id, ms, maxOps: 100_000_000 });
  const after = await stats(server);
  const wall = performance.now() - t0;
  if (!run.drained) console.error(`${id}: messages in flight did not all come back`);
  return {
    rate: run.ops / (run.elapsedMs / 1000),
    wirePerMsg: run.wireIn / Math.max(1, run.ops),
    compressedShare: run.compressed / Math.max(1, run.ops),
    serverCpu: (100 * (after.cpuMs - before.cpuMs)) / wall,
    loadCpu: (100 * run.cpuMs) / run.elapsedMs,
  };
}

async function throughput(
  load: LineProcess,
  servers: Record<Label, ServerProcess>,
  command: Omit<DeflateOpen, "port">,
): Promise<Cells> {
  const rounds: Record<string, Round[]> = {};
  for (const label of LABELS) {
    rounds[label] = [];
    await open(load, servers[label], label, command);
    await measure(load, servers[label], label, WARM_MS);
  }
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? LABELS : [...LABELS].reverse();
    for (const label of order) {
      rounds[label]!.push(await measure(load, servers[label], label, ROUND_MS));
    }
  }
  for (const label of LABELS) await load.ask({ cmd: "close", id: label });
  const cells = {} as Cells;
  for (const label of LABELS) {
    const list = rounds[label]!;
    const pick = (key: keyof Round) => median(list.map((round) => round[key]));
    cells[label] = {
      rate: pick("rate"),
      wirePerMsg: pick("wirePerMsg"),
      compressedShare: pick("compressedShare"),
      serverCpu: pick("serverCpu"),
      loadCpu: pick("loadCpu"),
    };
  }
  return cells;
}

const KiB = (bytes: number, connections: number) => bytes / connections / 1024;

/** RSS per connection on a fresh server: idle (with and without deflate) and after traffic. */
async function memory(load: LineProcess, label: Label): Promise<Memory> {
  const result: Memory = {
    plain: 0,
    deflate: 0,
    traffic: 0,
    heap: [0, 0, 0],
    committed: [0, 0, 0],
    external: [0, 0, 0],
  };
  const note = (at: 0 | 1 | 2, base: ServerStats, now: ServerStats) => {
    result.heap[at] = KiB(now.heapUsed - base.heapUsed, IDLE);
    result.committed[at] = KiB(now.heapTotal - base.heapTotal, IDLE);
    result.external[at] = KiB(now.external - base.external, IDLE);
  };
  for (const deflate of [false, true]) {
    const server = await start(label);
    try {
      const base = await stats(server, "gc");
      await open(load, server, "idle", { kind: "idle", connections: IDLE, deflate, window: 1 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const idle = await stats(server, "gc");
      if (idle.connections !== IDLE) console.error(`${label}: ${idle.connections} of ${IDLE} open`);
      result[deflate ? "deflate" : "plain"] = KiB(idle.rss - base.rss, IDLE);
      note(deflate ? 1 : 0, base, idle);
      if (deflate) {
        const run = await load.ask<DeflateResult>({ cmd: "exchange", id: "idle", perClient: 4 });
        if (!run.drained || run.compressed !== IDLE * 4) {
          console.error(`${label}: traffic ${run.ops} back, ${run.compressed} compressed`);
        }
        const after = await stats(server, "gc");
        result.traffic = KiB(after.rss - base.rss, IDLE);
        note(2, base, after);
      }
      await load.ask({ cmd: "close", id: "idle" });
    } finally {
      await server.proc.stop();
    }
  }
  return result;
}

/** `connections` clients connect, each sends one compressed message and waits for its echo. */
async function burst(load: LineProcess, label: Label, connections: number): Promise<Burst> {
  const server = await start(label);
  try {
    const base = await stats(server, "gc");
    let peak = base.rss;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        peak = Math.max(peak, (await stats(server)).rss);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const t0 = performance.now();
    await open(load, server, "burst", { kind: "idle", connections, deflate: true, window: 1 });
    const run = await load.ask<DeflateResult>({ cmd: "exchange", id: "burst", perClient: 1 });
    const ms = performance.now() - t0;
    polling = false;
    await poller;
    const after = await stats(server, "gc");
    await load.ask({ cmd: "close", id: "burst" });
    const MiB = (bytes: number) => bytes / 1024 / 1024;
    return {
      connections,
      baseMiB: MiB(base.rss),
      peakMiB: MiB(peak),
      afterMiB: MiB(after.rss),
      perConnKiB: KiB(peak - base.rss, connections),
      ms,
      ok: run.drained && run.compressed === connections,
    };
  } finally {
    await server.proc.stop();
  }
}

async function main(): Promise<void> {
  const t0 = performance.now();
  await Deno.mkdir(OUT, { recursive: true });
  await compilePackage(ROOT, OUT);
  await bundleForNode(["deflate_server", "deflate_load_main"], OUT, ["ws"]);
  const fds = hardFdLimit();
  const burstSize = Math.min(BURST_WANTED, fds - 1000);
  if (burstSize < BURST_WANTED) {
    console.error(`burst limited to ${burstSize} connections (file descriptors: ${fds})`);
  }
  const load = new LineProcess("generator", "sh", [
    "-c",
    RAISE,
    "sh",
    "node",
    `${OUT}deflate_load_main.mjs`,
  ], 1);
  if (Deno.args.includes("--memory")) {
    try {
      const mem = await memory(load, "wirely");
      const f = (n: number) => n.toFixed(1);
      console.log(
        `wirely, ${IDLE} idle connections, KiB per connection: RSS ${
          f(mem.plain)
        } without deflate, ` +
          `${f(mem.deflate)} with (+${f(mem.deflate - mem.plain)}), ${
            f(mem.traffic)
          } after traffic; ` +
          `heap used ${mem.heap.map(f).join(" / ")}, committed ${mem.committed.map(f).join(" / ")}`,
      );
    } finally {
      await load.stop();
    }
    return;
  }
  const servers = {} as Record<Label, ServerProcess>;
  try {
    for (const label of LABELS) servers[label] = await start(label);
    const echo = await throughput(load, servers, {
      kind: "echo",
      connections: 50,
      deflate: true,
      window: 8,
    });
    console.error("echo done");
    const broadcast = await throughput(load, servers, {
      kind: "broadcast",
      connections: 500,
      deflate: true,
      window: 16,
    });
    console.error("broadcast done");
    for (const label of LABELS) await servers[label].proc.stop();
    const mem = {} as Record<Label, Memory>;
    for (const label of LABELS) mem[label] = await memory(load, label);
    console.error("memory done");
    const bursts = {} as Record<Label, Burst>;
    for (const label of LABELS) bursts[label] = await burst(load, label, burstSize);
    console.error("burst done");
    const date = new Date().toISOString().slice(0, 10);
    console.log(
      `permessage-deflate benchmark — ${date}, Node ${nodeVersion()}, ${navigator.hardwareConcurrency} cores, ${
        pinned() ? "servers on core 0, generator on core 1" : "not pinned"
      }, ${ROUNDS} rounds of ${ROUND_MS} ms (median), load average ${loadAverage()}\n`,
    );
    console.log(table(echo, broadcast, mem, bursts, IDLE));
  } finally {
    for (const label of LABELS) await servers[label]?.proc.stop();
    await load.stop();
  }
  console.log(`(${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}

function nodeVersion(): string {
  const out = new Deno.Command("node", { args: ["--version"] }).outputSync();
  return new TextDecoder().decode(out.stdout).trim();
}

function loadAverage(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}

if (import.meta.main) await main();
