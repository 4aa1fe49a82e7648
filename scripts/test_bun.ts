/**
 * The test suite under Bun: builds the tests as JavaScript (`scripts/build_npm.ts`, unless
 * `--no-build` reuses `.cache/node_test/`), runs `bun test` there (the npm package `bun`, a
 * devDependency), prints Bun's own summary, every failed test and every skipped test with its
 * reason, and exits 1 if anything failed.
 *
 * `bun test` shows no skip reasons, so a preload script (written to `.cache/bun_preload.mjs`)
 * wraps `node:test`'s `describe`/`it`/`test` and records each string `skip` option by name.
 * Tests skip on Bun through `skipOnBun(reason)` of `testing/runtime.ts`.
 *
 * Usage: `deno task test:bun [--no-build]`. Full log: `.cache/bun_test.log`.
 *
 * @module
 */

import { build } from "./build_npm.ts";

const ROOT = new URL("../", import.meta.url);
const BUN = new URL("node_modules/.bin/bun", ROOT);
const TEST_DIR = new URL(".cache/node_test/", ROOT);
const PRELOAD = new URL(".cache/bun_preload.mjs", ROOT);
const SKIPS_FILE = new URL(".cache/bun_skips.json", ROOT);
const LOG_FILE = new URL(".cache/bun_test.log", ROOT);
/** Milliseconds one test may take under `bun test` (Bun's default is 5 s; node:test has none). */
const TEST_TIMEOUT = 60_000;
/** Milliseconds the whole `bun test` run may take before it is stopped and counted as failed. */
const RUN_TIMEOUT = 600_000;

/** Records `{ skip: "reason" }` of every describe/it/test by name; written out at exit. */
const PRELOAD_SOURCE =
  `// Written by scripts/test_bun.ts: records node:test skip reasons, which bun test does not show.
import { mock } from "bun:test";
import { writeFileSync } from "node:fs";
import * as original from "node:test";

const reasons = {};
function recording(register) {
  const wrapped = function (name, options, ...rest) {
    if (options !== null && typeof options === "object" && typeof options.skip === "string") {
      reasons[String(name)] = options.skip;
    }
    return register.call(this, name, options, ...rest);
  };
  return Object.assign(wrapped, register);
}
const test = recording(original.test);
const it = recording(original.it);
const describe = recording(original.describe);
mock.module("node:test", () => ({ ...original, test, it, describe, default: test }));
process.on("exit", () => writeFileSync(${
    JSON.stringify(SKIPS_FILE.pathname)
  }, JSON.stringify(reasons)));
`;

/** The reason recorded for a skipped test: its own, else that of its nearest describe. */
function reasonFor(path: string[], reasons: Record<string, string>): string {
  for (let i = path.length - 1; i >= 0; i--) {
    const reason = reasons[path[i]!];
    if (reason !== undefined) return reason;
  }
  return "(no reason given)";
}

async function readReasons(): Promise<Record<string, string>> {
  try {
    return JSON.parse(await Deno.readTextFile(SKIPS_FILE)) as Record<string, string>;
  } catch {
    return {};
  }
}

if (import.meta.main) {
  const started = performance.now();
  if (!Deno.args.includes("--no-build")) await build();
  await Deno.writeTextFile(PRELOAD, PRELOAD_SOURCE);
  await Deno.remove(SKIPS_FILE).catch(() => {});
  const version = await new Deno.Command(BUN, { args: ["--version"], stdout: "piped" }).output();
  console.log(`=== bun ${new TextDecoder().decode(version.stdout).trim()}: bun test ===`);
  const output = await new Deno.Command(BUN, {
    args: ["test", "--timeout", String(TEST_TIMEOUT), "--preload", PRELOAD.pathname],
    cwd: TEST_DIR.pathname,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
    signal: AbortSignal.timeout(RUN_TIMEOUT),
  }).output();
  const decoder = new TextDecoder();
  const text = decoder.decode(output.stdout) + decoder.decode(output.stderr);
  await Deno.writeTextFile(LOG_FILE, text);
  const lines = text.split("\n");
  const reasons = await readReasons();
  const failed = [...new Set(lines.filter((line) => line.startsWith("(fail) ")))];
  const skipped = [...new Set(lines.filter((line) => line.startsWith("(skip) ")))];
  const byReason = new Map<string, string[]>();
  for (const line of skipped) {
    const path = line.slice("(skip) ".length).split(" > ");
    const reason = reasonFor(path, reasons);
    byReason.set(reason, [...byReason.get(reason) ?? [], path.join(" > ")]);
  }
  for (const line of failed) console.log(line);
  for (const [reason, tests] of byReason) {
    console.log(`skipped ${tests.length}x: ${reason}`);
    for (const name of tests) console.log(`  - ${name}`);
  }
  const summary = lines.filter((line) =>
    /^\s*\d+ (pass|skip|fail|todo)$|^Ran \d+ tests/.test(line)
  );
  for (const line of summary) console.log(line.trim());
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const ok = output.success && summary.length > 0 && failed.length === 0;
  console.log(
    `Bun: ${ok ? "ok" : "FAILED"}, ${skipped.length} skipped, in ${seconds} s ` +
      `(log: .cache/bun_test.log)`,
  );
  if (!ok) Deno.exit(1);
}
