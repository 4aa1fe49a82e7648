import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type CloseInfo, serve } from "./mod.ts";
import { inDeno, until, within } from "./_helpers_test.ts";

const PYTHON = "/usr/bin/python3";
const CLIENT = fileURLToPath(new URL("./testdata/python_client.py", import.meta.url));
const MAX_MESSAGE_SIZE = 1_048_576 + 1024;

function pythonWebsockets(): string | false {
  // The Node matrix runs a compiled copy of this test, without the .py file beside it.
  if (!existsSync(CLIENT)) return `${CLIENT} is missing (compiled copy of the test)`;
  const probe = spawnSync(PYTHON, ["-c", "import websockets"], { timeout: 10_000 });
  if (probe.error !== undefined) return `no ${PYTHON} (${probe.error.message})`;
  if (probe.status !== 0) {
    return `${PYTHON} cannot import websockets (apt-get install python3-websockets)`;
  }
  return false;
}

const SKIP = pythonWebsockets();

/** Runs the python client against `url`; resolves with its exit code and output (bounded). */
function runClient(url: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(PYTHON, [CLIENT, url, String(MAX_MESSAGE_SIZE)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => output += chunk);
  child.stderr.on("data", (chunk: string) => output += chunk);
  const done = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, output }))
  );
  return within(done, 30_000, "python client").finally(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
}

describe("interop with python-websockets", () => {
  for (const engine of ["codec", "native"] as const) {
    const skip = SKIP !== false
      ? SKIP
      : engine === "native" && !inDeno
      ? "the native engine needs Deno"
      : false;
    it(
      `echoes 0 B-1 MiB, answers pings, negotiates a subprotocol, passes close codes both ways and refuses oversize with 1009 (${engine})`,
      {
        skip,
      },
      async () => {
        const closes: CloseInfo[] = [];
        const server = await serve({
          engine,
          port: 0,
          hostname: "127.0.0.1",
          maxMessageSize: MAX_MESSAGE_SIZE,
          protocols: ["chat.v2", "chat.v1"],
          onMessage: (conn, message) => {
            if (message.type === "text" && message.data === "close-me") {
              conn.close(4001, "server bye");
            } else {
              conn.send(message.data);
            }
          },
          onClose: (_conn, info) => closes.push(info),
        });
        try {
          const { code, output } = await runClient(server.url);
          assert.equal(code, 0, output);
          assert.equal(output.match(/^ok /gm)?.length, 2 * 7 + 5, output);
          await until(() => closes.length === 3, 5_000, "three closes");
          const codes = closes.map((info) => info.code).sort();
          assert.deepEqual(codes, [1009, 4001, 4002], JSON.stringify(closes));
          const client = closes.find((info) => info.code === 4002);
          assert.deepEqual(client, { code: 4002, reason: "client bye", wasClean: true });
        } finally {
          await within(server.close(), 5_000, "server close");
        }
      },
    );
  }
});
