// The browser client's size budgets (scripts/_size.ts BUDGETS), measured on the TypeScript
// sources bundled with esbuild like a page would bundle them (minified, gzip -9): no npm build
// needed, so it runs in `deno task test` before `test:node` builds anything, and again from the
// compiled copy under Node and Bun. The opt-in modules must stay out of a page that does not
// import them: each test names a marker only that module's code contains.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { stop } from "esbuild";
import { BUDGETS, measure, type Size, wirelyEntries } from "./_size.ts";

/** The repository: one level up from scripts/, or three from .cache/node_test/scripts/. */
const ROOT = [new URL("../", import.meta.url), new URL("../../../", import.meta.url)]
  .find((dir) => existsSync(new URL("client/mod.ts", dir))) ?? new URL("../", import.meta.url);

/** Text only each opt-in module's code carries (an error code, a name, an event name). */
const MARKERS: Readonly<Record<string, string>> = {
  "heartbeat()": "wirely:ping",
  "browserNetworkSignals()": "visibilitychange",
  "followNetwork()": "'source'",
  "checkLiveness()": "WeakMap",
  "ping()": ".ping(",
  "onJson()": "INVALID_JSON",
  "messages()": "ITERATOR_OVERFLOW",
  "opened()": "CLOSED",
  "closeOnAbort()": '"abort"',
  ExpiringQueue: '"ttl"',
};

describe("browser bundle sizes (esbuild --minify, gzip -9, from the sources)", () => {
  const sizes = new Map<string, Size>();

  before(async () => {
    try {
      for (const entry of wirelyEntries(ROOT, "sources")) {
        const size = await measure(entry, ROOT);
        if (size !== undefined) sizes.set(entry.name, size);
      }
    } finally {
      await stop();
    }
  });

  after(() => {
    const rows = [...sizes.values()].map(({ name, minified, gzipped }) =>
      `${name}: ${minified} min, ${gzipped} gz`
    );
    console.log(rows.join("\n"));
  });

  function size(name: string): Size {
    const found = sizes.get(name);
    assert.ok(found, `no bundle for ${name}`);
    return found;
  }

  for (const [name, budget] of Object.entries(BUDGETS)) {
    it(`${name} stays within ${budget} bytes min+gz`, () => {
      const { gzipped } = size(name);
      assert.ok(gzipped <= budget, `${name} is ${gzipped} bytes min+gz, over its ${budget}`);
    });
  }

  it("a page that uses only the client ships none of the opt-in modules", () => {
    const base = size("wirely WirelyClient").text;
    const all = size("wirely WirelyClient + every opt-in").text;
    for (const [module, marker] of Object.entries(MARKERS)) {
      assert.ok(all.includes(marker), `the marker of ${module} is not in its own bundle`);
      assert.ok(!base.includes(marker), `${module} is shipped to a page that does not import it`);
    }
  });

  it("importing heartbeat() costs bytes: tree-shaking is what the budget measures", () => {
    const base = size("wirely WirelyClient");
    const withHeartbeat = size("wirely WirelyClient + heartbeat()");
    assert.ok(withHeartbeat.gzipped > base.gzipped + 100, "heartbeat() added under 100 bytes");
    assert.ok(size("wirely WirelyClient + every opt-in").gzipped > withHeartbeat.gzipped);
  });
});
