import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { expectEcho, inDeno, openWs, within, wsClosed } from "./_helpers_test.ts";

const ECHO = fileURLToPath(new URL("../examples/echo.ts", import.meta.url));
const SKIP = inDeno ? false : "spawns the Deno binary to run .ts files (needs Deno)";

/** Collects a child's stdout and waits for its exit (bounded). */
function watch(child: ChildProcess): {
  output: () => string;
  line: (pattern: RegExp, ms: number) => Promise<RegExpMatchArray>;
  exit: (ms: number) => Promise<number | null>;
} {
  let output = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8");
  child.stderr!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => output += chunk);
  child.stderr!.on("data", (chunk: string) => stderr += chunk);
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  return {
    output: () => output,
    line: (pattern, ms) =>
      within(
        new Promise((resolve, reject) => {
          const check = (): void => {
            const match = output.match(pattern);
            if (match) resolve(match);
          };
          child.stdout!.on("data", check);
          child.on("exit", () => reject(new Error(`exited early: ${output}${stderr}`)));
          check();
        }),
        ms,
        `output matching ${pattern}`,
      ),
    exit: (ms) => within(exited, ms, "child exit"),
  };
}

/** The part of `Deno.Command` the SIGINT test uses (Node's child_process in Deno misreports the exit of a child killed with SIGINT). */
interface DenoChild {
  stdout: ReadableStream<Uint8Array>;
  kill(signal: string): void;
  status: Promise<{ success: boolean; code: number; signal: string | null }>;
}
interface DenoLike {
  execPath(): string;
  Command: new (command: string, options: { args: string[]; stdout: "piped" }) => {
    spawn(): DenoChild;
  };
}

describe("examples/echo.ts", () => {
  for (const engine of [undefined, "native", "codec"]) {
    const flags = engine === undefined ? [] : ["--engine", engine];
    it(
      `prints its URL, echoes on any path, and shuts down gracefully on SIGINT (${
        flags.join(" ") || "default engine"
      })`,
      {
        skip: SKIP,
      },
      async () => {
        const deno = (globalThis as unknown as { Deno: DenoLike }).Deno;
        const child = new deno.Command(deno.execPath(), {
          args: ["run", "--allow-net", ECHO, "--port", "0", ...flags],
          stdout: "piped",
        }).spawn();
        let exited = false;
        const status = child.status.finally(() => exited = true);
        try {
          const reader = child.stdout.getReader();
          const decoder = new TextDecoder();
          let output = "";
          while (!output.includes("\n")) {
            const chunk = await within(reader.read(), 15_000, "listening line");
            if (chunk.done) break;
            output += decoder.decode(chunk.value, { stream: true });
          }
          const match = output.match(/^listening on ws:\/\/127\.0\.0\.1:(\d+)\/\n$/);
          assert.ok(match, `unexpected output ${JSON.stringify(output)}`);
          const ws = await openWs(`ws://127.0.0.1:${match[1]}/any/path?x=1`);
          // ws offers permessage-deflate: the codec engine (Deno's default) accepts it, the native
          // one cannot.
          assert.equal(ws.extensions, engine !== "native" ? "permessage-deflate" : "");
          await expectEcho(ws);
          const closed = wsClosed(ws);
          child.kill("SIGINT");
          assert.equal((await closed).code, 1001);
          assert.deepEqual({ ...await within(status, 5_000, "exit") }, {
            success: true,
            code: 0,
            signal: null,
          });
          reader.releaseLock();
        } finally {
          if (!exited) child.kill("SIGKILL");
          await child.stdout.cancel().catch(() => {});
        }
      },
    );
  }

  for (const args of [["--bogus"], ["--engine", "turbo"]]) {
    it(`refuses ${args.join(" ")} with exit code 2`, { skip: SKIP }, async () => {
      const child = spawn(process.execPath, ["run", "--allow-net", ECHO, ...args], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      const watched = watch(child);
      try {
        assert.equal(await watched.exit(15_000), 2);
      } finally {
        if (child.exitCode === null) child.kill("SIGKILL");
      }
    });
  }
});
