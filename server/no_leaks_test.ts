// Abuse: 500 connections opened and closed in a loop leave no socket or timer behind, on both
// engines. Two checks, because Deno's test sanitizers do not run for node:test tests (a leaked
// timer or socket passes unnoticed): in this process, the active handles
// (`process.getActiveResourcesInfo()`) are compared before and after; in a child process
// (testdata/no_leaks.ts, which also covers what that list cannot see, e.g. `Deno.serve`'s
// sockets), the process must exit on its own after close(), with no client and no handle left.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { serve, type ServerEngine } from "./mod.ts";
import { inBun } from "../testing/runtime.ts";
import {
  activeResources,
  beyond,
  inDeno,
  messages,
  openWs,
  until,
  within,
  wsClosed,
} from "./_helpers_test.ts";

const NO_LEAKS = fileURLToPath(new URL("./testdata/no_leaks.ts", import.meta.url));
const ENGINES: readonly ServerEngine[] = ["codec", "native"];
const ROUNDS = 25;
const PER_ROUND = 20;

function skipFor(engine: ServerEngine): string | false {
  return engine === "native" && !inDeno && !inBun ? "the native engine needs Deno or Bun" : false;
}

/** Runs testdata/no_leaks.ts in a Deno child; resolves when its `done` line is printed. */
function runChild(args: string[]): {
  done: Promise<string>;
  exit: Promise<number | null>;
  running: () => boolean;
  kill: () => void;
} {
  const child = spawn(process.execPath, ["run", "-A", NO_LEAKS, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => output += chunk);
  const exit = new Promise<number | null>((resolve) => child.on("exit", resolve));
  const done = new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: string) => {
      output += chunk;
      const line = output.match(/^done .*$/m);
      if (line) resolve(line[0]);
    });
    child.on("exit", () => reject(new Error(`exited without its done line: ${output}`)));
  });
  done.catch(() => {});
  return {
    done: within(done, 45_000, "no_leaks.ts done line"),
    exit: within(exit, 45_000, "no_leaks.ts exit"),
    running: () => child.exitCode === null && child.signalCode === null,
    kill: () => {
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}

describe("no leaks", () => {
  for (const engine of ENGINES) {
    it(`500 connections opened and closed in a loop leave no handle in this process (${engine})`, {
      skip: skipFor(engine),
    }, async () => {
      const baseline = activeResources();
      const deadline = Date.now() + 30_000;
      const server = await serve({
        engine,
        port: 0,
        hostname: "127.0.0.1",
        heartbeat: { interval: 50, timeout: 20 },
        onMessage: (conn, message) => conn.send(message.data),
      });
      try {
        for (let round = 0; round < ROUNDS; round++) {
          assert.ok(Date.now() < deadline, `only ${round * PER_ROUND} connections in 30 s`);
          await Promise.all(Array.from({ length: PER_ROUND }, async (_, i) => {
            const ws = await openWs(server.url);
            ws.send(`${round}:${i}`);
            const echoed = new TextDecoder().decode((await messages(ws).next()).data);
            assert.equal(echoed, `${round}:${i}`);
            ws.close();
            await wsClosed(ws);
          }));
        }
        await until(() => server.clients.size === 0, 2_000, "every connection released");
      } finally {
        await within(server.close(), 5_000, "server close");
      }
      if (baseline === undefined) return; // this runtime cannot list its handles
      let leaked: string[] = [];
      await until(
        () => (leaked = beyond(activeResources()!, baseline)).length === 0,
        2_000,
        "handles back to the baseline",
      ).catch(() => assert.deepEqual(leaked, [], "handles left after close()"));
    });
  }

  for (const engine of ENGINES) {
    it(`a process that served 500 connections exits on its own after close() (${engine})`, {
      skip: inDeno ? skipFor(engine) : "runs testdata/no_leaks.ts with the Deno binary",
    }, async () => {
      const child = runChild([`--engine=${engine}`]);
      try {
        assert.equal(await child.done, "done clients=0 resources=[]");
        assert.equal(await child.exit, 0, "the process kept running: a handle leaked");
      } finally {
        child.kill();
      }
    });
  }

  it("the child-process check sees a leaked timer", {
    skip: inDeno ? false : "runs testdata/no_leaks.ts with the Deno binary",
  }, async () => {
    const child = runChild(["--engine=codec", "--leak"]);
    try {
      assert.equal(await child.done, `done clients=0 resources=["Timeout"]`);
      // Not a timing assertion: with a leaked interval the process never exits on its own.
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(child.running(), true, "a process with a leaked timer exited");
    } finally {
      child.kill();
    }
  });
});
