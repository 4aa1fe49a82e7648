/**
 * What the browser client costs: the rows of `scripts/_size.ts` (wirely's entries, then the
 * reconnecting clients it is compared with when they are installed: partysocket,
 * reconnecting-websocket, socket.io-client, devDependencies), bundled with esbuild
 * (`--bundle --minify --format=esm`, browser platform) and gzip -9. Prints a Markdown table
 * with the budgets `scripts/size_test.ts` enforces.
 *
 * Usage: `deno task size [--sources] [--rebuild] [--node-path=DIR]`. By default wirely's rows
 * bundle the npm build (built when missing, or with `--rebuild`); `--sources` bundles the
 * TypeScript sources instead (same bytes); `--node-path` adds a folder where packages are
 * looked up after node_modules.
 *
 * @module
 */

import { stop } from "esbuild";
import { existsSync } from "node:fs";
import { BUDGETS, formatTable, measure, PEERS, type Size, wirelyEntries } from "./_size.ts";
import { build } from "./build_npm.ts";

const ROOT = new URL("../", import.meta.url);

if (import.meta.main) {
  const nodePaths = Deno.args.filter((arg) => arg.startsWith("--node-path="))
    .map((arg) => arg.slice("--node-path=".length));
  const from = Deno.args.includes("--sources") ? "sources" : "build";
  if (
    from === "build" &&
    (Deno.args.includes("--rebuild") || !existsSync(new URL("npm/package.json", ROOT)))
  ) await build();
  const sizes: Size[] = [];
  try {
    for (const entry of [...wirelyEntries(ROOT, from), ...PEERS]) {
      const size = await measure(entry, ROOT, nodePaths);
      if (size === undefined) {
        console.log(`skipped: ${entry.name} (${entry.needs} is not installed)`);
      } else sizes.push(size);
    }
  } finally {
    await stop();
  }
  console.log(formatTable(sizes));
  console.log("\nbudgets (gzip -9 bytes):");
  for (const [name, budget] of Object.entries(BUDGETS)) console.log(`- ${name}: ${budget}`);
}
