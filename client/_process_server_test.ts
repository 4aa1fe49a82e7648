/**
 * A wirely server in a child process (`client/testdata/restart_server.ts`), for tests that
 * crash a server for real (SIGKILL) or shut it down gracefully (SIGTERM) and start it again on
 * the same port. Runs under Deno (`deno run` of the .ts), Node and Bun (the built .js). Named
 * `_test.ts` so it is never published; it holds no tests.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { until, within } from "../testing/async.ts";

/** What the server does with messages: echo plain messages, or answer `echo` events. */
export type ServerProcessMode = "plain" | "events";

/** A server process; a new one is started on the same port after a kill. */
export interface ServerProcess {
  readonly port: number;
  readonly url: string;
  /** Texts the server received (`got <text>` lines), over every process, in order. */
  readonly received: string[];
  /** Sends `signal` and waits until the process exited. */
  stop(signal: "SIGKILL" | "SIGTERM"): Promise<void>;
  /** Starts a new process on the same port (after `stop`). */
  restart(): Promise<void>;
}

const inDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

/** How to run the script with this runtime: Deno runs the .ts, Node and Bun the built .js. */
function command(port: number, mode: ServerProcessMode): [string, string[]] {
  if (inDeno) {
    const script = fileURLToPath(new URL("./testdata/restart_server.ts", import.meta.url));
    return [process.execPath, ["run", "--allow-net", "--allow-env", script, `${port}`, mode]];
  }
  const script = fileURLToPath(new URL("./testdata/restart_server.js", import.meta.url));
  return [process.execPath, [script, `${port}`, mode]];
}

/** Spawns the server on `port` (0: any); resolves with its port once it listens. */
async function launch(
  port: number,
  mode: ServerProcessMode,
  received: string[],
): Promise<{ child: ChildProcess; port: number }> {
  const [file, args] = command(port, mode);
  const child = spawn(file, args, { stdio: ["ignore", "pipe", "inherit"] });
  let listening: number | undefined;
  let pending = "";
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => {
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      if (line.startsWith("got ")) received.push(line.slice(4));
      else if (line.startsWith("listening ")) listening = Number(line.slice(10));
    }
  });
  let exited = false;
  child.once("exit", () => exited = true);
  try {
    await until(() => listening !== undefined || exited, 20_000, "the server process to listen");
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  if (listening === undefined) throw new Error(`the server process exited (port ${port} taken?)`);
  return { child, port: listening };
}

/** Starts a server process on a free port. */
export async function startServerProcess(mode: ServerProcessMode): Promise<ServerProcess> {
  const received: string[] = [];
  let { child, port } = await launch(0, mode, received);
  return {
    port,
    url: `ws://127.0.0.1:${port}/`,
    received,
    stop: async (signal) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill(signal);
      await within(exited, 10_000, `the server process to exit on ${signal}`);
    },
    restart: async () => {
      ({ child, port } = await launch(port, mode, received));
    },
  };
}
