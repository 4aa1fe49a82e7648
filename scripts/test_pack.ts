/**
 * The npm package as a user gets it: builds `npm/` (`scripts/build_npm.ts`, unless `--no-build`
 * reuses it), runs `npm pack` into `.cache/`, checks the tarball's file list and package.json,
 * installs the tarball into a fresh consumer project (`.cache/consumer/`), and there:
 * - imports every subpath (ESM) and `require()`s every subpath on Node 20;
 * - type-checks a consumer file (`scripts/_pack_consumer.ts`) with `tsc --noEmit`, with
 *   `module`/`moduleResolution` `nodenext` (with and without the DOM lib) and `esnext`/`bundler`;
 * - runs the README's first programs (`docs/first/`): the Node one on Node 20, the same file on
 *   Bun, and the two browser ones in Chromium (`scripts/_pack_browser.ts`).
 *
 * Prints each check; exits 1 if any failed.
 *
 * Usage: `deno task test:pack [--no-build]`.
 *
 * @module
 */

import { build } from "./build_npm.ts";
import { CONSUMER_CHECK_TS } from "./_pack_consumer.ts";
import { runBrowserPrograms } from "./_pack_browser.ts";

const ROOT = new URL("../", import.meta.url);
const NPM_DIR = new URL("npm/", ROOT);
const CACHE = new URL(".cache/", ROOT);
const CONSUMER = new URL(".cache/consumer/", ROOT);
const TSC = new URL("node_modules/.bin/tsc", ROOT).pathname;
const BUN = new URL("node_modules/.bin/bun", ROOT).pathname;
/** Milliseconds any one command may take. */
const COMMAND_TIMEOUT = 120_000;
/** What the Node and Bun first program prints. */
const ECHO_LINE = "echo: hello, wirely";

interface Output {
  success: boolean;
  /** stdout and stderr. */
  text: string;
  stdout: string;
}

async function run(command: string, args: string[], cwd: URL): Promise<Output> {
  const output = await new Deno.Command(command, {
    args,
    cwd: cwd.pathname,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(COMMAND_TIMEOUT),
  }).output();
  const decoder = new TextDecoder();
  const stdout = decoder.decode(output.stdout);
  return {
    success: output.success,
    text: (stdout + decoder.decode(output.stderr)).trim(),
    stdout,
  };
}

const results: [string, boolean, string][] = [];

/** Records and prints one check. */
function check(name: string, ok: boolean, detail = ""): void {
  results.push([name, ok, detail]);
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${detail === "" ? "" : `\n     ${detail}`}`);
}

interface PackageJson {
  name: string;
  version: string;
  type?: string;
  exports: Record<string, unknown>;
  [key: string]: unknown;
}

function checkPackageJson(pkg: PackageJson): void {
  const deps = ["dependencies", "peerDependencies", "optionalDependencies", "bundleDependencies"]
    .filter((key) => pkg[key] !== undefined && Object.keys(pkg[key] as object).length > 0);
  check(
    "package.json: name wirely, type module, no dependencies of any kind",
    pkg.name === "wirely" && pkg.type === "module" && deps.length === 0,
    deps.length > 0 ? `has ${deps.join(", ")}` : "",
  );
}

/** The published file list: the package's own files only. */
function checkFileList(files: string[], pkg: PackageJson): void {
  const wrong = files.filter((path) =>
    /_test\.|(^|\/)testdata\/|(^|\/)_?helpers?_test/.test(path) ||
    (path.endsWith(".ts") && !path.endsWith(".d.ts")) ||
    /^(scripts|testing|examples|docs|browser|\.cache)\//.test(path)
  );
  check(
    `tarball: ${files.length} files, no tests, no testdata, no .ts sources but .d.ts`,
    wrong.length === 0,
    wrong.slice(0, 10).join(", "),
  );
  const required = ["package.json", "README.md", "LICENSE"];
  for (const target of Object.values(pkg.exports).flatMap(targets)) {
    required.push(target.replace(/^\.\//, ""));
  }
  const missing = [...new Set(required)].filter((path) => !files.includes(path));
  check(
    "tarball: package.json, README.md, LICENSE and every exports target present",
    missing.length === 0,
    missing.join(", "),
  );
}

/**
 * No source map may point at a file the tarball lacks: a `sourceMappingURL` comment names a
 * shipped map, and every `sources` entry of a shipped map is shipped too (the build ships no
 * maps at all; this keeps it from shipping broken ones).
 */
async function checkSourceMaps(files: string[]): Promise<void> {
  const shipped = new Set(files);
  const broken: string[] = [];
  const resolve = (from: string, target: string): string => {
    const { pathname } = new URL(target, new URL(from, "file:///pkg/"));
    return pathname.startsWith("/pkg/") ? pathname.slice("/pkg/".length) : `(outside)${pathname}`;
  };
  for (const path of files) {
    if (path.endsWith(".map")) {
      const map = JSON.parse(await Deno.readTextFile(new URL(path, NPM_DIR))) as {
        sources?: string[];
      };
      for (const source of map.sources ?? []) {
        if (!shipped.has(resolve(path, source))) broken.push(`${path} -> ${source}`);
      }
    } else if (/\.(c|m)?js$|\.d\.ts$/.test(path)) {
      const text = await Deno.readTextFile(new URL(path, NPM_DIR));
      for (const match of text.matchAll(/\/\/# sourceMappingURL=(\S+)/g)) {
        const target = match[1] ?? "";
        if (!target.startsWith("data:") && !shipped.has(resolve(path, target))) {
          broken.push(`${path} -> ${target}`);
        }
      }
    }
  }
  check(
    `tarball: no source map names a missing file (${
      files.filter((path) => path.endsWith(".map")).length
    } maps)`,
    broken.length === 0,
    broken.slice(0, 10).join(", "),
  );
}

/** Every file path in an exports value (strings and nested conditions). */
function targets(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (value === null || typeof value !== "object") return [];
  return Object.values(value).flatMap(targets);
}

/** Only README.md (which shows the Deno install too) may name the JSR package. */
async function checkNpmName(files: string[]): Promise<void> {
  const named: string[] = [];
  for (const path of files.filter((path) => path !== "README.md")) {
    const text = await Deno.readTextFile(new URL(path, NPM_DIR));
    if (/(?<!jsr:)@wirely\/wirely(?![\w-])/.test(text)) named.push(path);
  }
  check(
    "tarball: no file but README.md names @wirely/wirely (doc examples say wirely/...)",
    named.length === 0,
    named.slice(0, 10).join(", "),
  );
}

/** npm pack: returns the tarball's path and its file list. */
async function pack(): Promise<{ tarball: string; files: string[] }> {
  for await (const entry of Deno.readDir(CACHE)) {
    if (/^wirely-.*\.tgz$/.test(entry.name)) await Deno.remove(new URL(entry.name, CACHE));
  }
  const out = await run("npm", ["pack", "--json", "--pack-destination", CACHE.pathname], NPM_DIR);
  if (!out.success) throw new Error(`npm pack failed:\n${out.text}`);
  const [info] = JSON.parse(out.stdout) as { filename: string; files: { path: string }[] }[];
  if (info === undefined) throw new Error(`npm pack printed no result:\n${out.text}`);
  return { tarball: new URL(info.filename, CACHE).pathname, files: info.files.map((f) => f.path) };
}

async function makeConsumer(tarball: string): Promise<void> {
  await Deno.remove(CONSUMER, { recursive: true }).catch(() => {});
  await Deno.mkdir(CONSUMER, { recursive: true });
  const pkg = { name: "wirely-consumer", private: true, type: "module" };
  await Deno.writeTextFile(new URL("package.json", CONSUMER), JSON.stringify(pkg, null, 2));
  const out = await run("npm", ["install", "--no-audit", "--no-fund", tarball], CONSUMER);
  check(
    `npm install ${tarball.slice(ROOT.pathname.length)} into .cache/consumer/`,
    out.success,
    out.success ? "" : out.text,
  );
  if (!out.success) throw new Error("cannot go on without the installed package");
}

async function checkImports(subpaths: string[]): Promise<void> {
  const node = (await run("node", ["--version"], CONSUMER)).text;
  const esm = subpaths.map((name) =>
    `{ const m = await import(${JSON.stringify(name)}); ` +
    `if (Object.keys(m).length === 0) throw new Error("${name} exports nothing"); }`
  ).join("\n") + '\nconsole.log("ok");';
  const imported = await run("node", ["--input-type=module", "-e", esm], CONSUMER);
  check(
    `node ${node}: import() of ${subpaths.join(", ")}`,
    imported.success && imported.text.endsWith("ok"),
    imported.success ? "" : imported.text,
  );
  const cjs = subpaths.map((name) =>
    `{ const m = require(${JSON.stringify(name)}); ` +
    `if (Object.keys(m).length === 0) throw new Error("${name} exports nothing"); }`
  ).join("\n") + '\nconsole.log(typeof require("wirely").serve === "function" ? "ok" : "no");';
  const required = await run("node", ["--input-type=commonjs", "-e", cjs], CONSUMER);
  check(
    `node ${node}: require() of ${subpaths.join(", ")}`,
    required.success && required.text.endsWith("ok"),
    required.text.split("\n").filter((line) => !line.endsWith("ok")).join(" | "),
  );
}

async function checkTypes(): Promise<void> {
  await Deno.writeTextFile(new URL("check.ts", CONSUMER), CONSUMER_CHECK_TS);
  const configs = [
    { name: "nodenext", module: "nodenext", moduleResolution: "nodenext", lib: ["es2022", "dom"] },
    // A Node-only project: no DOM lib, the globals come from @types/node.
    { name: "nodenext-nodom", module: "nodenext", moduleResolution: "nodenext", lib: ["es2022"] },
    { name: "bundler", module: "esnext", moduleResolution: "bundler", lib: ["es2022", "dom"] },
  ];
  for (const { name, module, moduleResolution, lib } of configs) {
    const tsconfig = {
      compilerOptions: {
        module,
        moduleResolution,
        target: "es2022",
        lib,
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        typeRoots: [new URL("node_modules/@types", ROOT).pathname],
        types: ["node"],
      },
      files: ["check.ts"],
    };
    const file = `tsconfig.${name}.json`;
    await Deno.writeTextFile(new URL(file, CONSUMER), JSON.stringify(tsconfig, null, 2));
    const out = await run(TSC, ["--noEmit", "-p", file], CONSUMER);
    check(
      `tsc --noEmit: check.ts, module ${module}, moduleResolution ${moduleResolution}, lib ${lib}`,
      out.success,
      out.text,
    );
  }
}

/** The README's Node program on Node 20, then the same file on Bun. */
async function runFirstPrograms(): Promise<void> {
  await Deno.copyFile(new URL("docs/first/echo.mjs", ROOT), new URL("echo.mjs", CONSUMER));
  for (const [label, command] of [["node", "node"], ["bun", BUN]] as const) {
    const version = (await run(command, ["--version"], CONSUMER)).text;
    const out = await run(command, ["echo.mjs"], CONSUMER);
    check(
      `${label} ${version} echo.mjs (README, docs/first/echo.mjs) prints "${ECHO_LINE}", exits 0`,
      out.success && out.text === ECHO_LINE,
      out.text === ECHO_LINE ? "" : out.text,
    );
  }
}

if (import.meta.main) {
  const started = performance.now();
  if (!Deno.args.includes("--no-build")) await build();
  const pkg = JSON.parse(await Deno.readTextFile(new URL("package.json", NPM_DIR))) as PackageJson;
  const subpaths = Object.keys(pkg.exports)
    .filter((name) => name !== "./package.json")
    .map((name) => name === "." ? "wirely" : `wirely/${name.slice(2)}`);
  checkPackageJson(pkg);
  try {
    const { tarball, files } = await pack();
    checkFileList(files, pkg);
    await checkSourceMaps(files);
    await checkNpmName(files);
    await makeConsumer(tarball);
    await checkImports(subpaths);
    await checkTypes();
    await runFirstPrograms();
    for (const [name, ok, detail] of await runBrowserPrograms(CONSUMER)) check(name, ok, detail);
  } catch (error) {
    check("test:pack ran to the end", false, String(error));
  }
  const failed = results.filter(([, ok]) => !ok).length;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`\ntest:pack: ${results.length - failed} ok, ${failed} failed (${seconds} s)`);
  Deno.exit(failed === 0 ? 0 : 1);
}
