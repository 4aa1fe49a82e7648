// This module is browser compatible.
/// <reference lib="dom" />
/**
 * Plays one push-to-talk burst while its chunks arrive: a `MediaSource` fed with the WebM/Opus
 * chunks in order, behind a hidden `<audio>` element. Also decodes a whole burst (to show its
 * duration and to replay it).
 *
 * @module
 */
import { PLAYER_MIME } from "./protocol.ts";

/** Live playback of one burst. */
export class LivePlayer {
  readonly audio: HTMLAudioElement = new Audio();
  #source = new MediaSource();
  #buffer: SourceBuffer | undefined;
  #queue: Uint8Array[] = [];
  #ended = false;

  constructor() {
    this.audio.src = URL.createObjectURL(this.#source);
    this.#source.addEventListener("sourceopen", () => {
      this.#buffer = this.#source.addSourceBuffer(PLAYER_MIME);
      this.#buffer.addEventListener("updateend", () => this.#pump());
      this.#pump();
    }, { once: true });
    // Allowed: the listener clicked Join (or the page has autoplay permission).
    this.audio.play().catch(() => {});
  }

  /** Whether this browser can play bursts live. */
  static supported(): boolean {
    return typeof MediaSource !== "undefined" && MediaSource.isTypeSupported(PLAYER_MIME);
  }

  /** Queues the next chunk. */
  append(chunk: Uint8Array): void {
    this.#queue.push(chunk);
    this.#pump();
  }

  /** No more chunks: ends the stream once the queue is drained. */
  end(): void {
    this.#ended = true;
    this.#pump();
  }

  #pump(): void {
    const buffer = this.#buffer;
    if (buffer === undefined || buffer.updating || this.#source.readyState !== "open") return;
    const next = this.#queue.shift();
    if (next !== undefined) buffer.appendBuffer(next as Uint8Array<ArrayBuffer>);
    else if (this.#ended) this.#source.endOfStream();
  }
}

/** The chunks of a burst as one buffer. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return joined;
}

/** Decodes a whole burst (WebM/Opus) to PCM. */
export async function decodeBurst(bytes: Uint8Array): Promise<AudioBuffer> {
  const context = new OfflineAudioContext(1, 1, 48_000);
  return await context.decodeAudioData(bytes.slice().buffer);
}

/** Plays decoded audio once. */
export function playDecoded(audio: AudioBuffer): void {
  const context = new AudioContext();
  const source = context.createBufferSource();
  source.buffer = audio;
  source.connect(context.destination);
  source.onended = () => void context.close();
  source.start();
}
