/**
 * The test page's script: the client from the npm build (`wirely/client`, mapped to
 * `npm/client/mod.js` by esbuild's alias in `browser/client_test.ts`), driven by the test
 * through `globalThis.wirelyPage` ({@linkcode PageApi}). Bundled, never run by Deno.
 *
 * @module
 */

// @ts-ignore: a bare name Deno cannot resolve; esbuild maps it to the built npm/client/mod.js.
import { heartbeat, onJson, sendJson, WirelyClient as BuiltClient } from "wirely/client";
// The sources' types describe the built JavaScript (the .d.ts files are emitted from them).
import type { WirelyClient } from "../../client/mod.ts";
import type { ImageEcho, PageApi, PageClientOptions, PageGlobal } from "./page_api.ts";

const Client = BuiltClient as typeof WirelyClient;

/** The few DOM APIs the page uses (Deno type-checks this file without the DOM libs). */
interface Canvas2D {
  fillStyle: string;
  font: string;
  createImageData(width: number, height: number): { data: Uint8ClampedArray };
  putImageData(image: { data: Uint8ClampedArray }, x: number, y: number): void;
  fillRect(x: number, y: number, width: number, height: number): void;
  fillText(text: string, x: number, y: number): void;
}
interface Canvas {
  width: number;
  height: number;
  getContext(kind: "2d"): Canvas2D | null;
  toBlob(callback: (blob: Blob | null) => void, type: string): void;
}
interface Dom {
  document: { createElement(tag: "canvas"): Canvas };
  createImageBitmap(blob: Blob): Promise<{ width: number; height: number; close(): void }>;
}
const dom = globalThis as unknown as Dom;

let client: WirelyClient | undefined;
const log: string[] = [];
const texts: string[] = [];

function current(): WirelyClient {
  if (client === undefined) throw new Error("start() the client first");
  return client;
}

/** Polls `check` every 10 ms until true; rejects after `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The next `type` event's payload; rejects after `ms`. */
function next<T>(
  subscribe: (handler: (value: T) => void) => () => void,
  ms: number,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${ms} ms: ${what}`));
    }, ms);
    const off = subscribe((value) => {
      clearTimeout(timer);
      off();
      resolve(value);
    });
  });
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

/** A 256x256 PNG: seeded noise (so it does not compress), a few shapes and some text. */
async function drawPng(): Promise<
  { bytes: Uint8Array<ArrayBuffer>; width: number; height: number }
> {
  const canvas = dom.document.createElement("canvas");
  canvas.width = 256;
  canvas.height = 256;
  const context = canvas.getContext("2d");
  if (context === null) throw new Error("no 2d context");
  const image = context.createImageData(canvas.width, canvas.height);
  let seed = 0x9e3779b9;
  for (let i = 0; i < image.data.length; i++) {
    seed = (seed * 1_103_515_245 + 12_345) >>> 0;
    image.data[i] = i % 4 === 3 ? 255 : seed >>> 24;
  }
  context.putImageData(image, 0, 0);
  context.fillStyle = "#1e88e5";
  context.fillRect(32, 32, 96, 64);
  context.fillStyle = "#fdd835";
  context.font = "24px sans-serif";
  context.fillText("wirely", 40, 180);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/png"));
  if (blob === null) throw new Error("canvas.toBlob gave no blob");
  return {
    bytes: new Uint8Array(await blob.arrayBuffer()),
    width: canvas.width,
    height: canvas.height,
  };
}

function start(url: string, options: PageClientOptions = {}): void {
  if (client !== undefined && client.state !== "closed") throw new Error("a client is running");
  log.length = 0;
  texts.length = 0;
  const created = new Client(url, {
    backoff: { baseDelay: 50, maxDelay: 250 },
    connectTimeout: 2_000,
    closeTimeout: 1_000,
    ...(options.heartbeat === undefined ? {} : { heartbeat: heartbeat(options.heartbeat) }),
  });
  created.on("state", ({ state }) => log.push(`state:${state}`));
  created.on("open", ({ reconnected }) => log.push(`open:${reconnected}`));
  created.on("close", (event) => {
    log.push(`close:${event.code}:${event.willReconnect ? "retry" : "stop"}`);
  });
  created.on("error", (error) => {
    log.push(`error:${(error as { code?: string }).code ?? error.message}`);
  });
  created.on("reconnecting", ({ attempt }) => log.push(`reconnecting:${attempt}`));
  created.on("unsent", (entries) => log.push(`unsent:${entries.length}`));
  created.on("message", (message) => {
    if (message.type === "text") texts.push(message.data);
  });
  client = created;
}

async function echoImage(ms: number): Promise<ImageEcho> {
  const c = current();
  const { bytes, width, height } = await drawPng();
  const reply = next<Uint8Array>(
    (handler) =>
      c.on("message", (message) => {
        if (message.type === "binary") handler(message.data);
      }),
    ms,
    "the echoed image",
  );
  c.send(bytes);
  const received = new Uint8Array(await reply); // a copy over a plain ArrayBuffer
  const bitmap = await dom.createImageBitmap(new Blob([received], { type: "image/png" }));
  const decoded = { width: bitmap.width, height: bitmap.height };
  bitmap.close();
  return {
    sentLength: bytes.length,
    receivedLength: received.length,
    sentHash: await sha256(bytes),
    receivedHash: await sha256(received),
    identical: bytes.length === received.length && bytes.every((byte, i) => received[i] === byte),
    signature: hex(received.subarray(0, 8)),
    decoded,
    drawn: { width, height },
  };
}

const api: PageApi = {
  start,
  state: () => client?.state ?? "none",
  log: () => [...log],
  texts: () => [...texts],
  queued: () => current().queuedMessages,
  send: (text) => void current().send(text),
  echoText(text, ms): Promise<string> {
    const c = current();
    const reply = next<string>(
      (handler) =>
        c.on("message", (message) => {
          if (message.type === "text") handler(message.data);
        }),
      ms,
      "the echoed text",
    );
    c.send(text);
    return reply;
  },
  echoJson(value, ms): Promise<unknown> {
    const c = current();
    const reply = next<unknown>((handler) => onJson(c, handler), ms, "the echoed JSON");
    sendJson(c, value);
    return reply;
  },
  echoImage,
  waitForState: (state, ms) => until(() => api.state() === state, ms, `state ${state}`),
  waitForLog: (prefix, ms) =>
    until(() => log.some((entry) => entry.startsWith(prefix)), ms, `log entry ${prefix}`),
  waitForTexts: (count, ms) => until(() => texts.length >= count, ms, `${count} text messages`),
  close: () => current().close().length,
};

(globalThis as unknown as PageGlobal).wirelyPage = api;
