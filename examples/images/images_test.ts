/// <reference lib="dom" />
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { deflateSync } from "node:zlib";
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
import { packImage } from "./protocol.ts";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  let crc = 0xffffffff;
  for (const byte of body) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0, 8 + data.length);
  return out;
}

/** An RGB PNG whose pixel (x, y) is `pixel(x, y)`. */
function png(width: number, height: number, pixel: (x: number, y: number) => number[]): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), y * (width * 3 + 1) + 1 + x * 3);
  }
  const head = Buffer.alloc(13);
  head.writeUInt32BE(width, 0);
  head.writeUInt32BE(height, 4);
  head.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", head),
    chunk("IDAT", deflateSync(raw, { level: 1 })),
    chunk("IEND", new Uint8Array(0)),
  ]);
}

function noise(width: number, height: number): Buffer {
  let seed = 42;
  const next = (): number => { // xorshift32
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed & 0xff;
  };
  return png(width, height, () => [next(), next(), next()]);
}

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/** SHA-256 of the bytes behind the image from `from` named `name`, as the page shows it. */
async function shownHash(page: Page, from: string, name: string): Promise<string> {
  const figure = page.locator(`figure[data-from="${from}"]`, { hasText: name });
  await figure.waitFor();
  const src = await figure.locator("img").getAttribute("src");
  return await page.evaluate(async (url) => {
    const bytes = await (await fetch(url!)).arrayBuffer();
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  }, src);
}

async function choose(page: Page, name: string, buffer: Buffer): Promise<void> {
  await page.locator("#file").setInputFiles({ name, mimeType: "image/png", buffer });
}

for (const runtime of ["deno", "node"] as const) {
  const skip = runtime === "deno" ? SKIP : SKIP_NODE;
  describe(`examples/images in Chromium (server on ${runtime})`, () => {
    let browser: Browser | undefined;
    let server: RunningServer | undefined;
    const sunset = png(360, 240, (x, y) => [255 - y / 2, 90 + x / 3, 120 + y / 2]);
    const sea = png(240, 240, (x, y) => [20 + x / 4, 110 + y / 3, 200]);
    const large = noise(1_000, 1_000); // about 3 MB: a progress bar worth seeing
    const tooLarge = noise(1_300, 1_300); // about 5.1 MB

    before(async () => {
      if (skip !== false) return;
      server = await startServer("images", 0, runtime);
      browser = await launchChromium();
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    it("chosen, dropped and large images reach every other page byte-exact", {
      skip,
    }, async () => {
      const [alice, bob, carol] = await Promise.all(
        [0, 1, 2].map(() => openPage(browser!, server!.url)),
      );
      await join(alice!, "alice", "pics");
      await join(bob!, "bob", "pics");
      await join(carol!, "carol", "pics");
      await alice!.locator("#count", { hasText: "(3)" }).waitFor();

      await choose(alice!, "sunset.png", sunset);
      assert.equal(await shownHash(bob!, "alice", "sunset.png"), sha256(sunset));
      assert.equal(await shownHash(carol!, "alice", "sunset.png"), sha256(sunset));
      await alice!.locator('figure.mine[data-outcome="ack"]', { hasText: "delivered to 2" })
        .waitFor();

      await choose(bob!, "noise.png", large);
      assert.ok(large.length > 2_500_000 && large.length < 5_000_000, `${large.length}`);
      assert.equal(await shownHash(alice!, "bob", "noise.png"), sha256(large));
      assert.equal(await shownHash(carol!, "bob", "noise.png"), sha256(large));
      const mine = bob!.locator('figure.mine[data-outcome="ack"]', { hasText: "noise.png" });
      await mine.waitFor();
      const bar = await mine.locator("progress").evaluate((p: HTMLProgressElement) => [
        p.value,
        p.max,
      ]);
      assert.equal(bar[0], bar[1], "the progress bar ends full");

      // Drop: a real DataTransfer with a File, dispatched on the drop zone.
      await carol!.evaluate((bytes) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], "sea.png", { type: "image/png" }));
        const zone = document.getElementById("drop")!;
        zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: transfer, cancelable: true }));
        zone.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, cancelable: true }));
      }, [...sea]);
      assert.equal(await shownHash(alice!, "carol", "sea.png"), sha256(sea));
      assert.equal(await shownHash(bob!, "carol", "sea.png"), sha256(sea));
      assert.equal(await alice!.locator("#gallery figure").count(), 3);
      if (runtime === "deno") await screenshot(bob!, "images");
      for (const page of [alice, bob, carol]) await page!.context().close();
    });

    it("refuses a non-image with an error message, and closes on text (1003)", {
      skip,
    }, async () => {
      const ws = new WebSocket(server!.url.replace("http:", "ws:") + "ws?name=raw&room=raw");
      ws.binaryType = "arraybuffer";
      const texts: string[] = [];
      const closed = new Promise<number>((resolve) => ws.onclose = (event) => resolve(event.code));
      const refused = new Promise<void>((resolve) =>
        ws.onmessage = (event) => {
          texts.push(event.data);
          if (String(event.data).includes('"refused"')) resolve();
        }
      );
      await within(new Promise((resolve) => ws.onopen = resolve), 10_000, "open");
      ws.send(packImage({ ref: "r1", name: "page.html", type: "text/html" }, new Uint8Array(9)));
      await within(refused, 10_000, "refused");
      assert.deepEqual(JSON.parse(texts.at(-1)!), {
        type: "refused",
        ref: "r1",
        reason: "only image/png, image/jpeg, image/gif, image/webp, image/avif are shared",
      });
      ws.send("hello?");
      assert.equal(await within(closed, 10_000, "close"), 1003);
    });

    it("an image over the limit is stopped by the page, and by the server (1009)", {
      skip,
    }, async () => {
      const alice = await openPage(browser!, server!.url);
      await join(alice, "alice", "limits");
      const bob = await openPage(browser!, server!.url);
      await join(bob, "bob", "limits");
      await alice.locator("#count", { hasText: "(2)" }).waitFor();

      await choose(alice, "huge.png", tooLarge);
      await alice.locator("#status.error", { hasText: "the limit is 5.0 MB" }).waitFor();
      assert.equal(await alice.locator("#gallery figure").count(), 0, "nothing was sent");

      // Past the page's check (as a modified page could): the server closes with 1009.
      await alice.evaluate(async (size) => {
        const app = (globalThis as unknown as {
          imagesApp: { sendFile(file: File, check: boolean): Promise<void> };
        }).imagesApp;
        const bytes = new Uint8Array(size).fill(7);
        await app.sendFile(new File([bytes], "huge.png", { type: "image/png" }), false);
      }, tooLarge.length);
      await alice.locator("#status.error", { hasText: "close code 1009" }).waitFor();
      await alice.locator('figure[data-outcome="closed"]').waitFor();

      // The page reconnects by itself and shares again.
      await choose(alice, "sea.png", sea);
      assert.equal(await shownHash(bob, "alice", "sea.png"), sha256(sea));
      assert.equal(await bob.locator("#gallery figure").count(), 1, "bob never got huge.png");
      await alice.context().close();
      await bob.context().close();
    });
  });
}
