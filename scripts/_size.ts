/**
 * What a browser page pays for wirely, measured like a bundler user would: a small entry file
 * bundled with esbuild (`--bundle --minify --format=esm`, browser platform, es2022), then
 * gzip -9 (`node:zlib`). Shared by `scripts/size.ts` (the table in BENCHMARKS.md) and
 * `scripts/size_test.ts` (the budgets CI enforces). Runs under Deno, Node and Bun.
 *
 * @module
 */

import { build as bundle } from "esbuild";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

/** One measured bundle. */
export interface Entry {
  /** The row's name. */
  name: string;
  /** The entry file's source (ESM). */
  code: string;
  /** An npm package that must be installed (peers); none for wirely's own entries. */
  needs?: string;
}

/** A measured entry. */
export interface Size {
  /** The row's name. */
  name: string;
  /** Minified bytes. */
  minified: number;
  /** Minified, then gzip -9, bytes. */
  gzipped: number;
  /** The minified bundle. */
  text: string;
}

/**
 * Budgets in gzip -9 bytes that `scripts/size_test.ts` enforces on the bundles of
 * {@linkcode wirelyEntries}, by row name.
 */
export const BUDGETS: Readonly<Record<string, number>> = {
  "wirely WirelyClient": 4_000,
  "wirely ReconnectingWebSocket": 4_800,
  "wirely EventClient": 7_000,
};

/** Every opt-in export of `wirely/client` (each shipped only by a page that imports it). */
export const OPT_INS: readonly string[] = [
  "browserNetworkSignals",
  "checkLiveness",
  "closeOnAbort",
  "ExpiringQueue",
  "followNetwork",
  "heartbeat",
  "messages",
  "onJson",
  "opened",
  "ping",
  "sendJson",
  "sendVolatile",
];

/**
 * wirely's rows, importing from the TypeScript sources (`"sources"`) or from the npm build in
 * `npm/` (`"build"`); both give the same bytes (esbuild strips the same types tsc does).
 */
export function wirelyEntries(root: URL, from: "sources" | "build"): Entry[] {
  const ext = from === "sources" ? "ts" : "js";
  const file = (path: string): string =>
    JSON.stringify(
      fileURLToPath(new URL(`${from === "sources" ? "" : "npm/"}${path}.${ext}`, root)),
    );
  const client = file("client/mod");
  return [
    { name: "wirely WirelyClient", code: `export { WirelyClient } from ${client};` },
    {
      name: "wirely WirelyClient + heartbeat()",
      code: `export { heartbeat, WirelyClient } from ${client};`,
    },
    {
      name: "wirely WirelyClient + every opt-in",
      code: `export { ${OPT_INS.join(", ")}, WirelyClient } from ${client};`,
    },
    {
      name: "wirely ReconnectingWebSocket",
      code: `export { ReconnectingWebSocket } from ${client};`,
    },
    { name: "wirely EventClient", code: `export { EventClient } from ${file("events/mod")};` },
  ];
}

/** The reconnecting clients wirely is compared with (devDependencies). */
export const PEERS: readonly Entry[] = [
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

/** Bundles `entry` minified for the browser; `undefined` when its package is not installed. */
export async function measure(
  entry: Entry,
  root: URL,
  nodePaths: string[] = [],
): Promise<Size | undefined> {
  const folders = [fileURLToPath(new URL("node_modules/", root)), ...nodePaths];
  if (entry.needs !== undefined && !folders.some((dir) => existsSync(`${dir}/${entry.needs}`))) {
    return undefined;
  }
  const result = await bundle({
    stdin: { contents: entry.code, resolveDir: fileURLToPath(root), loader: "js" },
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
    text: new TextDecoder().decode(bytes),
  };
}

/** The sizes as a Markdown table. */
export function formatTable(sizes: readonly Size[]): string {
  const width = Math.max(5, ...sizes.map((size) => size.name.length));
  const lines = [
    `| ${"entry".padEnd(width)} | min bytes | gzip -9 bytes |`,
    `| ${"-".repeat(width)} | --------: | ------------: |`,
  ];
  for (const { name, minified, gzipped } of sizes) {
    const min = String(minified).padStart(9);
    lines.push(`| ${name.padEnd(width)} | ${min} | ${String(gzipped).padStart(13)} |`);
  }
  return lines.join("\n");
}
