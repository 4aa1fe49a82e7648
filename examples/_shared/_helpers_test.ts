/**
 * Test support for the example apps: start an app's server as a child process (Deno, or Node
 * 22 when `.cache/node22/` has it), open pages in Chromium, join a room, take screenshots.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { nodeBinary } from "../../scripts/_node_install.ts";
import { skipWithoutChromium } from "../../testing/browser.ts";
import { within } from "../../testing/async.ts";
export { within };

const ROOT = new URL("../../", import.meta.url);
/** Node 22 as installed by `deno task test:node` (runs the servers' .ts directly). */
export const NODE22: string = nodeBinary("22.23.3");
/** The `deno run` flags every example needs (also in examples/README.md). */
export const DENO_FLAGS: readonly string[] = [
  "--allow-net",
  "--allow-read",
  "--allow-env",
  "--allow-run",
];

/** Skip reason for the browser tests of the examples, or `false`. */
export const SKIP: string | false = typeof (globalThis as { Deno?: unknown }).Deno === "undefined"
  ? "spawns the Deno binary to run the example servers (needs Deno)"
  : skipWithoutChromium();

/** Skip reason for the Node runs, or `false`. */
export const SKIP_NODE: string | false = SKIP !== false
  ? SKIP
  : existsSync(NODE22)
  ? false
  : `${NODE22} is missing (deno task test:node installs it)`;

/** A running example server. */
export interface RunningServer {
  url: string;
  port: number;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `examples/<app>/server.ts` on `port` (0: a free one) and waits for its URL. */
export async function startServer(
  app: string,
  port = 0,
  runtime: "deno" | "node" = "deno",
): Promise<RunningServer> {
  const file = fileURLToPath(new URL(`examples/${app}/server.ts`, ROOT));
  const args = ["--port", String(port)];
  const child: ChildProcess = runtime === "deno"
    ? spawn(process.execPath, ["run", ...DENO_FLAGS, file, ...args], { stdio: "pipe" })
    : spawn(NODE22, [file, ...args], { stdio: "pipe" });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => output += chunk);
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
    process.stderr.write(`[${app} server] ${chunk}`); // errors the server logged, as they happen
  });
  let stopping = false;
  let died: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      if (!stopping) died = `${app} server died (${code ?? signal}) before stop():\n${output}`;
      resolve();
    })
  );
  /** Stops the server (SIGINT, then SIGKILL after 10 s); throws if it had died on its own. */
  const stop = async (): Promise<void> => {
    stopping = true;
    if (died !== undefined) throw new Error(died);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGINT");
    try {
      await within(exited, 10_000, `${app} server exit`);
    } catch {
      child.kill("SIGKILL");
      await exited;
    }
  };
  try {
    const url = await within(
      new Promise<string>((resolve, reject) => {
        const check = (): void => {
          const match = output.match(/listening on (http:\/\/\S+)/);
          if (match) resolve(match[1]!);
        };
        child.stdout!.on("data", check);
        child.once("exit", () => reject(new Error(`${app} server exited: ${output}`)));
      }),
      30_000,
      `${app} server start`,
    );
    return { url, port: Number(new URL(url).port), output: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A new page (900x600, its own context) at `url`. */
export async function openPage(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 900, height: 600 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000); // generous: CI machines are shared and busy
  await page.goto(url);
  return page;
}

/** Fills the join form with real typing and clicks Join. */
export async function join(page: Page, name: string, room = "lobby"): Promise<void> {
  await page.locator("#name").pressSequentially(name);
  await page.locator("#room").fill(room);
  await page.locator("#join-button").click();
  await page.locator("#app").waitFor({ state: "visible" });
}

/** Saves `examples/screenshots/<app>.png`. */
export async function screenshot(page: Page, app: string): Promise<void> {
  const dir = fileURLToPath(new URL("examples/screenshots/", ROOT));
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: `${dir}${app}.png` });
}
