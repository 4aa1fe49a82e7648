// Chromium's WebSocket negotiates permessage-deflate with wirely's server on the codec engine:
// Deno's codec engine (in this process: the bytes the server read show that Chromium compressed)
// and Node (the npm build in a child `node`); Deno's native engine, which has none, answers
// without it. Checked from the page's `ws.extensions` and the echo of a 200 kB message.
// Run by `deno task test:browser` (which builds npm/ first); Deno only.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { serve, type ServedWebSocketServer, type ServerEngine } from "../server/mod.ts";
import { launchChromium, skipWithoutChromium } from "../testing/browser.ts";
import { within } from "../testing/async.ts";
import { SERVER_RUNTIMES, serveStatic, type StaticSite } from "./testdata/echo_servers.ts";

const NPM_SERVER = fileURLToPath(new URL("../npm/server/mod.js", import.meta.url));

function skipReason(): string | false {
  if (typeof (globalThis as { Deno?: unknown }).Deno === "undefined") return "needs Deno";
  const noChromium = skipWithoutChromium();
  if (noChromium) return noChromium;
  if (!existsSync(NPM_SERVER)) return "npm/ is not built: run `deno task test:browser`";
  return false;
}

const SKIP = skipReason();
if (SKIP) console.log(`browser/deflate_test.ts skipped: ${SKIP}`);

/** Opens a WebSocket in the page, echoes `size` bytes of text, returns its `extensions`. */
function echoInPage(page: Page, url: string, size: number): Promise<string> {
  const run = page.evaluate(([target, length]) =>
    new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(target);
      const message = "chromium ".repeat(Math.ceil(length / 9)).slice(0, length);
      ws.onerror = () => reject(new Error("socket error"));
      ws.onopen = () => ws.send(message);
      ws.onmessage = (event) => {
        if (event.data !== message) reject(new Error("the echo differs"));
        const extensions = ws.extensions;
        ws.close();
        resolve(extensions);
      };
    }), [url, size] as const);
  return within(run, 15_000, "the page's echo");
}

describe("Chromium's WebSocket and permessage-deflate", { skip: SKIP }, () => {
  let browser: Browser | undefined;
  let site: StaticSite | undefined;
  let page: Page | undefined;

  before(async () => {
    site = await serveStatic("");
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(site.url, { timeout: 10_000 });
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await site?.close();
  });

  for (const engine of ["codec", "native"] as ServerEngine[]) {
    it(`Deno's ${engine} engine: ${engine === "codec" ? "agreed and used" : "none"}`, async () => {
      let received = 0;
      const server: ServedWebSocketServer = await serve({
        port: 0,
        hostname: "127.0.0.1",
        engine,
        onMessage: (conn, message) => {
          received = conn.bytesReceived;
          conn.send(message.data);
        },
      });
      try {
        const extensions = await echoInPage(page!, server.url, 200_000);
        if (engine === "native") {
          assert.equal(extensions, "");
          return;
        }
        assert.match(extensions, /^permessage-deflate/);
        assert.ok(received < 20_000, `the server read ${received} bytes for 200 kB`);
      } finally {
        await server.close();
      }
    });
  }

  it("Node (npm build): agreed", async () => {
    const server = SERVER_RUNTIMES.find((runtime) => runtime.name === "Node")!.create();
    try {
      const url = await server.start();
      const extensions = await echoInPage(page!, url, 200_000);
      assert.match(extensions, /^permessage-deflate/);
    } finally {
      await server.stop();
    }
  });
});
