/// <reference lib="dom" />
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../../testing/browser.ts";
import {
  join,
  openPage,
  type RunningServer,
  screenshot,
  SKIP,
  SKIP_NODE,
  startServer,
} from "../_shared/_helpers_test.ts";

const FAKE_MEDIA = [
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
  "--autoplay-policy=no-user-gesture-required",
];

/** SHA-256 (hex) of the bytes a page holds for `burst`, and their length. */
function burstHash(page: Page, burst: string): Promise<[string, number]> {
  return page.evaluate(async (id) => {
    const app = (globalThis as unknown as { voiceApp: { bursts: Map<string, Uint8Array> } })
      .voiceApp;
    const bytes = app.bursts.get(id)!;
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes.slice()));
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
    return [hex, bytes.length] as [string, number];
  }, burst);
}

for (const runtime of ["deno", "node"] as const) {
  const skip = runtime === "deno" ? SKIP : SKIP_NODE;
  describe(`examples/voice in Chromium (fake microphone) (server on ${runtime})`, () => {
    let browser: Browser | undefined;
    let server: RunningServer | undefined;

    before(async () => {
      if (skip !== false) return;
      server = await startServer("voice", 0, runtime);
      browser = await launchChromium(FAKE_MEDIA);
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    it("push-to-talk audio reaches the other pages, shows who talks, and decodes", {
      skip,
    }, async () => {
      const [alice, bob, carol] = await Promise.all(
        [0, 1, 2].map(() => openPage(browser!, server!.url)),
      );
      await join(alice!, "alice", "voice");
      await join(bob!, "bob", "voice");
      await join(carol!, "carol", "voice");
      await alice!.locator("#count", { hasText: "(3)" }).waitFor();

      const talk = alice!.locator("#talk");
      await talk.hover();
      await alice!.mouse.down();
      await bob!.locator("#online li.talking", { hasText: "alice" }).waitFor();
      await carol!.locator("#speaking", { hasText: "alice is talking…" }).waitFor();
      // Hold until bob got six chunks of this burst (about 1.5 s of audio).
      await bob!.waitForFunction(() => {
        const app = (globalThis as unknown as {
          voiceApp: { incoming: Map<string, { chunks: unknown[] }> };
        }).voiceApp;
        return [...app.incoming.values()].some((entry) => entry.chunks.length >= 6);
      });
      await alice!.mouse.up();

      const own = alice!.locator("#clips li.clip[data-duration]");
      await own.waitFor();
      const burst = (await own.getAttribute("data-burst"))!;
      const sent = await burstHash(alice!, burst);
      for (const listener of [bob!, carol!]) {
        const clip = listener.locator(`#clips li.clip[data-burst="${burst}"]`);
        await clip.waitFor();
        await listener.locator(`#clips li.clip[data-burst="${burst}"][data-duration]`).waitFor();
        assert.equal(await clip.getAttribute("data-from"), "alice");
        assert.equal(await clip.getAttribute("data-error"), null);
        assert.ok(Number(await clip.getAttribute("data-chunks")) >= 2, "several chunks");
        assert.ok(Number(await clip.getAttribute("data-duration")) > 0.5, "decoded audio");
        assert.ok(Number(await clip.getAttribute("data-samples")) > 0);
        assert.equal(await clip.getAttribute("data-played"), "true", "played live (MediaSource)");
        assert.deepEqual(await burstHash(listener, burst), sent, "the same bytes as sent");
      }
      await bob!.locator("#online li.talking").waitFor({ state: "detached" });
      assert.equal(await carol!.locator("#speaking").textContent(), "");

      // Carol answers with the Space key; bob's page is captured while she talks.
      await carol!.locator("body").click({ position: { x: 5, y: 590 } });
      await carol!.keyboard.down("Space");
      await bob!.locator("#online li.talking", { hasText: "carol" }).waitFor();
      await bob!.waitForFunction(() => {
        const app = (globalThis as unknown as {
          voiceApp: { incoming: Map<string, { chunks: unknown[] }> };
        }).voiceApp;
        return [...app.incoming.values()].some((entry) => entry.chunks.length >= 3);
      });
      if (runtime === "deno") await screenshot(bob!, "voice");
      await carol!.keyboard.up("Space");
      await bob!.locator('#clips li.clip[data-from="carol"][data-duration]').waitFor();
      await alice!.locator('#clips li.clip[data-from="carol"][data-duration]').waitFor();
      for (const page of [alice, bob, carol]) await page!.context().close();
    });
  });
}
