// The native engine answers a request whose URL cannot be built (a bad Host header or request
// target) with 400 and reaches no stack trace, over a raw TCP socket.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { serve } from "./mod.ts";
import { inDeno, RawClient, upgradeRequest, within } from "./_helpers_test.ts";

const SKIP = inDeno ? false : "the native engine needs Deno (Deno.serve)";

describe("native engine: requests whose URL is invalid", { skip: SKIP }, () => {
  for (const path of [undefined, "/ws"]) {
    it(`answers 400 to "Host: a b" and a bad target (path option: ${path ?? "none"})`, async () => {
      const errors: unknown[] = [];
      const server = await serve({
        port: 0,
        hostname: "127.0.0.1",
        engine: "native",
        path,
        onError: (error) => errors.push(error),
      });
      try {
        const heads = [
          upgradeRequest(path ?? "/", { Host: "a b" }),
          upgradeRequest("//a b/", {}),
          "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
        ];
        for (const head of heads) {
          const client = await RawClient.connect(server.addr.port);
          client.write(head);
          await client.waitFor(() => client.head !== "" || client.closed, "an answer");
          assert.match(client.head, /^HTTP\/1\.1 400 /, JSON.stringify(head));
          client.destroy();
        }
        assert.deepEqual(errors, []);
      } finally {
        await within(server.close(), 5_000, "server close");
      }
    });
  }
});
