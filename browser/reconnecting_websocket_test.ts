// A tiny app written against the WebSocket API (browser/testdata/ws_app.ts) in a real Chromium:
// over the global WebSocket it works until the server restarts; with ReconnectingWebSocket from
// the npm build swapped in it survives the restart, and what it sent meanwhile arrives once,
// in order. Servers: wirely's, in Deno (stop: a graceful close) and in a Node child process
// (stop: SIGKILL), restarted on the same port. Run by `deno task test:browser`; Deno only.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import {
  bundleForBrowser,
  launchChromium,
  skipWithoutChromium,
  stopBundler,
} from "../testing/browser.ts";
import { until, within } from "../testing/async.ts";
import {
  type EchoServer,
  SERVER_RUNTIMES,
  serveStatic,
  type StaticSite,
} from "./testdata/echo_servers.ts";
import type { WsAppApi, WsAppView } from "./testdata/ws_app.ts";

const NPM_CLIENT = fileURLToPath(new URL("../npm/client/mod.js", import.meta.url));
const NPM_SERVER = fileURLToPath(new URL("../npm/server/mod.js", import.meta.url));
const APP_ENTRY = new URL("./testdata/ws_app.ts", import.meta.url);

function skipReason(): string | false {
  if (typeof (globalThis as { Deno?: unknown }).Deno === "undefined") return "needs Deno.serve";
  const noChromium = skipWithoutChromium();
  if (noChromium) return noChromium;
  if (!existsSync(NPM_CLIENT) || !existsSync(NPM_SERVER)) {
    return "npm/ is not built: run `deno task test:browser` (or `deno task build:npm`)";
  }
  return false;
}

const SKIP = skipReason();
// deno test does not print node:test skip reasons: say it here.
if (SKIP) console.log(`browser/reconnecting_websocket_test.ts skipped: ${SKIP}`);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

type App = { wsApp: WsAppApi };

function view(page: Page): Promise<WsAppView> {
  return within(page.evaluate(() => (globalThis as unknown as App).wsApp.view()), 5_000, "view");
}

async function waitFor(
  page: Page,
  check: (view: WsAppView) => boolean,
  what: string,
): Promise<WsAppView> {
  let last: WsAppView | undefined;
  const deadline = Date.now() + 10_000;
  while (last === undefined || !check(last)) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`);
    }
    last = await view(page);
    if (!check(last)) await sleep(20);
  }
  return last;
}

describe("an app written for the WebSocket API, in Chromium", { skip: SKIP }, () => {
  let browser: Browser | undefined;
  let site: StaticSite | undefined;
  const pages: Page[] = [];
  const servers: EchoServer[] = [];

  before(async () => {
    const script = await bundleForBrowser(APP_ENTRY, { "wirely/client": NPM_CLIENT });
    assert.ok(!script.includes("node:"), "the browser bundle pulls in no node: module");
    site = await serveStatic(script);
    browser = await launchChromium();
  });

  after(async () => {
    for (const page of pages) await page.close().catch(() => {});
    for (const server of servers) await server.stop().catch(() => {});
    await browser?.close().catch(() => {});
    await site?.close();
    await stopBundler();
  });

  async function open(url: string, kind: "global" | "reconnecting"): Promise<Page> {
    const page = await browser!.newPage();
    pages.push(page);
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    await page.goto(site!.url, { timeout: 10_000 });
    await page.waitForFunction(() => "wsApp" in globalThis, undefined, { timeout: 10_000 });
    await page.evaluate(
      ([u, k]) => (globalThis as unknown as App).wsApp.start(u, k),
      [url, kind] as const,
    );
    assert.deepEqual(errors, []);
    return page;
  }

  const say = (page: Page, text: string): Promise<void> =>
    page.evaluate((t) => (globalThis as unknown as App).wsApp.say(t), text);

  for (const runtime of SERVER_RUNTIMES) {
    it(`works over the global WebSocket, which stays closed after a restart (${runtime.name})`, async () => {
      const server = runtime.create();
      servers.push(server);
      const page = await open(await server.start(), "global");
      await waitFor(page, (v) => v.texts.length === 1 && v.bytes.length === 1, "the echoes");
      // The Node child reports on stdout: its record must be read before it is killed.
      await until(() => server.opens === 1, 5_000, "the server's record of the open");
      await server.stop();
      await waitFor(page, (v) => v.closes.length === 1, "the close");
      await server.start({ port: server.port });
      await sleep(500);
      const seen = await view(page);
      assert.equal(seen.readyState, 3);
      assert.equal(seen.opens, 1);
      assert.deepEqual(seen.texts, ["hello #1"]);
      assert.equal(server.opens, 1);
    });

    it(`survives a restart with ReconnectingWebSocket swapped in (${runtime.name})`, async () => {
      const server = runtime.create();
      servers.push(server);
      const page = await open(await server.start(), "reconnecting");
      await waitFor(page, (v) => v.texts.length === 1 && v.bytes.length === 1, "the echoes");
      // The Node child reports on stdout: its record must be read before it is killed.
      await until(() => server.opens === 1, 5_000, "the server's record of the open");
      await server.stop();
      const down = await waitFor(page, (v) => v.closes.length === 1, "the close of the drop");
      assert.equal(down.readyState, 0); // CONNECTING while it reconnects
      assert.ok(down.closes[0]!.endsWith("r"), down.closes[0]);
      await say(page, "sent while down 1");
      await say(page, "sent while down 2");
      await server.start({ port: server.port });
      const back = await waitFor(
        page,
        (v) => v.texts.length === 4 && v.bytes.length === 2, // the byte echo may trail
        "the echoes after the restart",
      );
      assert.deepEqual(back.texts, [
        "hello #1",
        "sent while down 1",
        "sent while down 2",
        "hello #2",
      ]);
      assert.deepEqual(back.bytes, [[1, 2, 3], [2, 2, 3]]);
      assert.equal(back.readyState, 1);
      assert.equal(back.opens, 2);
      assert.equal(back.realEvents, true);
      await until(() => server.received.length === 4, 5_000, "the server's record");
      assert.deepEqual(server.received, back.texts);
      assert.equal(server.opens, 2);
    });
  }
});
