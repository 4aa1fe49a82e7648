// The byte-level examples of docs/events.md are the encoder's real output.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { EXAMPLES, frameBytes, hexdump } from "./_hexdump_test.ts";

const page = fileURLToPath(new URL("../docs/events.md", import.meta.url));
const skip = existsSync(page) ? false : "docs/ is not part of the Node test build";

/** The ```wire blocks of the page: title line, then hexdump lines. */
function blocks(text: string): { title: string; dump: string }[] {
  const found: { title: string; dump: string }[] = [];
  for (const match of text.matchAll(/```wire\n(.*)\n([\s\S]*?)\n```/g)) {
    found.push({ title: match[1]!, dump: match[2]! });
  }
  return found;
}

describe("docs/events.md", { skip }, () => {
  it("shows every example exactly as the encoder writes it", () => {
    const shown = blocks(readFileSync(page, "utf8"));
    assert.deepEqual(shown.map((block) => block.title).sort(), Object.keys(EXAMPLES).sort());
    for (const { title, dump } of shown) {
      assert.equal(dump, hexdump(frameBytes(EXAMPLES[title]!())), title);
    }
  });

  it("renders dumps the way hexdump -C does", () => {
    assert.equal(
      hexdump(new Uint8Array([0x65, 0, 0x41])),
      "00000000  65 00 41                                          |e.A|",
    );
  });
});
