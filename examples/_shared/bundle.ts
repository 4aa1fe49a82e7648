/**
 * Bundles an example's page script (TypeScript that imports the client from the source tree)
 * into one ES module for the browser, with `esbuild` from node_modules. Runs in Deno and Node.
 *
 * @module
 */
import { build, stop } from "esbuild";
import { fileURLToPath } from "node:url";

/**
 * Bundles `entry` and its imports into one browser ES module and returns its text. `alias` maps
 * package names to files (the browser tests bundle the built npm package this way).
 *
 * @example
 * ```ts ignore
 * const js = await bundlePage(new URL("./page.ts", import.meta.url));
 * ```
 */
export async function bundlePage(
  entry: URL,
  alias: Record<string, string> = {},
): Promise<string> {
  const entryPath = fileURLToPath(entry);
  const result = await build({
    entryPoints: [entryPath],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    alias,
    logLevel: "silent",
  });
  const output = result.outputFiles[0];
  if (output === undefined) throw new Error(`esbuild produced no output for ${entryPath}`);
  return output.text;
}

/** Stops esbuild's helper process so the runtime can exit. */
export async function stopBundler(): Promise<void> {
  await stop();
}
