/**
 * Test support: Debian's Chromium driven by `playwright-core`, and page bundles made with
 * `esbuild` (the examples' own bundler). Shared by the browser tests of the client and of the example apps; not part of the
 * package. Runs under Deno and under Node (both load `playwright-core` and `esbuild` from npm).
 *
 * @module
 */
import { existsSync } from "node:fs";
import { type Browser, chromium, type LaunchOptions } from "playwright-core";

/** Where Debian's `chromium` package installs the browser (see `.ci/run`). */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Flags that let Chromium run headless as root with no network but loopback. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** `false` when Chromium is installed, else the reason to skip (for `node:test`'s `skip`). */
export function skipWithoutChromium(): string | false {
  return existsSync(CHROMIUM_PATH) ? false : `${CHROMIUM_PATH} is not installed (apt chromium)`;
}

/**
 * Launches a fresh headless Chromium (a new temporary profile each time). `extraArgs` adds
 * flags, for example `--use-fake-device-for-media-stream --use-fake-ui-for-media-stream`.
 * Close it with `browser.close()` in an `after`/`finally`.
 */
export function launchChromium(
  extraArgs: readonly string[] = [],
  options: LaunchOptions = {},
): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    timeout: 30_000,
    ...options,
  });
}

/** One bundler for the examples and the browser tests: esbuild, one ES module for the browser. */
export { bundlePage as bundleForBrowser, stopBundler } from "../examples/_shared/bundle.ts";
