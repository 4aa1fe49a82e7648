// Type errors are caught at compile time: `deno check` on a fixture whose wrong payloads carry
// `@ts-expect-error` (an unused directive is an error, so a regression fails the check).
import { describe, it } from "node:test";
import assert from "node:assert/strict";

const deno = (globalThis as {
  Deno?: {
    execPath(): string;
    makeTempDir(): Promise<string>;
    writeTextFile(path: string, text: string): Promise<void>;
    remove(path: string, options: { recursive: boolean }): Promise<void>;
    Command: new (
      command: string,
      options: { args: string[]; stdout: "piped"; stderr: "piped" },
    ) => { output(): Promise<{ success: boolean; stdout: Uint8Array; stderr: Uint8Array }> };
  };
}).Deno;

const config = new URL("../deno.json", import.meta.url).pathname;

/** Runs `deno check` (with the project's compiler options) on one file. */
async function check(file: string): Promise<{ success: boolean; text: string }> {
  const output = await new deno!.Command(deno!.execPath(), {
    args: ["check", "--quiet", "--config", config, file],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    success: output.success,
    text: decoder.decode(output.stdout) + decoder.decode(output.stderr),
  };
}

const skip = deno === undefined
  ? "deno check runs in the Deno suite (it checks the .ts sources)"
  : false;

describe("typed event maps", { skip }, () => {
  it("reject wrong payloads, answers and event names at compile time", async () => {
    const fixture = new URL("./testdata/typed_events.ts", import.meta.url).pathname;
    const output = await check(fixture);
    assert.ok(output.success, `deno check failed:\n${output.text}`);
  });

  it("fail the check when a marked line is in fact correct", async () => {
    // Written to a temporary folder at run time: a file that must fail `deno check` cannot live in
    // the repository (the project's own `deno check .` would fail on it).
    const dir = await deno!.makeTempDir();
    const fixture = `${dir}/unused_directive.ts`;
    const entry = new URL("./mod.ts", import.meta.url).href;
    await deno!.writeTextFile(
      fixture,
      [
        `import { EventClient } from ${JSON.stringify(entry)};`,
        "interface ClientToServer { join: (room: string) => number }",
        "export function client(url: string): void {",
        "  const socket = new EventClient<Record<never, never>, ClientToServer>(url);",
        "  // @ts-expect-error (wrongly: this call is correct)",
        '  socket.emit("join", "lobby");',
        "}",
        "",
      ].join("\n"),
    );
    try {
      const output = await check(fixture);
      assert.equal(output.success, false);
      assert.match(output.text, /Unused '@ts-expect-error' directive/);
    } finally {
      await deno!.remove(dir, { recursive: true });
    }
  });
});
