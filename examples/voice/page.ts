// This module is browser compatible.
/// <reference lib="dom" />
/**
 * The voice room page: hold the button (or Space) to talk. `MediaRecorder` records Opus in
 * WebM; every chunk goes out at once as a binary message (volatile: audio that cannot go out
 * now is dropped, not queued). Others play each burst live and list it with its duration.
 *
 * @module
 */
import { $, connect, connectionBanner, joinForm, randomId } from "../_shared/page_kit.ts";
import { concatBytes, decodeBurst, LivePlayer, playDecoded } from "./player.ts";
import {
  CHUNK_MS,
  type ClientMessage,
  packChunk,
  RECORDER_MIME,
  type ServerMessage,
  unpackChunk,
} from "./protocol.ts";
import { onJson, sendJson } from "../../client/json.ts";
import { sendVolatile } from "../../client/volatile.ts";

const joined = await joinForm();
const client = connect({ name: joined.name, room: joined.room });
connectionBanner(client, "message");
const talking = new Set<string>();
/** Bursts by id: what this page sent or received (for the clip list and the tests). */
const bursts = new Map<string, Uint8Array>();
interface Incoming {
  from: string;
  chunks: Uint8Array[];
  player?: LivePlayer;
  played: boolean;
}
const incoming = new Map<string, Incoming>();
let names: string[] = [];

function renderPeople(): void {
  $("online").replaceChildren(...names.map((name) => {
    const item = document.createElement("li");
    item.textContent = name === joined.name ? `${name} (you)` : name;
    item.classList.toggle("talking", talking.has(name));
    return item;
  }));
  $("count").textContent = `(${names.length})`;
  const others = [...talking].filter((name) => name !== joined.name);
  $("speaking").textContent = others.length === 0
    ? ""
    : `${others.join(", ")} ${others.length === 1 ? "is" : "are"} talking…`;
}

function send(message: ClientMessage): void {
  sendJson(client, message, { volatile: true });
}

/** Adds a clip row once a burst is complete and decoded. */
async function addClip(
  burst: string,
  from: string,
  bytes: Uint8Array,
  chunks: number,
  played?: boolean,
): Promise<void> {
  bursts.set(burst, bytes);
  const row = document.createElement("li");
  Object.assign(row.dataset, { burst, from, chunks: String(chunks), bytes: String(bytes.length) });
  if (played !== undefined) row.dataset.played = String(played);
  row.className = "clip";
  const label = document.createElement("span");
  row.append(label);
  $("clips").prepend(row);
  try {
    const audio = await decodeBurst(bytes);
    row.dataset.duration = audio.duration.toFixed(3);
    row.dataset.samples = String(audio.length);
    label.textContent = `${from === joined.name ? "you" : from} · ${audio.duration.toFixed(1)} s`;
    const replay = document.createElement("button");
    replay.textContent = "▶ replay";
    replay.addEventListener("click", () => playDecoded(audio));
    row.append(replay);
  } catch (error) {
    row.dataset.error = String(error);
    label.textContent = `${from}: could not decode this burst`;
  }
}

onJson(client, (value) => {
  const message = value as ServerMessage;
  if (message.type === "online") names = message.names;
  else if (message.on) talking.add(message.name);
  else talking.delete(message.name);
  renderPeople();
});

client.on("message", (message) => {
  if (message.type !== "binary") return;
  const chunk = unpackChunk(message.data);
  if (chunk === undefined || chunk.header.from === undefined) return;
  const { burst, seq, last, from } = chunk.header;
  // A burst joined midway (no WebM header in chunk 0) cannot be played: skip it.
  if (seq === 0) {
    const entry: Incoming = { from, chunks: [], played: false };
    if (LivePlayer.supported()) {
      entry.player = new LivePlayer();
      entry.player.audio.addEventListener("playing", () => entry.played = true, { once: true });
    }
    incoming.set(burst, entry);
  }
  const entry = incoming.get(burst);
  if (entry === undefined) return;
  if (chunk.bytes.length > 0) {
    entry.chunks.push(chunk.bytes.slice());
    entry.player?.append(chunk.bytes.slice());
  }
  if (last) {
    incoming.delete(burst);
    entry.player?.end();
    void addClip(burst, from, concatBytes(entry.chunks), entry.chunks.length, entry.played);
  }
});

let stream: MediaStream | undefined;
let recorder: MediaRecorder | undefined;
let held = false;
const button = $("talk");

async function startTalking(): Promise<void> {
  if (held) return;
  held = true;
  button.classList.add("on");
  try {
    stream ??= await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch (error) {
    $("status").textContent = `No microphone: ${(error as Error).message}`;
    return stopTalking();
  }
  if (!held || recorder !== undefined) return; // released before the microphone was ready
  const burst = randomId();
  const chunks: Uint8Array[] = [];
  let seq = 0;
  let sending = Promise.resolve();
  const current = new MediaRecorder(stream, { mimeType: RECORDER_MIME });
  recorder = current;
  current.ondataavailable = (event) => {
    // Blob reads are async: chain them so chunks leave in recording order.
    sending = sending.then(async () => {
      const bytes = new Uint8Array(await event.data.arrayBuffer());
      if (bytes.length === 0) return;
      chunks.push(bytes);
      sendVolatile(client, packChunk({ burst, seq: seq++, last: false }, bytes));
    });
  };
  current.onstop = () => {
    sending = sending.then(() => {
      sendVolatile(client, packChunk({ burst, seq: seq++, last: true }, new Uint8Array(0)));
      send({ type: "talk", on: false });
      void addClip(burst, joined.name, concatBytes(chunks), chunks.length);
    });
  };
  send({ type: "talk", on: true });
  current.start(CHUNK_MS);
}

function stopTalking(): void {
  const current = recorder;
  recorder = undefined;
  held = false;
  button.classList.remove("on");
  if (current !== undefined && current.state !== "inactive") current.stop();
}

button.addEventListener("pointerdown", (event) => {
  button.setPointerCapture(event.pointerId);
  void startTalking();
});
button.addEventListener("pointerup", stopTalking);
button.addEventListener("pointercancel", stopTalking);
addEventListener("keydown", (event) => {
  if (event.code === "Space" && !event.repeat && event.target === document.body) {
    event.preventDefault();
    void startTalking();
  }
});
addEventListener("keyup", (event) => {
  if (event.code === "Space") stopTalking();
});

/** For the devtools console and the tests. */
(globalThis as { voiceApp?: unknown }).voiceApp = { client, bursts, incoming };
