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
  within,
} from "../_shared/_helpers_test.ts";

/** The texts of the chat lines a page shows, in order. */
function lines(page: Page): Promise<string[]> {
  return page.locator("#log .line .text").allTextContents();
}

async function waitForLine(page: Page, text: string): Promise<void> {
  await page.locator("#log .line .text").filter({ hasText: text }).first().waitFor();
}

/** The close of a WebSocket, and whether it had opened. */
function closed(ws: WebSocket): Promise<{ code: number; opened: boolean }> {
  let opened = false;
  ws.addEventListener("open", () => opened = true);
  return new Promise((resolve) =>
    ws.addEventListener("close", (e) => resolve({ code: e.code, opened }))
  );
}

async function say(page: Page, text: string): Promise<void> {
  await page.locator("#text").pressSequentially(text);
  await page.keyboard.press("Enter");
}

for (const runtime of ["deno", "node"] as const) {
  const skip = runtime === "deno" ? SKIP : SKIP_NODE;
  describe(`examples/chat in Chromium (server on ${runtime})`, () => {
    let browser: Browser | undefined;
    let server: RunningServer | undefined;

    before(async () => {
      if (skip !== false) return;
      server = await startServer("chat", 0, runtime);
      browser = await launchChromium();
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    it("presence, typing, messages once on each page, history, leave", { skip }, async () => {
      const alice = await openPage(browser!, server!.url);
      await join(alice, "alice", "lobby");
      const bob = await openPage(browser!, server!.url);
      await join(bob, "bob", "lobby");
      await alice.locator("#log .notice", { hasText: "bob joined." }).waitFor();
      await alice.locator("#online li", { hasText: "bob" }).waitFor();
      await bob.locator("#online li", { hasText: "alice (you)" }).waitFor({ state: "detached" });
      assert.deepEqual(await bob.locator("#online li").allTextContents(), ["alice", "bob (you)"]);

      await alice.locator("#text").pressSequentially("hel");
      await bob.locator("#typing", { hasText: "alice is typing…" }).waitFor();
      await alice.locator("#text").pressSequentially("lo bob");
      await alice.keyboard.press("Enter");
      await waitForLine(bob, "hello bob");
      await bob.locator("#typing", { hasText: "alice is typing" }).waitFor({ state: "detached" });

      const tricky = 'héllo ✓ <b>not bold</b> & "quotes"';
      await say(bob, tricky);
      await waitForLine(alice, tricky);
      await alice.locator("#log .line.mine.sent").waitFor(); // alice's own line was acked
      assert.deepEqual(await lines(alice), ["hello bob", tricky]);
      assert.deepEqual(await lines(bob), ["hello bob", tricky]);
      assert.equal(await alice.locator("#log b").count(), 0, "text is never parsed as HTML");

      const carol = await openPage(browser!, server!.url);
      await join(carol, "carol", "lobby");
      await waitForLine(carol, tricky);
      assert.deepEqual(await lines(carol), ["hello bob", tricky], "late joiner gets history");
      assert.equal(await carol.locator("#online li").count(), 3);
      await bob.locator("#text").pressSequentially("welcome carol");
      await screenshot(alice, "chat");
      await bob.keyboard.press("Enter");
      await waitForLine(carol, "welcome carol");

      const elsewhere = await openPage(browser!, server!.url);
      await join(elsewhere, "dave", "other-room");
      await say(elsewhere, "only for other-room");
      await elsewhere.locator("#log .line.sent").waitFor();
      await say(alice, "after dave");
      await waitForLine(carol, "after dave");
      assert.deepEqual(await lines(carol), ["hello bob", tricky, "welcome carol", "after dave"]);

      await carol.context().close();
      await alice.locator("#log .notice", { hasText: "carol left." }).waitFor();
      assert.equal(await alice.locator("#online li").count(), 2);
      await alice.context().close();
      await bob.context().close();
      await elsewhere.context().close();
    });

    it("refuses a connection without a name, closes on malformed input (1003, 1007)", {
      skip,
    }, async () => {
      const base = server!.url.replace("http:", "ws:") + "ws";
      const refused = new WebSocket(`${base}?room=lobby&client=abc`, "wirely.v1");
      const refusal = await within(closed(refused), 10_000, "refused socket");
      assert.equal(refusal.opened, false, "refused in the handshake (400)");

      const plain = new WebSocket(`${base}?name=plain&room=lobby&client=p0`); // no wirely.v1
      await within(new Promise((resolve) => plain.onopen = resolve), 10_000, "open");
      const plainClosing = closed(plain);
      plain.send("hello");
      assert.equal((await within(plainClosing, 10_000, "close")).code, 1003);

      const rude = new WebSocket(`${base}?name=rude&room=lobby&client=r1`, "wirely.v1");
      await within(new Promise((resolve) => rude.onopen = resolve), 10_000, "open");
      const closing = closed(rude);
      rude.send("not json");
      assert.equal((await within(closing, 10_000, "close")).code, 1007);

      const polite = new WebSocket(`${base}?name=polite&room=lobby&client=p1`, "wirely.v1");
      const welcome = await within(
        new Promise<string>((resolve) => polite.onmessage = (event) => resolve(event.data)),
        10_000,
        "welcome",
      );
      const [kind, event, , data] = JSON.parse(welcome);
      assert.deepEqual([kind, event], ["e", "welcome"], "the server still serves");
      assert.equal(data.you.name, "polite");
      const done = closed(polite);
      polite.close();
      await done;
    });

    it("shows the reconnecting banner; messages typed offline are sent after a restart", {
      skip,
    }, async () => {
      const alice = await openPage(browser!, server!.url);
      await join(alice, "alice", "offline-room");
      const bob = await openPage(browser!, server!.url);
      await join(bob, "bob", "offline-room");
      await alice.locator("#online li", { hasText: "bob" }).waitFor();

      const port = server!.port;
      await server!.stop();
      await alice.locator("#banner", { hasText: "reconnecting…" }).waitFor();
      await bob.locator("#banner", { hasText: "reconnecting…" }).waitFor();
      await say(alice, "sent while offline 1");
      await say(alice, "sent while offline 2 😀");
      await alice.locator("#banner", { hasText: "2 messages waiting to be sent" }).waitFor();
      assert.equal(await alice.locator("#log .line.queued").count(), 2);

      server = await startServer("chat", port, runtime);
      await alice.locator("#banner").waitFor({ state: "hidden" });
      // The sessions were in the stopped process's memory: the page says what it could not get.
      await bob.locator(".notice.warning", { hasText: "could not be recovered (expired)" })
        .waitFor();
      await waitForLine(bob, "sent while offline 2 😀");
      assert.deepEqual(await lines(bob), ["sent while offline 1", "sent while offline 2 😀"]);
      await alice.locator("#log .line.queued").first().waitFor({ state: "detached" });
      await say(bob, "back online");
      await waitForLine(alice, "back online");
      assert.deepEqual(await lines(alice), [
        "sent while offline 1",
        "sent while offline 2 😀",
        "back online",
      ]);
      await alice.context().close();
      await bob.context().close();
    });
  });
}
