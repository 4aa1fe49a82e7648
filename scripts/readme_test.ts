// The README's first programs are the files of docs/first/, verbatim, and the Deno one runs.
// The Node, Bun and browser ones run from the installed npm package in `deno task test:pack`.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const inDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

/** The repository: two levels up from the compiled copy in .cache/node_test/scripts/. */
const ROOT = [new URL("../", import.meta.url), new URL("../../../", import.meta.url)]
  .find((dir) => existsSync(new URL("docs/first/deno.ts", dir))) ??
  new URL("../", import.meta.url);

const PROGRAMS: readonly { file: string; lang: string }[] = [
  { file: "docs/first/deno.ts", lang: "ts" },
  { file: "docs/first/echo.mjs", lang: "js" },
  { file: "docs/first/app.js", lang: "js" },
  { file: "docs/first/browser.html", lang: "html" },
];

function read(path: string): string {
  return readFileSync(new URL(path, ROOT), "utf8");
}

describe("README: install and first program", () => {
  it("shows each docs/first/ program verbatim, in a fenced block of its language", () => {
    const readme = read("README.md");
    for (const { file, lang } of PROGRAMS) {
      const fenced = "```" + lang + "\n" + read(file) + "```\n";
      assert.ok(readme.includes(fenced), `README.md lacks ${file} verbatim in a ${lang} block`);
    }
  });

  it("shows the install commands and the bundler command the tests run", () => {
    const readme = read("README.md");
    for (
      const line of [
        "deno add jsr:@wirely/wirely",
        "npm install wirely",
        // The local route, until the package is published (the next test runs the Deno one).
        `echo '{ "links": ["../wirely"] }' > deno.json`,
        "npx deno task build:npm && cd npm && npm pack",
        "npm install ../wirely/npm/wirely-0.1.0.tgz",
        "node echo.mjs",
        "bun add wirely",
        "bun echo.mjs",
        // scripts/_pack_browser.ts runs this command (ESBUILD_ARGS) in the consumer project.
        "npx esbuild app.js --bundle --format=esm --outfile=app.bundle.js",
        '<script type="module" src="app.bundle.js"></script>',
      ]
    ) {
      assert.ok(readme.includes(line), `README.md lacks ${line}`);
    }
  });

  it("runs the Deno program: the package's own name resolves from deno.json", {
    skip: inDeno ? false : "runs docs/first/deno.ts with the Deno binary (needs Deno)",
  }, async () => {
    // In Deno, process.execPath is the Deno binary.
    const { stdout, stderr } = await run(process.execPath, [
      "run",
      "--allow-net",
      "docs/first/deno.ts",
    ], { cwd: fileURLToPath(ROOT), timeout: 60_000 });
    assert.equal(stdout + stderr, "echo: hello, wirely\n");
  });

  it("runs the Deno program the local route way: a fresh folder whose deno.json links a clone", {
    skip: inDeno ? false : "runs docs/first/deno.ts with the Deno binary (needs Deno)",
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "wirely-readme-"));
    try {
      // The clone is ROOT, linked by path: the README's `"links": ["../wirely"]`.
      cpSync(fileURLToPath(new URL("docs/first/deno.ts", ROOT)), join(dir, "main.ts"));
      writeFileSync(join(dir, "deno.json"), JSON.stringify({ links: [fileURLToPath(ROOT)] }));
      const { stdout, stderr } = await run(process.execPath, ["run", "--allow-net", "main.ts"], {
        cwd: dir,
        timeout: 60_000,
      });
      assert.equal(stdout + stderr, "echo: hello, wirely\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
