/**
 * Builds the npm package into `npm/` with TypeScript's `tsc` (`tsconfig.build.json`), and the
 * test suite as JavaScript into `.cache/node_test/` so that `node --test` can run it there
 * (`ws`, `fast-check` resolve from the repository's `node_modules`).
 *
 * Usage: `deno task build:npm [version]` (default: the version in deno.json).
 *
 * The shipped JavaScript is checked to be byte-identical to the JavaScript the Node tests run
 * (but the test build's `//# sourceMappingURL` line). The package ships no source maps: maps
 * would name `.ts` sources the package does not hold, and Deno then shows wrong code frames in
 * stack traces; the `.js` is readable ES2022 as it is. The test build keeps its maps (with the
 * sources inlined) for `node --enable-source-maps`.
 *
 * @module
 */

const ROOT = new URL("../", import.meta.url);
const NPM_DIR = new URL("npm/", ROOT);
const TEST_DIR = new URL(".cache/node_test/", ROOT);
const TEST_TSCONFIG = new URL(".cache/tsconfig.node_test.json", ROOT);
const TSC = new URL("node_modules/.bin/tsc", ROOT);

/**
 * The package's subpaths: export name, source entry (without `.ts`), Node build if any. With
 * `runtimes`, the Node build is also the `default` target (and `bun` unless a `bun` build is
 * given) and the entry is the `deno`
 * one (a runtime binding picked by export condition: a new binding is a line here).
 */
const ENTRIES: readonly {
  name: string;
  entry: string;
  node?: string;
  bun?: string;
  runtimes?: boolean;
}[] = [
  { name: ".", entry: "mod", node: "mod.node", bun: "mod.bun", runtimes: true },
  { name: "./codec", entry: "codec/mod" },
  { name: "./client", entry: "client/mod", node: "client/mod.node" },
  { name: "./client/tcp", entry: "client/tcp" },
  {
    name: "./server",
    entry: "server/mod",
    node: "server/mod.node",
    bun: "server/mod.bun",
    runtimes: true,
  },
  { name: "./events", entry: "events/mod", node: "events/mod.node" },
  { name: "./events/server", entry: "events/server", node: "events/server.node" },
  { name: "./redis", entry: "redis/mod" },
];

/** What `build` produced. */
export interface BuildResult {
  /** The version written to npm/package.json. */
  version: string;
  /** Absolute path of the folder `node --test` runs in. */
  testDir: string;
}

async function tsc(project: URL): Promise<void> {
  const output = await new Deno.Command(TSC, {
    args: ["-p", project.pathname],
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
    throw new Error(`tsc -p ${project.pathname} failed:\n${text}`);
  }
}

async function* walk(dir: URL): AsyncGenerator<URL> {
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) yield* walk(url);
    else yield url;
  }
}

async function removeIfPresent(url: URL): Promise<void> {
  await Deno.remove(url, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}

/** `.d.ts` output keeps `./x.ts` specifiers (TypeScript issue 61037): point them at `.js`. */
const TS_SPECIFIER = /((?:from|import)\s*\(?\s*["'])(\.\.?\/[^"'\n]*?)\.ts(["'])/g;

async function fixDeclarations(): Promise<number> {
  let fixed = 0;
  for await (const file of walk(NPM_DIR)) {
    if (!file.pathname.endsWith(".d.ts")) continue;
    const text = await Deno.readTextFile(file);
    const rewritten = text.replace(TS_SPECIFIER, "$1$2.js$3");
    if (rewritten !== text) {
      await Deno.writeTextFile(file, rewritten);
      fixed++;
    }
  }
  return fixed;
}

/** The JSR name in doc examples and messages (`@wirely/wirely/server`), not after `jsr:`. */
const JSR_NAME = /(?<!jsr:)@wirely\/wirely(?![\w-])/g;
/** The npm package's name. */
const NPM_NAME = "wirely";

/**
 * Writes the npm name where the JSR name appears in the emitted `.js`, `.d.ts` and source maps
 * (JSDoc `@example` imports, prose, error messages), in npm/ and in the tests' copy alike so
 * the shipped JS stays the tested JS. Returns how many files changed.
 */
async function rewriteJsrName(dir: URL): Promise<number> {
  let changed = 0;
  for await (const file of walk(dir)) {
    if (!/\.(js|d\.ts|js\.map)$/.test(file.pathname)) continue;
    const text = await Deno.readTextFile(file);
    const rewritten = text.replace(JSR_NAME, NPM_NAME);
    if (rewritten !== text) {
      await Deno.writeTextFile(file, rewritten);
      changed++;
    }
  }
  return changed;
}

/** No file of npm/ but README.md (which shows the Deno install too) may name the JSR package. */
async function checkNoJsrName(): Promise<void> {
  for await (const file of walk(NPM_DIR)) {
    if (file.pathname === new URL("README.md", NPM_DIR).pathname) continue;
    if ((await Deno.readTextFile(file)).search(JSR_NAME) !== -1) {
      throw new Error(`${file.pathname} still names @wirely/wirely (the npm name is wirely)`);
    }
  }
}

/** The source map comment tsc ends a test file's JavaScript with (npm/ has none). */
const SOURCE_MAP_LINE = /\/\/# sourceMappingURL=[^\n]*\n?$/;

/** The shipped JS must be what the Node test run executes. */
async function checkSameJavaScript(): Promise<void> {
  for await (const file of walk(NPM_DIR)) {
    if (!file.pathname.endsWith(".js")) continue;
    const relative = file.pathname.slice(NPM_DIR.pathname.length);
    const shipped = await Deno.readTextFile(file);
    const tested = await Deno.readTextFile(new URL(relative, TEST_DIR)).then(
      (text) => text.replace(SOURCE_MAP_LINE, ""),
      () => undefined,
    );
    if (tested !== undefined && tested !== shipped) {
      throw new Error(`npm/${relative} differs from the tested .cache/node_test/${relative}`);
    }
  }
}

function exportsMap(): Record<string, unknown> {
  const map: Record<string, unknown> = {};
  for (const { name, entry, node, bun, runtimes } of ENTRIES) {
    const target = { types: `./${entry}.d.ts`, default: `./${entry}.js` };
    const nodeTarget = { types: `./${node}.d.ts`, default: `./${node}.js` };
    const bunTarget = bun === undefined
      ? nodeTarget
      : { types: `./${bun}.d.ts`, default: `./${bun}.js` };
    map[name] = node === undefined
      ? target
      : runtimes
      ? { deno: target, bun: bunTarget, node: nodeTarget, ...nodeTarget }
      : { node: nodeTarget, ...target };
  }
  map["./package.json"] = "./package.json";
  return map;
}

async function writePackageJson(version: string): Promise<void> {
  const pkg = {
    name: "wirely",
    version,
    description:
      "A WebSocket SDK in TypeScript: an RFC 6455 codec, a server and a reconnecting client for Node, Deno, Bun and browsers.",
    license: "MIT",
    type: "module",
    main: "./mod.js",
    types: "./mod.d.ts",
    exports: exportsMap(),
    engines: { node: ">=20" },
    sideEffects: false,
    keywords: ["websocket", "rfc6455", "ws", "client", "server", "reconnect"],
  };
  await Deno.writeTextFile(new URL("package.json", NPM_DIR), JSON.stringify(pkg, null, 2) + "\n");
}

async function writeTestTsconfig(): Promise<void> {
  const config = {
    extends: "../tsconfig.build.json",
    compilerOptions: {
      outDir: "node_test",
      declaration: false,
      isolatedDeclarations: false,
      sourceMap: true,
      inlineSources: true,
    },
    files: [],
    include: [
      "../**/*_test.ts",
      "../testing/**/*.ts",
      "../scripts/conformance/**/*.ts",
      "../server/testdata/**/*.ts",
      "../client/testdata/**/*.ts",
      "../redis/testdata/**/*.ts",
    ],
    // Browser tests (browser/, examples/) run once, from Deno, in `deno task test:browser`.
    exclude: ["../node_modules", "../npm", "../.cache", "../browser", "../examples"],
  };
  await Deno.mkdir(new URL(".cache/", ROOT), { recursive: true });
  await Deno.writeTextFile(TEST_TSCONFIG, JSON.stringify(config, null, 2) + "\n");
}

/**
 * Copies the tests' non-TypeScript fixtures (python3-websockets scripts, a `ws` server, the C
 * handshake generator's source) beside the built tests.
 */
async function copyTestData(): Promise<void> {
  for (const folder of ["server/testdata/", "client/testdata/", "scripts/bench/"]) {
    for await (const entry of Deno.readDir(new URL(folder, ROOT))) {
      if (!entry.isFile || entry.name.endsWith(".ts")) continue;
      await Deno.mkdir(new URL(folder, TEST_DIR), { recursive: true });
      await Deno.copyFile(
        new URL(folder + entry.name, ROOT),
        new URL(folder + entry.name, TEST_DIR),
      );
    }
  }
}

/** Builds npm/ and .cache/node_test/ from scratch. */
export async function build(version?: string): Promise<BuildResult> {
  const denoJson = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT))) as {
    version: string;
  };
  const packageVersion = version ?? denoJson.version;
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(packageVersion)) {
    throw new TypeError(
      `Cannot build as 'version' must be a semver version: current value is ${
        JSON.stringify(packageVersion)
      }`,
    );
  }
  await removeIfPresent(NPM_DIR);
  await removeIfPresent(TEST_DIR);
  await writeTestTsconfig();
  await Promise.all([tsc(new URL("tsconfig.build.json", ROOT)), tsc(TEST_TSCONFIG)]);
  const renamed = await rewriteJsrName(NPM_DIR);
  await rewriteJsrName(TEST_DIR);
  await checkSameJavaScript();
  const fixed = await fixDeclarations();
  await writePackageJson(packageVersion);
  for (const name of ["README.md", "LICENSE"]) {
    await Deno.copyFile(new URL(name, ROOT), new URL(name, NPM_DIR));
  }
  await checkNoJsrName();
  await copyTestData();
  await Deno.writeTextFile(
    new URL("package.json", TEST_DIR),
    JSON.stringify({ private: true, type: "module" }, null, 2) + "\n",
  );
  console.log(
    `npm/: wirely@${packageVersion} (${fixed} .d.ts files had .ts specifiers fixed, ` +
      `${renamed} files had @wirely/wirely renamed to wirely)`,
  );
  console.log(`.cache/node_test/: the tests as JavaScript, for node --test`);
  return { version: packageVersion, testDir: TEST_DIR.pathname };
}

if (import.meta.main) {
  await build(Deno.args[0]);
}
