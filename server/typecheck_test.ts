// Typed per-connection data is checked at compile time: `deno check` on a fixture where `Data`
// is inferred from `authenticate` and wrong uses carry `@ts-expect-error` (an unused directive is
// an error, so a regression fails the check).
import { describe, it } from "node:test";
import assert from "node:assert/strict";

const deno = (globalThis as {
  Deno?: {
    execPath(): string;
    Command: new (
      command: string,
      options: { args: string[]; stdout: "piped"; stderr: "piped" },
    ) => { output(): Promise<{ success: boolean; stdout: Uint8Array; stderr: Uint8Array }> };
  };
}).Deno;

const skip = deno === undefined
  ? "deno check runs in the Deno suite (it checks the .ts sources)"
  : false;

describe("typed connection data", { skip }, () => {
  it("is inferred from authenticate, refusals included, on every factory", async () => {
    const config = new URL("../deno.json", import.meta.url).pathname;
    const fixture = new URL("./testdata/typed_data.ts", import.meta.url).pathname;
    const output = await new deno!.Command(deno!.execPath(), {
      args: ["check", "--quiet", "--config", config, fixture],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
    assert.ok(output.success, `deno check failed:\n${text}`);
  });
});
