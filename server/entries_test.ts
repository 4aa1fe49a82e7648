// The entries of @wirely/wirely/server by export condition: the Deno entry (mod.ts) loads no
// Node module until the codec engine is chosen, the client entry loads no server code, and the
// Node entry (mod.node.ts) and the Bun entry (mod.bun.ts) export the same names with their
// binding's serve().
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as denoEntry from "./mod.ts";
import * as nodeEntry from "./mod.node.ts";
import * as bunEntry from "./mod.bun.ts";
import { inDeno } from "./_helpers_test.ts";

interface InfoDependency {
  specifier: string;
  code?: { specifier: string };
  isDynamic?: boolean;
}
interface Info {
  roots: string[];
  modules: { specifier: string; dependencies?: InfoDependency[] }[];
}

/** `deno info --json` of a file of this folder's parent. */
async function denoInfo(path: string): Promise<Info> {
  const { execFile } = await import("node:child_process");
  const { promisify } = await import("node:util");
  const deno = (globalThis as unknown as { Deno: { execPath(): string } }).Deno.execPath();
  const file = new URL(path, import.meta.url).pathname;
  const { stdout } = await promisify(execFile)(deno, ["info", "--json", file], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as Info;
}

/** Modules loaded by importing the root: static code imports only (no types, no `import()`). */
function staticGraph(info: Info): Set<string> {
  const byName = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const todo = [...info.roots];
  for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
    if (seen.has(next)) continue;
    seen.add(next);
    for (const dep of byName.get(next)?.dependencies ?? []) {
      if (dep.code !== undefined && dep.isDynamic !== true) todo.push(dep.code.specifier);
    }
  }
  return seen;
}

const SKIP = inDeno ? false : "deno info runs in Deno";

describe("server entries", () => {
  it("the Deno entry's static graph has no node: module; the codec binding is dynamic", {
    skip: SKIP,
  }, async () => {
    const info = await denoInfo("./mod.ts");
    const loaded = [...staticGraph(info)];
    assert.deepEqual(loaded.filter((s) => s.startsWith("node:")), []);
    assert.equal(loaded.some((s) => s.endsWith("/server/serve.node.ts")), false);
    // ... while the Node binding is reachable through import() (engine: "codec").
    assert.ok(info.modules.some((m) => m.specifier.endsWith("/server/serve.node.ts")));
  });

  it("the Node entry's static graph loads node:net (its binding), not node:http", {
    skip: SKIP,
  }, async () => {
    const loaded = staticGraph(await denoInfo("./mod.node.ts"));
    assert.ok(loaded.has("node:net"));
    assert.ok(loaded.has("node:tls"));
    assert.equal(loaded.has("node:http"), false);
  });

  it("the client entry loads no server code and no node: module", { skip: SKIP }, async () => {
    const loaded = [...staticGraph(await denoInfo("../client/mod.ts"))];
    assert.deepEqual(loaded.filter((s) => s.includes("/server/") || s.startsWith("node:")), []);
  });

  it("both entries export the same names; only serve() differs", () => {
    assert.deepEqual(Object.keys(nodeEntry).sort(), Object.keys(denoEntry).sort());
    for (const name of Object.keys(denoEntry) as (keyof typeof denoEntry)[]) {
      if (name !== "serve") assert.equal(nodeEntry[name], denoEntry[name], name);
    }
    assert.notEqual(nodeEntry.serve, denoEntry.serve);
  });

  it("the Bun entry exports the same names; only serve() differs (Bun.serve)", () => {
    assert.deepEqual(Object.keys(bunEntry).sort(), Object.keys(denoEntry).sort());
    for (const name of Object.keys(denoEntry) as (keyof typeof denoEntry)[]) {
      if (name !== "serve") assert.equal(bunEntry[name], denoEntry[name], name);
    }
    assert.notEqual(bunEntry.serve, nodeEntry.serve);
    assert.notEqual(bunEntry.serve, denoEntry.serve);
  });
});
