/**
 * The Chromium tests: `browser/` (the client from the npm build in a real browser, against
 * wirely's server on Deno and on Node) and the example apps' browser tests under `examples/`.
 * Makes sure `npm/` is built and current first, because the pages bundle the built JavaScript,
 * not the sources; then runs `deno test -A browser/ examples/` and prints its summary.
 *
 * The build (`scripts/build_npm.ts`) runs when `npm/` is missing or older than any file it is
 * built from, or always with `--rebuild`: a fresh build costs two `tsc` runs on a shared
 * machine, and `deno task ci` has usually just built npm/ for the Node tests.
 *
 * Usage: `deno task test:browser [--rebuild] [deno test flags, e.g. --filter "close()"]`.
 *
 * @module
 */

import { build } from "./build_npm.ts";

const ROOT = new URL("../", import.meta.url);
const DENO = new URL("node_modules/.bin/deno", ROOT);
/** What `deno test` runs: the client's browser tests and the examples' (none there is fine). */
const TEST_PATHS = ["browser/", "examples/"];
/** Files and folders npm/ is built from. */
const BUILD_INPUTS = [
  "mod.ts",
  "codec/",
  "client/",
  "server/",
  "deno.json",
  "tsconfig.build.json",
  "scripts/build_npm.ts",
  "README.md",
  "LICENSE",
];
/** Milliseconds the test run may take before it is stopped and counted as failed. */
const RUN_TIMEOUT = 600_000;

async function mtime(url: URL): Promise<number | undefined> {
  try {
    return (await Deno.stat(url)).mtime?.getTime();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** Files under the build inputs that npm/ does not contain. */
function notShipped(name: string): boolean {
  return name.endsWith("_test.ts") || name === "testdata";
}

/** The newest modification time under `url` (a file, or a folder walked recursively). */
async function newest(url: URL): Promise<number> {
  const info = await Deno.stat(url).catch(() => undefined);
  if (info === undefined) return 0;
  if (!info.isDirectory) return info.mtime?.getTime() ?? 0;
  let latest = 0; // a folder's own time changes when a test file is added: not counted
  for await (const entry of Deno.readDir(url)) {
    if (notShipped(entry.name)) continue;
    const child = new URL(entry.name + (entry.isDirectory ? "/" : ""), url);
    latest = Math.max(latest, await newest(child));
  }
  return latest;
}

/** Why npm/ must be (re)built, or `undefined` when it is current. */
async function staleReason(): Promise<string | undefined> {
  // build() writes npm/package.json after tsc succeeded: its time stamps the build.
  const built = await mtime(new URL("npm/package.json", ROOT));
  if (built === undefined) return "npm/ is not built";
  for (const input of BUILD_INPUTS) {
    if (await newest(new URL(input, ROOT)) > built) return `${input} changed since the build`;
  }
  return undefined;
}

/** Runs `deno test`, streaming its output; resolves with success and the text. */
async function runTests(extra: string[]): Promise<{ success: boolean; text: string }> {
  const child = new Deno.Command(DENO, {
    args: ["test", "-A", ...extra, ...TEST_PATHS],
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "inherit",
    signal: AbortSignal.timeout(RUN_TIMEOUT),
  }).spawn();
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    await Deno.stdout.write(chunk);
    text += decoder.decode(chunk, { stream: true });
  }
  const status = await child.status;
  return { success: status.success, text };
}

if (import.meta.main) {
  const started = performance.now();
  const rebuild = Deno.args.includes("--rebuild");
  const extra = Deno.args.filter((arg) => arg !== "--rebuild");
  const reason = rebuild ? "--rebuild" : await staleReason();
  if (reason === undefined) console.log("npm/ is current: not rebuilt");
  else {
    console.log(`building npm/ (${reason}) ...`);
    await build();
  }
  const { success, text } = await runTests(extra);
  // deno test does not print node:test skip reasons: the test files log theirs ("skipped: ..."),
  // for example when Chromium is missing.
  // deno-lint-ignore no-control-regex -- strips the colours of deno test's output
  const plain = text.replace(/\x1b\[[0-9;]*m/g, "");
  const summary = plain.split("\n").filter((line) => /^(ok|FAILED) \| /.test(line));
  const skips = plain.split("\n").filter((line) => /skipped: /.test(line));
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log("\n=== browser tests (Chromium) ===");
  for (const line of skips) console.log(line.trim());
  // Indented, so that .ci/run counts deno test's own summary line above only once.
  for (const line of summary) console.log(`  browser tests: ${line.trim()}`);
  console.log(`test:browser: ${success ? "ok" : "FAILED"} in ${seconds} s`);
  if (!success) Deno.exit(1);
}
