/**
 * The README's two browser programs, run in Chromium from the consumer project of
 * `scripts/test_pack.ts` (the installed npm package in its `node_modules/wirely/`):
 * - `docs/first/browser.html`: a plain `<script type="module">` importing the built ESM file;
 * - `docs/first/app.js`: bundled with the README's esbuild command, loaded by a page.
 *
 * One `node:http` server serves the consumer's files and a wirely echo server at `/ws` (the
 * same origin, as the README says). Each page must show `echo: hello, wirely`.
 *
 * @module
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { attach } from "../server/mod.ts";
import { launchChromium, skipWithoutChromium } from "../testing/browser.ts";

const ROOT = new URL("../", import.meta.url);
const ESBUILD = new URL("node_modules/.bin/esbuild", ROOT).pathname;
/** The README's bundler command (`npx esbuild ...`): keep the two in step. */
export const ESBUILD_ARGS: readonly string[] = [
  "app.js",
  "--bundle",
  "--format=esm",
  "--outfile=app.bundle.js",
];
/** The page the README describes for the bundle. */
const BUNDLED_HTML = '<!doctype html>\n<script type="module" src="app.bundle.js"></script>\n';
const ECHO_LINE = "echo: hello, wirely";
/** Milliseconds a page may take to show the echo. */
const PAGE_TIMEOUT = 20_000;

/** One check: its name, whether it passed, and what went wrong. */
export type BrowserCheck = [name: string, ok: boolean, detail: string];

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json",
};

/**
 * Serves files under `dir` (no `..`, no dot files), with JavaScript's MIME type; answers
 * `/favicon.ico` with 204 and pushes every other path it cannot serve to `missing`.
 */
function staticFiles(
  dir: URL,
  missing: string[],
): (req: IncomingMessage, res: ServerResponse) => void {
  const notFound = (path: string, res: ServerResponse): void => {
    missing.push(path);
    res.writeHead(404).end();
  };
  return (req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/favicon.ico") return void res.writeHead(204).end();
    const type = TYPES[path.slice(path.lastIndexOf("."))];
    if (type === undefined || path.split("/").some((part) => part.startsWith("."))) {
      return notFound(path, res);
    }
    Deno.readFile(new URL("." + path, dir)).then(
      (body) => res.writeHead(200, { "content-type": type }).end(body),
      () => notFound(path, res),
    );
  };
}

async function bundle(consumer: URL): Promise<BrowserCheck> {
  const output = await new Deno.Command(ESBUILD, {
    args: [...ESBUILD_ARGS],
    cwd: consumer.pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stderr).trim();
  const name = `esbuild ${ESBUILD_ARGS.join(" ")} (README) in the consumer`;
  return [name, output.success, output.success ? "" : text];
}

/** Runs both browser programs; returns one check per step. */
export async function runBrowserPrograms(consumer: URL): Promise<BrowserCheck[]> {
  const skip = skipWithoutChromium();
  if (skip !== false) return [[`browser programs: skipped, ${skip}`, true, ""]];
  const checks: BrowserCheck[] = [];
  await Deno.copyFile(new URL("docs/first/browser.html", ROOT), new URL("index.html", consumer));
  await Deno.copyFile(new URL("docs/first/app.js", ROOT), new URL("app.js", consumer));
  await Deno.writeTextFile(new URL("bundled.html", consumer), BUNDLED_HTML);
  checks.push(await bundle(consumer));
  const missing: string[] = [];
  const http = createServer(staticFiles(consumer, missing));
  const wss = attach(http, { path: "/ws", onMessage: (conn, message) => conn.send(message.data) });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const browser = await launchChromium();
  try {
    const pages = [
      ["index.html", "docs/first/browser.html, plain <script type=module>"],
      ["bundled.html", "docs/first/app.js, bundled by esbuild"],
    ];
    for (const [file, label] of pages) {
      const page = await browser.newPage();
      const errors: string[] = [];
      missing.length = 0;
      page.on("pageerror", (error) => errors.push(error.message));
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(message.text());
      });
      let shown = "";
      try {
        await page.goto(`${origin}/${file}`);
        const shows = `document.body?.textContent?.includes(${JSON.stringify(ECHO_LINE)})`;
        await page.waitForFunction(shows, undefined, { timeout: PAGE_TIMEOUT });
        shown = ECHO_LINE;
      } catch (error) {
        errors.push(String(error).split("\n")[0] ?? "");
      } finally {
        await page.close();
      }
      const name = `chromium ${browser.version()}: ${label} shows "${ECHO_LINE}"`;
      if (missing.length > 0) errors.push(`not found: ${missing.join(", ")}`);
      checks.push([name, shown === ECHO_LINE && errors.length === 0, errors.join(" | ")]);
    }
  } finally {
    await browser.close();
    await wss.close();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  }
  return checks;
}
