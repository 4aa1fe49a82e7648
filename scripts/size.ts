/**
 * What the browser client costs: small entry files bundled with esbuild (`--bundle --minify
 * --format=esm`, browser platform) from the npm build, and the same for the reconnecting
 * clients it is compared with when they are installed (partysocket, reconnecting-websocket,
 * socket.io-client, devDependencies). Prints minified and gzip -9 bytes (`node:zlib`).
 * Measures only: no budget is enforced.
 *
 * Usage: `deno task size [--rebuild] [--node-path=DIR]`. npm/ is built when missing (or with
 * `--rebuild`); `--node-path` adds a folder where packages are looked up after node_modules.
 *
 * @module
 */

import { build as bundle, stop } from "esbuild";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "./build_npm.ts";

const ROOT = new URL("../", import.meta.url);
const NPM = (path: string): string => fileURLToPath(new URL(`npm/${path}`, ROOT));

/** One measured bundle: what it exports, and the package it needs (for the skip message). */
interface Entry {
  name: string;
  code: string;
  /** An npm package that must be installed; none for wirely's own entries. */
  needs?: string;
}

const ENTRIES: readonly Entry[] = [
  {
    name: "wirely WirelyClient",
    code: `export { WirelyClient } from ${JSON.stringify(NPM("client/mod.js"))};`,
  },
  {
    name: "wirely ReconnectingWebSocket",
    code: `export { ReconnectingWebSocket } from ${JSON.stringify(NPM("client/mod.js"))};`,
  },
  {
    name: "wirely EventClient",
    code: `export { EventClient } from ${JSON.stringify(NPM("events/mod.js"))};`,
  },
  {
    name: "partysocket/ws (ReconnectingWebSocket)",
    code: 'export { default } from "partysocket/ws";',
    needs: "partysocket",
  },
  {
    name: "partysocket (PartySocket)",
    code: 'export { default } from "partysocket";',
    needs: "partysocket",
  },
  {
    name: "reconnecting-websocket",
    code: 'export { default } from "reconnecting-websocket";',
    needs: "reconnecting-websocket",
  },
  {
    name: "socket.io-client (io)",
    code: 'export { io } from "socket.io-client";',
    needs: "socket.io-client",
  },
];

/** A measured entry. */
export interface Size {
  name: string;
  minified: number;
  gzipped: number;
}

/** Bundles `entry` minified for the browser; `undefined` when its package is not installed. */
async function measure(entry: Entry, nodePaths: string[]): Promise<Size | undefined> {
  const folders = [fileURLToPath(new URL("node_modules/", ROOT)), ...nodePaths];
  if (entry.needs !== undefined && !folders.some((dir) => existsSync(`${dir}/${entry.needs}`))) {
    return undefined;
  }
  const result = await bundle({
    stdin: { contents: entry.code, resolveDir: fileURLToPath(ROOT), loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    nodePaths,
    logLevel: "silent",
  });
  const bytes = result.outputFiles[0]?.contents;
  if (bytes === undefined) throw new Error(`esbuild produced nothing for ${entry.name}`);
  return {
    name: entry.name,
    minified: bytes.length,
    gzipped: gzipSync(bytes, { level: 9 }).length,
  };
}

/** Measures every entry whose package is installed; logs the others as skipped. */
export async function measureAll(nodePaths: string[] = []): Promise<Size[]> {
  const sizes: Size[] = [];
  try {
    for (const entry of ENTRIES) {
      const size = await measure(entry, nodePaths);
      if (size === undefined) {
        console.log(`skipped: ${entry.name} (${entry.needs} is not installed)`);
      } else sizes.push(size);
    }
  } finally {
    await stop();
  }
  return sizes;
}

/** The sizes as a Markdown table. */
export function formatTable(sizes: readonly Size[]): string {
  const width = Math.max(5, ...sizes.map((size) => size.name.length));
  const lines = [
    `| ${"entry".padEnd(width)} | min bytes | gzip -9 bytes |`,
    `| ${"-".repeat(width)} | --------: | ------------: |`,
  ];
  for (const { name, minified, gzipped } of sizes) {
    lines.push(
      `| ${name.padEnd(width)} | ${String(minified).padStart(9)} | ${
        String(gzipped).padStart(13)
      } |`,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const nodePaths = Deno.args.filter((arg) => arg.startsWith("--node-path="))
    .map((arg) => arg.slice("--node-path=".length));
  if (Deno.args.includes("--rebuild") || !existsSync(NPM("package.json"))) await build();
  console.log(formatTable(await measureAll(nodePaths)));
}
