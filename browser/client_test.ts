// WirelyClient from the npm build (npm/client/mod.js, bundled by esbuild) in a real Chromium,
// against wirely's server in Deno (in-process, native engine), on Node 20 and on Bun (npm/server in
// a child process; Bun's is its `bun` entry on Bun.serve). Every assertion is on what the page observed (through `page.evaluate`), on
// the WebSocket frames Chromium reports, or on what the server's app received.
// Run by `deno task test:browser` (which builds npm/ first); Deno only.
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
  PING,
  SERVER_RUNTIMES,
  serveStatic,
  type StaticSite,
} from "./testdata/echo_servers.ts";
import type { PageApi, PageGlobal } from "./testdata/page_api.ts";

const PONG = '{"type":"wirely:pong"}';
const NPM_CLIENT = fileURLToPath(new URL("../npm/client/mod.js", import.meta.url));
const NPM_SERVER = fileURLToPath(new URL("../npm/server/mod.js", import.meta.url));
const PAGE_ENTRY = new URL("./testdata/page.ts", import.meta.url);

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
if (SKIP) console.log(`browser/client_test.ts skipped: ${SKIP}`);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Calls `wirelyPage[name](...args)` in the page; 15 s at most. */
function call<K extends keyof PageApi>(
  page: Page,
  name: K,
  ...args: Parameters<PageApi[K]>
): Promise<Awaited<ReturnType<PageApi[K]>>> {
  const evaluated = page.evaluate(
    ([method, params]) => {
      const api = (globalThis as unknown as PageGlobal).wirelyPage as unknown as Record<
        string,
        (...values: unknown[]) => unknown
      >;
      return api[method]!(...params);
    },
    [name, args as unknown[]] as const,
  );
  return within(evaluated as Promise<Awaited<ReturnType<PageApi[K]>>>, 15_000, `page ${name}()`);
}

/** A fresh page of the static site, with every text frame Chromium sent and received. */
interface TestPage {
  page: Page;
  sent: string[];
  receivedFrames: string[];
  sockets: number;
  errors: string[];
}

describe("WirelyClient from the npm build in Chromium", { skip: SKIP }, () => {
  let browser: Browser | undefined;
  let site: StaticSite | undefined;

  before(async () => {
    const script = await bundleForBrowser(PAGE_ENTRY, { "wirely/client": NPM_CLIENT });
    assert.ok(!script.includes("node:"), "the browser bundle pulls in no node: module");
    site = await serveStatic(script);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await site?.close();
    await stopBundler();
  });

  for (const runtime of SERVER_RUNTIMES) {
    describe(`against wirely's server on ${runtime.label}`, () => {
      const servers: EchoServer[] = [];
      const pages: Page[] = [];

      function server(): EchoServer {
        const created = runtime.create();
        servers.push(created);
        return created;
      }

      async function openPage(): Promise<TestPage> {
        const page = await browser!.newPage();
        pages.push(page);
        const result: TestPage = { page, sent: [], receivedFrames: [], sockets: 0, errors: [] };
        page.on("pageerror", (error) => result.errors.push(String(error)));
        page.on("websocket", (socket) => {
          result.sockets++;
          socket.on("framesent", ({ payload }) => {
            if (typeof payload === "string") result.sent.push(payload);
          });
          socket.on("framereceived", ({ payload }) => {
            if (typeof payload === "string") result.receivedFrames.push(payload);
          });
        });
        await page.goto(site!.url, { timeout: 10_000 });
        await page.waitForFunction(() => "wirelyPage" in globalThis, undefined, {
          timeout: 10_000,
        });
        return result;
      }

      after(async () => {
        for (const page of pages) await page.close().catch(() => {});
        for (const s of servers) await s.stop().catch(() => {});
      });

      it(`echoes text (${runtime.name})`, async () => {
        const s = server();
        const { page, errors } = await openPage();
        await call(page, "start", await s.start());
        await call(page, "waitForState", "open", 5_000);
        const text = "héllo wörld ✓ 🌍";
        assert.equal(await call(page, "echoText", text, 5_000), text);
        await until(() => s.received.length > 0, 5_000, "the server's record");
        assert.deepEqual(s.received, [text]);
        assert.equal(await call(page, "close"), 0);
        await call(page, "waitForState", "closed", 5_000);
        assert.deepEqual(errors, []);
      });

      it(`echoes JSON through sendJson and the json event (${runtime.name})`, async () => {
        const s = server();
        const { page, errors } = await openPage();
        await call(page, "start", await s.start());
        await call(page, "waitForState", "open", 5_000);
        const value = { room: "lobby", n: [1, 2.5, -3], ok: true, none: null, text: "ünï" };
        assert.deepEqual(await call(page, "echoJson", value, 5_000), value);
        await until(() => s.received.length > 0, 5_000, "the server's record");
        assert.deepEqual(s.received.map((text) => JSON.parse(text)), [value]);
        assert.equal(await call(page, "close"), 0);
        assert.deepEqual(errors, []);
      });

      it(`echoes a canvas PNG's bytes unchanged (${runtime.name})`, async () => {
        const s = server();
        const { page, errors } = await openPage();
        await call(page, "start", await s.start());
        await call(page, "waitForState", "open", 5_000);
        const echo = await call(page, "echoImage", 10_000);
        // Over 64 KiB: the frame carries a 64-bit length.
        assert.ok(echo.sentLength > 65_535, `a big image: ${echo.sentLength} bytes`);
        assert.equal(echo.receivedLength, echo.sentLength);
        assert.equal(echo.receivedHash, echo.sentHash);
        assert.equal(echo.identical, true);
        assert.equal(echo.signature, "89504e470d0a1a0a"); // the PNG signature
        assert.deepEqual(echo.decoded, echo.drawn);
        assert.deepEqual(s.received, []); // binary: no text reached the app
        assert.equal(await call(page, "close"), 0);
        assert.deepEqual(errors, []);
      });

      it(`stays open across heartbeats the server answers (${runtime.name})`, async () => {
        const s = server();
        const t = await openPage();
        await call(t.page, "start", await s.start(), {
          heartbeat: { interval: 100, timeout: 2_000 },
        });
        await call(t.page, "waitForState", "open", 5_000);
        // Several rounds: each ping Chromium sent was answered by a pong it received.
        await until(() => t.sent.filter((f) => f === PING).length >= 4, 10_000, "4 pings");
        await sleep(50);
        assert.equal(await call(t.page, "state"), "open");
        const pings = t.sent.filter((frame) => frame === PING).length;
        const pongs = t.receivedFrames.filter((frame) => frame === PONG).length;
        assert.ok(pongs >= pings - 1 && pongs >= 3, `${pings} pings, ${pongs} pongs`);
        assert.deepEqual(await call(t.page, "texts"), []); // pongs are consumed by the client
        assert.deepEqual(s.received, []); // pings are consumed by the server
        const log = await call(t.page, "log");
        assert.ok(!log.some((entry) => /^(error|close)/.test(entry)), log.join(" "));
        assert.equal(t.sockets, 1);
        assert.equal(await call(t.page, "close"), 0);
        assert.deepEqual(t.errors, []);
      });

      it(`detects a server that stops answering the heartbeat (${runtime.name})`, async () => {
        const s = server();
        const t = await openPage();
        const url = await s.start({ silent: true });
        await call(t.page, "start", url, { heartbeat: { interval: 100, timeout: 300 } });
        await call(t.page, "waitForState", "open", 5_000);
        assert.equal(await call(t.page, "echoText", "still echoing", 5_000), "still echoing");
        await call(t.page, "waitForLog", "error:HEARTBEAT_TIMEOUT", 10_000);
        await call(t.page, "waitForLog", "close:1006:retry", 5_000);
        await call(t.page, "waitForLog", "open:true", 10_000); // and it reconnects
        await until(() => s.received.includes(PING), 5_000, "the unanswered ping at the server");
        assert.ok(s.opens >= 2, `${s.opens} connections`);
        assert.equal(t.receivedFrames.filter((frame) => frame === PONG).length, 0);
        assert.equal(await call(t.page, "close"), 0);
        assert.deepEqual(t.errors, []);
      });

      it(`delivers sends queued while the server restarts exactly once, in order (${runtime.name})`, async () => {
        const s = server();
        const t = await openPage();
        await call(t.page, "start", await s.start());
        await call(t.page, "waitForState", "open", 5_000);
        const expected = Array.from({ length: 25 }, (_, i) => `m${i}`);
        for (const text of expected.slice(0, 5)) await call(t.page, "send", text);
        await until(() => s.received.length === 5, 5_000, "the first 5 messages");
        await s.stop(); // Deno: a graceful close; Node: the process is killed
        await call(t.page, "waitForLog", "close:", 5_000);
        for (const text of expected.slice(5)) await call(t.page, "send", text);
        assert.equal(await call(t.page, "queued"), 20);
        await s.start({ port: s.port });
        await until(() => s.received.length >= 25, 10_000, "every queued message");
        await call(t.page, "waitForTexts", 25, 5_000);
        await sleep(200); // room for a duplicate to show up
        assert.deepEqual(s.received, expected);
        assert.deepEqual(await call(t.page, "texts"), expected);
        assert.equal(await call(t.page, "queued"), 0);
        assert.equal(await call(t.page, "state"), "open");
        assert.ok((await call(t.page, "log")).includes("open:true"));
        assert.equal(await call(t.page, "close"), 0);
        assert.deepEqual(t.errors, []);
      });

      it(`stays closed after close(), even when the server comes back (${runtime.name})`, async () => {
        const s = server();
        const t = await openPage();
        await call(t.page, "start", await s.start());
        await call(t.page, "waitForState", "open", 5_000);
        assert.equal(await call(t.page, "close"), 0);
        await call(t.page, "waitForState", "closed", 5_000);
        // The Node server reports the open on its stdout, which may come after the page's open.
        await until(() => s.opens > 0, 5_000, "the server's record of the open");
        const opens = s.opens;
        const socketsBefore = t.sockets;
        await s.stop();
        await s.start({ port: s.port });
        await sleep(1_000); // 4x the page's maximal backoff delay (250 ms)
        assert.equal(s.opens, opens, "no connection reached the restarted server");
        assert.equal(t.sockets, socketsBefore, "the page opened no new WebSocket");
        assert.equal(await call(t.page, "state"), "closed");
        const log = await call(t.page, "log");
        assert.equal(log.filter((entry) => entry === "state:closed").length, 1, log.join(" "));
        assert.ok(!log.some((entry) => entry.startsWith("reconnecting")), log.join(" "));
        assert.deepEqual(t.errors, []);
      });

      it(`stays closed after close() during an outage, with a retry pending (${runtime.name})`, async () => {
        const s = server();
        const t = await openPage();
        await call(t.page, "start", await s.start());
        await call(t.page, "waitForState", "open", 5_000);
        // The Node server reports the open on its stdout, which may come after the page's open.
        await until(() => s.opens > 0, 5_000, "the server's record of the open");
        const opens = s.opens;
        await s.stop();
        await call(t.page, "waitForLog", "reconnecting:", 5_000);
        await call(t.page, "send", "never 1");
        await call(t.page, "send", "never 2");
        assert.equal(await call(t.page, "close"), 2); // both were still queued
        assert.equal(await call(t.page, "state"), "closed");
        const socketsBefore = t.sockets;
        await s.start({ port: s.port });
        await sleep(1_000); // 4x the page's maximal backoff delay (250 ms)
        assert.equal(s.opens, opens, "no connection reached the restarted server");
        assert.equal(t.sockets, socketsBefore, "the page opened no new WebSocket");
        assert.deepEqual(s.received, []);
        assert.equal(await call(t.page, "state"), "closed");
        const log = await call(t.page, "log");
        assert.ok(log.includes("unsent:2"), log.join(" "));
        assert.equal(log.filter((entry) => entry === "state:closed").length, 1, log.join(" "));
        assert.deepEqual(t.errors, []);
      });
    });
  }
});
