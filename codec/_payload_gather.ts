// This module is browser compatible.
/**
 * Gathering of a frame payload that spans chunks, for `FrameDecoder`: one allocation
 * and one copy per frame, without letting a peer that announces a large frame and sends little
 * make us allocate much.
 *
 * @module
 */

import { applyMask, maskInto } from "./mask.ts";
import { allocate as allocateFromSlab, POOLED_MAX } from "./_frame_buffer.ts";

/**
 * A payload that spans chunks gets a buffer of its full length once this fraction of it (one
 * part in this many) has arrived, so a peer that announces a large frame and sends little makes us
 * hold at most this many times what it sent. Until then its pieces are kept as views of the
 * chunks they arrived in when at least {@linkcode MIN_VIEW_PIECE} bytes, or copied into a staging
 * buffer (so a peer that trickles bytes costs no object per byte); when the caller reuses its
 * chunks (`copyInput`), every piece is copied.
 */
const FULL_BUFFER_FRACTION = 4;
/** Smaller pieces of a payload that spans chunks are copied into a staging buffer, in bytes. */
const MIN_VIEW_PIECE = 8_192;
/** The first staging buffer of a payload holds at least this many bytes, in bytes. */
const MIN_STAGE_SIZE = 1_024;
/** A staging buffer for small pieces holds at most this many bytes, in bytes. */
const STAGE_SIZE = 65_536;

/**
 * `buffer` (what `allocate` returned for a payload of `length` bytes), cut to `length`.
 *
 * @throws {TypeError} If it is not a Uint8Array of at least `length` bytes.
 */
export function checkAllocated(buffer: unknown, length: number): Uint8Array {
  if (!(buffer instanceof Uint8Array) || buffer.length < length) {
    throw new TypeError(
      `Cannot gather a payload as 'allocate' must return a Uint8Array of at least ${length} bytes`,
    );
  }
  return buffer.length > length ? buffer.subarray(0, length) : buffer;
}

/**
 * A payload that lies wholly in a chunk the caller reuses (`FrameDecoderOptions.copyInput`),
 * copied and unmasked in one pass into memory of its own: up to 4 KiB a view of the slab the
 * encoder also carves its small frames from (like Node's `Buffer` pool, several payloads share one
 * `ArrayBuffer`), else a buffer from `allocate`.
 *
 * @param source The payload's bytes, still masked when `key` is given.
 * @param key The frame's masking key, or `undefined` for an unmasked frame.
 * @param allocate The decoder's allocator (see `FrameDecoderOptions.allocate`).
 * @throws {TypeError} If `allocate` returned something other than a large enough Uint8Array.
 */
export function copyPayload(
  source: Uint8Array,
  key: Uint8Array | undefined,
  allocate: (size: number) => Uint8Array,
): Uint8Array {
  const length = source.length;
  const payload = length <= POOLED_MAX
    ? allocateFromSlab(length)
    : checkAllocated(allocate(length), length);
  if (key === undefined) payload.set(source);
  else maskInto(source, payload, 0, key, 0);
  return payload;
}

/** The payload of one frame at a time, gathered piece by piece (reused for the next frame). */
export class PayloadGather {
  /** Bytes of the payload gathered so far (0 between payloads). */
  gathered = 0;
  readonly #allocate: (size: number) => Uint8Array;
  /** The pieces before the buffer exists (views or sealed stages), made on need. */
  #pieces: Uint8Array[] | undefined = undefined;
  /** The staging buffer of small pieces, and how much of it is used. */
  #stage: Uint8Array | undefined = undefined;
  #staged = 0;
  /** The payload's buffer of its full length, once a quarter of it arrived. */
  #buffer: Uint8Array | undefined = undefined;
  /** Whether the pieces held before the buffer are still masked (see `add`). */
  #rawPieces = false;

  /** Pieces are always copied, never kept as views (see `FrameDecoderOptions.copyInput`). */
  readonly #copy: boolean;

  /**
   * @param allocate Makes the payload's buffer (see `FrameDecoderOptions.allocate`).
   * @param copy Whether the caller reuses its chunks (see `FrameDecoderOptions.copyInput`).
   */
  constructor(allocate: (size: number) => Uint8Array, copy: boolean) {
    this.#allocate = allocate;
    this.#copy = copy;
  }

  /**
   * Keeps `source` (bytes owned by the decoder) as the next piece of a payload of `length` bytes
   * and returns it unmasked when `early` is true or the buffer exists (else the piece returned is
   * still masked). Until a quarter of the payload has arrived, a piece is kept as a view or, when
   * small, copied into the staging buffer, unmasked in place only if `early`; from then on the
   * payload has a buffer of its full length, where the earlier pieces are copied once (unmasked
   * then if they were not) and each later piece is copied and unmasked in one pass, still in the
   * cache.
   *
   * @param source The piece.
   * @param length The payload's announced length.
   * @param key The frame's masking key, or `undefined` for an unmasked frame.
   * @param early Whether the piece is wanted unmasked before the frame ends (text: UTF-8 checks).
   * @throws {TypeError} If `allocate` returned something other than a large enough Uint8Array.
   */
  add(
    source: Uint8Array,
    length: number,
    key: Uint8Array | undefined,
    early: boolean,
  ): Uint8Array {
    const from = this.gathered;
    const take = source.length;
    const gathered = from + take;
    this.gathered = gathered;
    let buffer = this.#buffer;
    if (buffer === undefined && gathered * FULL_BUFFER_FRACTION >= length) {
      buffer = this.#buffer = this.#openBuffer(length, key);
    }
    if (buffer !== undefined) {
      if (key === undefined) buffer.set(source, from);
      else maskInto(source, buffer, from, key, from);
      return buffer.subarray(from, gathered);
    }
    let piece: Uint8Array;
    if (take >= MIN_VIEW_PIECE && !this.#copy) {
      this.#sealStage();
      piece = source;
      (this.#pieces ??= []).push(piece);
    } else {
      let stage = this.#stage;
      if (stage === undefined || this.#staged + take > stage.length) {
        this.#sealStage();
        // Never beyond a quarter of the announced length (see above); small at first, then
        // growing with what arrived (a trickling peer costs a few stages, not one per piece).
        stage = this.#stage = new Uint8Array(
          Math.min(
            Math.ceil(length / FULL_BUFFER_FRACTION),
            STAGE_SIZE,
            Math.max(MIN_STAGE_SIZE, take, from),
          ),
        );
      }
      stage.set(source, this.#staged);
      piece = stage.subarray(this.#staged, this.#staged + take);
      this.#staged += take;
    }
    if (key !== undefined) {
      if (early) applyMask(piece, key, from);
      else this.#rawPieces = true;
    }
    return piece;
  }

  /** The gathered payload (its buffer is complete now); ready for the next one. */
  take(): Uint8Array {
    const buffer = this.#buffer!;
    this.#buffer = undefined;
    this.gathered = 0;
    return buffer;
  }

  /** A buffer of the payload's full length, with the pieces gathered so far copied in. */
  #openBuffer(length: number, key: Uint8Array | undefined): Uint8Array {
    const buffer = checkAllocated(this.#allocate(length), length);
    this.#sealStage();
    const pieces = this.#pieces;
    this.#pieces = undefined;
    const raw = this.#rawPieces && key !== undefined;
    this.#rawPieces = false;
    if (pieces !== undefined) {
      let offset = 0;
      for (const piece of pieces) {
        if (raw) maskInto(piece, buffer, offset, key, offset);
        else buffer.set(piece, offset);
        offset += piece.length;
      }
    }
    return buffer;
  }

  /** Moves the used part of the staging buffer to the pieces. */
  #sealStage(): void {
    const stage = this.#stage;
    if (stage === undefined) return;
    (this.#pieces ??= []).push(
      this.#staged === stage.length ? stage : stage.subarray(0, this.#staged),
    );
    this.#stage = undefined;
    this.#staged = 0;
  }
}
