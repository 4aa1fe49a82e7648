/**
 * Splits incoming bytes just before each close frame, so that the messages that came before a
 * close are delivered (and can be answered) before the codec sees the close and replies to it.
 * Splitting a byte stream anywhere is transparent to the codec's streaming decoder; this only reads
 * frame headers to know where frames start, and stops splitting if a header makes no sense.
 *
 * @module
 */

const CLOSE = 0x8;

/** Tracks frame boundaries across chunks (see the module doc). */
export class CloseSplitter {
  /** Bytes of the current frame (header rest and payload) still to skip. */
  #skip = 0;
  /** Bytes of a frame header read so far. */
  #head: number[] = [];
  #disabled = false;

  /** `chunk` as one or more consecutive views; every view after the first starts a close frame. */
  split(chunk: Uint8Array): Uint8Array[] {
    if (this.#disabled) return [chunk];
    const pieces: Uint8Array[] = [];
    let start = 0;
    let i = 0;
    while (i < chunk.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, chunk.length - i);
        i += n;
        this.#skip -= n;
        continue;
      }
      const head = this.#head;
      if (head.length === 0 && (chunk[i]! & 0x0f) === CLOSE && i > start) {
        pieces.push(chunk.subarray(start, i));
        start = i;
      }
      head.push(chunk[i]!);
      i++;
      if (head.length < 2) continue;
      const len7 = head[1]! & 0x7f;
      const need = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (head[1]! & 0x80 ? 4 : 0);
      if (head.length < need) continue;
      let length = len7;
      if (len7 === 126) length = head[2]! * 256 + head[3]!;
      if (len7 === 127) {
        length = 0;
        for (let k = 2; k < 10; k++) length = length * 256 + head[k]!;
        if (!Number.isSafeInteger(length)) {
          this.#disabled = true; // the codec refuses this frame; nothing more to split
          break;
        }
      }
      this.#skip = length;
      this.#head = [];
    }
    if (start < chunk.length) pieces.push(chunk.subarray(start));
    return pieces;
  }
}
