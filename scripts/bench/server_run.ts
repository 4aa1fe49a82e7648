/**
 * Process plumbing of the server and events benchmarks: child processes that talk one JSON line
 * per command (the servers and the load generators), CPU pinning with `taskset`, Node bundles of
 * their entry files, and the timed rounds (server CPU read before and after each run).
 *
 * @module
 */

import { build } from "esbuild";
import type { ServerStats } from "./server_control.ts";
import type { OpenCommand, RunResult } from "./server_load.ts";

/** A child process answering one stdout line per stdin line. */
export class LineProcess {
  readonly name: string;
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #lines: string[] = [];
  readonly #waiters: ((line: string) => void)[] = [];
  #exited = false;

  /** Starts `command args...`, pinned to `cpu` when `taskset` exists and there are 2+ cores. */
  constructor(name: string, command: string, args: string[], cpu?: number) {
    this.name = name;
    const pin = cpu !== undefined && canPin();
    this.#child = new Deno.Command(pin ? "taskset" : command, {
      args: pin ? ["-c", String(cpu), command, ...args] : args,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    void this.#read();
    void this.#child.status.then(() => {
      this.#exited = true;
      for (const waiter of this.#waiters.splice(0)) waiter("");
    });
  }

  async #read(): Promise<void> {
    let pending = "";
    for await (const text of this.#child.stdout.pipeThrough(new TextDecoderStream())) {
      pending += text;
      let newline: number;
      while ((newline = pending.indexOf("\n")) !== -1) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        const waiter = this.#waiters.shift();
        if (waiter) waiter(line);
        else this.#lines.push(line);
      }
    }
  }

  /** The next line the process prints, parsed as JSON (bounded by `timeoutMs`). */
  async next<T>(timeoutMs = 120_000): Promise<T> {
    const line = this.#lines.shift() ?? await new Promise<string>((resolve, reject) => {
      if (this.#exited) return resolve("");
      const timer = setTimeout(() => reject(new Error(`${this.name}: no answer`)), timeoutMs);
      this.#waiters.push((text) => {
        clearTimeout(timer);
        resolve(text);
      });
    });
    if (line === "") throw new Error(`${this.name} exited`);
    const value = JSON.parse(line);
    if (value.error) throw new Error(`${this.name}: ${value.error}`);
    return value as T;
  }

  /** Sends one line and waits for the answer. */
  async ask<T>(command: unknown): Promise<T> {
    const text = typeof command === "string" ? command : JSON.stringify(command);
    await this.#writer.write(new TextEncoder().encode(text + "\n"));
    return this.next<T>();
  }

  /** Asks the process to quit, then kills it if it has not exited within `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.#exited) return;
    try {
      await Promise.race([this.ask("quit"), new Promise((r) => setTimeout(r, graceMs))]);
    } catch {
      // exited meanwhile
    }
    await Promise.race([this.#child.status, new Promise((r) => setTimeout(r, graceMs))]);
    if (!this.#exited) {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // gone
      }
    }
    await this.#child.status;
  }
}

let pinnable: boolean | undefined;
function canPin(): boolean {
  if (pinnable === undefined) {
    try {
      pinnable = navigator.hardwareConcurrency >= 2 &&
        new Deno.Command("taskset", { args: ["-c", "0", "true"] }).outputSync().success;
    } catch {
      pinnable = false;
    }
  }
  return pinnable;
}

/** Whether server and generator run on cores of their own. */
export function pinned(): boolean {
  return canPin();
}

/**
 * Bundles `scripts/bench/<entry>.ts` for each entry into `<outDir><entry>.mjs` (ESM for Node 20),
 * leaving the npm packages in `external` to be resolved from the repository's node_modules.
 */
export async function bundleForNode(
  entries: readonly string[],
  outDir: string,
  external: string[],
): Promise<void> {
  for (const entry of entries) {
    await build({
      entryPoints: [new URL(`./${entry}.ts`, import.meta.url).pathname],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      external,
      outfile: `${outDir}${entry}.mjs`,
      logLevel: "error",
    });
  }
}

/**
 * Compiles the npm package's JavaScript like `deno task build:npm` does (same
 * `tsconfig.build.json`) into `<outDir>npm/`, a private folder: other work rebuilding npm/ (or a
 * test file that does not compile yet, which fails build:npm) cannot disturb a run.
 */
export async function compilePackage(root: string, outDir: string): Promise<void> {
  await Deno.remove(`${outDir}npm`, { recursive: true }).catch(() => {});
  const tsc = await new Deno.Command(`${root}node_modules/.bin/tsc`, {
    args: [
      "-p",
      `${root}tsconfig.build.json`,
      "--outDir",
      `${outDir}npm`,
      "--isolatedDeclarations",
      "false",
      "--declaration",
      "false",
    ],
    cwd: root,
  }).output();
  if (!tsc.success) throw new Error(new TextDecoder().decode(tsc.stdout));
  await Deno.writeTextFile(`${outDir}npm/package.json`, '{ "type": "module" }\n');
}

/** A server process and its port. */
export interface ServerProcess {
  proc: LineProcess;
  port: number;
}

/** Starts a benchmark server process (on core 0) and waits for its port. */
export async function startServer(
  name: string,
  command: string,
  args: string[],
): Promise<ServerProcess> {
  const proc = new LineProcess(name, command, args, 0);
  const { port } = await proc.next<{ port: number }>(30_000);
  return { proc, port };
}

/** One measured round. */
export interface Round {
  /** Operations per second. */
  rate: number;
  /** Payload bytes per second. */
  byteRate: number;
  /** Server CPU use during the round, percent of one core. */
  serverCpu: number;
  /** Generator CPU use during the round, percent of one core. */
  loadCpu: number;
}

/** Runs one timed round of session `id` against `server`. */
export async function measure(
  load: LineProcess,
  server: ServerProcess,
  id: string,
  ms: number,
  maxOps: number,
): Promise<Round> {
  const before = await server.proc.ask<ServerStats>("stats");
  const t0 = performance.now();
  const run = await load.ask<RunResult>({ cmd: "run", id, ms, maxOps });
  const after = await server.proc.ask<ServerStats>("stats");
  const wall = performance.now() - t0;
  if (run.failed > 0) {
    console.error(`${load.name} against ${server.proc.name}: ${run.failed} failed`);
  }
  return {
    rate: run.ops / (run.elapsedMs / 1000),
    byteRate: run.bytes / (run.elapsedMs / 1000),
    serverCpu: (100 * (after.cpuMs - before.cpuMs)) / wall,
    loadCpu: (100 * run.cpuMs) / run.elapsedMs,
  };
}

/** Opens a generator session `id` for `command` against `server`. */
export async function openSession(
  load: LineProcess,
  server: ServerProcess,
  id: string,
  command: Omit<OpenCommand, "port">,
): Promise<void> {
  await load.ask({ cmd: "open", id, port: server.port, ...command });
}

/** Closes generator session `id`. */
export async function closeSession(load: LineProcess, id: string): Promise<void> {
  await load.ask({ cmd: "close", id });
}

/** Median of `values` (the upper one of an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
