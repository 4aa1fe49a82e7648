// This module is browser compatible.
/// <reference lib="dom" />
/**
 * The image room page: an image dropped or chosen is checked against the limit, sent as one
 * binary message with a progress bar (from the socket's `bufferedAmount`), and shown to everyone
 * in the room. A message the server refuses anyway (close 1009) is explained on the page.
 *
 * @module
 */
import { defaultClosePolicy, onJson } from "../../client/mod.ts";
import {
  $,
  connect,
  connectionBanner,
  formatBytes,
  joinForm,
  randomId,
} from "../_shared/page_kit.ts";
import {
  IMAGE_TYPES,
  type ImageHeader,
  MAX_IMAGE_BYTES,
  packImage,
  type ServerMessage,
  unpackImage,
} from "./protocol.ts";

const joined = await joinForm();
const client = connect({ name: joined.name, room: joined.room }, {
  // 1009 (our image was too big) stops the default policy; here we reconnect and explain.
  closePolicy: (close) => close.code === 1009 ? { action: "retry" } : defaultClosePolicy(close),
  queue: { maxMessages: 100, maxBytes: 4 * MAX_IMAGE_BYTES },
});
const refreshBanner = connectionBanner(client, "image");
/** Images not acked yet; `inFlight` once handed to a connection (not waiting in the queue). */
const pending = new Map<
  string,
  { progress: HTMLProgressElement; caption: HTMLElement; inFlight: boolean }
>();
$("limit").textContent = `PNG, JPEG, GIF, WebP or AVIF, up to ${formatBytes(MAX_IMAGE_BYTES)}`;

function status(text: string, error = false): void {
  $("status").textContent = text;
  $("status").className = error ? "error" : "";
}

function addFigure(bytes: Uint8Array, type: string, caption: string, mine: boolean): HTMLElement {
  const figure = document.createElement("figure");
  figure.className = mine ? "mine" : "";
  const img = document.createElement("img");
  img.src = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
  img.alt = caption;
  const text = document.createElement("figcaption");
  text.textContent = caption;
  figure.append(img, text);
  $("gallery").prepend(figure);
  return figure;
}

/** Sends `file`; `check: false` skips the page's own limit check (the server still has it). */
async function sendFile(file: File, check = true): Promise<void> {
  if (check && !IMAGE_TYPES.includes(file.type)) {
    return status(`${file.name} is not a PNG, JPEG, GIF, WebP or AVIF image.`, true);
  }
  if (check && file.size > MAX_IMAGE_BYTES) {
    return status(
      `${file.name} is ${formatBytes(file.size)}: the limit is ${
        formatBytes(MAX_IMAGE_BYTES)
      }. Pick a smaller image.`,
      true,
    );
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  const ref = randomId();
  const packed = packImage({ ref, name: file.name, type: file.type }, bytes);
  const figure = addFigure(
    bytes,
    file.type,
    `you · ${file.name} · ${formatBytes(bytes.length)}`,
    true,
  );
  figure.dataset.ref = ref;
  const progress = document.createElement("progress");
  progress.max = packed.length;
  progress.value = 0;
  figure.append(progress);
  const caption = figure.querySelector("figcaption")!;
  pending.set(ref, { progress, caption, inFlight: client.state === "open" });
  try {
    client.send(packed); // one binary message; queued while offline
  } catch (error) { // QUEUE_FULL: too many images waiting for the connection
    pending.delete(ref);
    caption.textContent += " · not sent";
    return status(`${file.name} was not sent: ${(error as Error).message}`, true);
  }
  refreshBanner();
  status(
    client.state === "open" ? `Sending ${file.name}…` : `${file.name} waits for the connection.`,
  );
  const track = (): void => {
    if (!pending.has(ref)) return;
    // What is still in the socket's buffer has not been sent yet.
    if (client.state === "open") progress.value = packed.length - client.bufferedAmount;
    requestAnimationFrame(track);
  };
  track();
}

onJson(client, (value) => {
  const message = value as ServerMessage;
  if (message.type === "online") {
    $("online").replaceChildren(...message.names.map((name) => {
      const item = document.createElement("li");
      item.textContent = name === joined.name ? `${name} (you)` : name;
      return item;
    }));
    $("count").textContent = `(${message.names.length})`;
  } else if (message.type === "ack" || message.type === "refused") {
    const entry = pending.get(message.ref);
    pending.delete(message.ref);
    if (entry === undefined) return;
    entry.progress.value = entry.progress.max;
    const outcome = message.type === "ack"
      ? `delivered to ${message.delivered}`
      : `refused: ${message.reason}`;
    entry.caption.textContent += ` · ${outcome}`;
    entry.caption.closest("figure")!.dataset.outcome = message.type;
    status(message.type === "ack" ? "" : `The server refused the image: ${message.reason}.`);
  }
});

client.on("message", (message) => {
  if (message.type !== "binary") return;
  const unpacked = unpackImage(message.data);
  if (unpacked === undefined) return;
  const header = unpacked.header as unknown as ImageHeader;
  const caption = `${header.from} · ${header.name} · ${formatBytes(unpacked.bytes.length)}`;
  addFigure(unpacked.bytes, header.type, caption, false).dataset.from = header.from;
});

// The queue is handed to the new connection before `open`: those images are on their way.
client.on("open", () => pending.forEach((entry) => entry.inFlight = true));

client.on("close", ({ code, reason }) => {
  // An image handed to a connection that closed before the ack may be lost (at-most-once).
  for (const [ref, entry] of pending) {
    if (!entry.inFlight) continue;
    entry.caption.textContent += code === 1009
      ? " · refused by the server"
      : " · may be lost with the connection";
    entry.caption.closest("figure")!.dataset.outcome = "closed";
    pending.delete(ref);
  }
  if (code !== 1009) return;
  status(
    `The server refused a message over its size limit (close code 1009${
      reason ? `: ${reason}` : ""
    }). Reconnecting…`,
    true,
  );
});

const input = $<HTMLInputElement>("file");
input.addEventListener("change", () => {
  for (const file of input.files ?? []) void sendFile(file);
  input.value = "";
});
const drop = $("drop");
drop.addEventListener("dragover", (event) => {
  event.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  for (const file of event.dataTransfer?.files ?? []) void sendFile(file);
});

/** For the devtools console and the tests. */
(globalThis as { imagesApp?: unknown }).imagesApp = { client, sendFile };
