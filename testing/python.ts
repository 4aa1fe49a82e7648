/**
 * Test support: python3-websockets (Debian's package, under `/usr/bin/python3`, not a pyenv
 * python) as a real peer. Shared by the server's interop tests; not part of the package.
 *
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { within } from "./async.ts";

/** Debian's python, which has the `python3-websockets` package. */
export const PYTHON = "/usr/bin/python3";

/** `false` when `script` exists and python3-websockets imports, else the reason to skip. */
export function skipWithoutPythonWebsockets(script: string): string | false {
  // The Node and Bun runs use a compiled copy of the tests; build_npm copies the scripts beside it.
  if (!existsSync(script)) return `${script} is missing`;
  const probe = spawnSync(PYTHON, ["-c", "import websockets"], { timeout: 10_000 });
  if (probe.error !== undefined) return `no ${PYTHON} (${probe.error.message})`;
  if (probe.status !== 0) {
    return `${PYTHON} cannot import websockets (apt-get install python3-websockets)`;
  }
  return false;
}

/** What a python script printed (stdout and stderr) and its exit code. */
export interface PythonRun {
  code: number | null;
  output: string;
}

/** Runs `script` with `args`; resolves when it exits, rejects (and kills it) after `ms`. */
export function runPython(script: string, args: readonly string[], ms: number): Promise<PythonRun> {
  const child = spawn(PYTHON, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => output += chunk);
  child.stderr.on("data", (chunk: string) => output += chunk);
  const done = new Promise<PythonRun>((resolve) =>
    child.on("close", (code) => resolve({ code, output }))
  );
  return within(done, ms, `python ${script}`).finally(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
}
