import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { type CloseInfo, serve } from "./mod.ts";
import { inBun } from "../testing/runtime.ts";
import { runPython, skipWithoutPythonWebsockets } from "../testing/python.ts";
import { inDeno, until, within } from "./_helpers_test.ts";

const CLIENT = fileURLToPath(new URL("./testdata/python_client.py", import.meta.url));
const MAX_MESSAGE_SIZE = 1_048_576 + 1024;
const SKIP = skipWithoutPythonWebsockets(CLIENT);

describe("interop with python-websockets", () => {
  for (const engine of ["codec", "native"] as const) {
    const skip = SKIP !== false
      ? SKIP
      : engine === "native" && !inDeno && !inBun
      ? "the native engine needs Deno or Bun"
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
          limits: { maxMessageSize: MAX_MESSAGE_SIZE },
          handshake: { protocols: ["chat.v2", "chat.v1"] },
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
          const { code, output } = await runPython(
            CLIENT,
            [server.url, String(MAX_MESSAGE_SIZE)],
            30_000,
          );
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
