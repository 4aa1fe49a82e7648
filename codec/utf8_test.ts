import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Utf8StreamDecoder } from "./utf8.ts";

const encoder = new TextEncoder();
const INVALID_UTF8 = { name: "ProtocolError", code: "INVALID_UTF8", closeCode: 1007 };

/**
 * Reference scanner after Unicode table 3-7: index of the first byte that no valid UTF-8
 * string can have at that place (-1 if none), and whether the bytes end inside a character.
 */
function scan(bytes: Uint8Array): { invalidAt: number; incomplete: boolean } {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b === 0xe0) [need, lo] = [2, 0xa0];
    else if (b === 0xed) [need, hi] = [2, 0x9f];
    else if (b >= 0xe1 && b <= 0xef) need = 2;
    else if (b === 0xf0) [need, lo] = [3, 0x90];
    else if (b === 0xf4) [need, hi] = [3, 0x8f];
    else if (b >= 0xf1 && b <= 0xf3) need = 3;
    else return { invalidAt: i, incomplete: false };
    for (let k = 1; k <= need; k++) {
      const j = i + k;
      if (j >= bytes.length) return { invalidAt: -1, incomplete: true };
      const c = bytes[j]!;
      if (c < lo || c > hi) return { invalidAt: j, incomplete: false };
      lo = 0x80;
      hi = 0xbf;
    }
    i += need + 1;
  }
  return { invalidAt: -1, incomplete: false };
}

/** Splits `bytes` at the given sorted, in-range cut points. */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts)].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    pieces.push(bytes.subarray(start, point));
    start = point;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

describe("Utf8StreamDecoder", () => {
  it("decodes a whole string in one push", () => {
    const decoder = new Utf8StreamDecoder();
    assert.equal(decoder.push(encoder.encode("Hello, κόσμε 😀"), true), "Hello, κόσμε 😀");
  });

  it("decodes multibyte characters split at every byte across two pushes", () => {
    const text = "aé€😀z";
    const bytes = encoder.encode(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const decoder = new Utf8StreamDecoder();
      const first = decoder.push(bytes.subarray(0, cut), false);
      const second = decoder.push(bytes.subarray(cut), true);
      assert.equal(first + second, text, `cut at ${cut}`);
    }
  });

  it("keeps a leading byte order mark as content", () => {
    const decoder = new Utf8StreamDecoder();
    assert.equal(decoder.push(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]), true), "\ufeffa");
  });

  for (
    const prefix of [
      [0xf4, 0x90], // above U+10FFFF
      [0xed, 0xa0], // UTF-16 surrogate
      [0xc0], // overlong lead
      [0xc1],
      [0xf8], // 5-byte lead
      [0xf5],
      [0xff],
      [0xe0, 0x80], // overlong 3-byte
      [0xf0, 0x80], // overlong 4-byte
      [0x80], // lone continuation byte
      [0x61, 0xe1, 0x41], // lead byte followed by ASCII
    ]
  ) {
    const hex = prefix.map((b) => b.toString(16).padStart(2, "0")).join(" ");
    it(`throws INVALID_UTF8 1007 on the non-final push of the invalid prefix ${hex}`, () => {
      const decoder = new Utf8StreamDecoder();
      assert.throws(() => decoder.push(new Uint8Array(prefix), false), INVALID_UTF8);
    });
  }

  it("throws on the push holding the bad continuation byte when the lead came earlier", () => {
    const decoder = new Utf8StreamDecoder();
    assert.equal(decoder.push(new Uint8Array([0x61, 0xf4]), false), "a");
    assert.throws(() => decoder.push(new Uint8Array([0x90]), false), INVALID_UTF8);
  });

  it("throws on the last push when the stream ends inside a character", () => {
    const decoder = new Utf8StreamDecoder();
    assert.equal(decoder.push(new Uint8Array([0xf0, 0x9f, 0x98]), false), "");
    assert.throws(() => decoder.push(new Uint8Array(0), true), INVALID_UTF8);
  });

  it("starts a fresh stream after an error and after the last push", () => {
    const decoder = new Utf8StreamDecoder();
    decoder.push(new Uint8Array([0xf0, 0x9f]), false);
    assert.throws(() => decoder.push(new Uint8Array([0x41]), false), INVALID_UTF8);
    assert.equal(decoder.push(encoder.encode("ok"), true), "ok");
    assert.equal(decoder.push(encoder.encode("again"), true), "again");
  });

  it("decodes any string split anywhere (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (text, rawCuts) => {
          const bytes = encoder.encode(text);
          const pieces = split(bytes, rawCuts.map((c) => c % (bytes.length + 1)));
          const decoder = new Utf8StreamDecoder();
          let out = "";
          pieces.forEach((piece, i) => out += decoder.push(piece, i === pieces.length - 1));
          assert.equal(out, text);
        },
      ),
      { numRuns: 300 },
    );
  });

  const BOUNDARY_SEQUENCES = [
    [[0xc2, 0x80], [0xdf, 0xbf], [0xe0, 0xa0, 0x80], [0xed, 0x9f, 0xbf], [0xee, 0x80, 0x80]],
    [[0xf0, 0x90, 0x80, 0x80], [0xf4, 0x8f, 0xbf, 0xbf], [0xef, 0xbb, 0xbf]],
  ].flat();
  const INVALID_SEQUENCES = [
    [[0x80], [0xbf], [0xc0, 0x80], [0xc1, 0xbf], [0xc2, 0x41], [0xe0, 0x80, 0x80]],
    [[0xe0, 0x9f, 0xbf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xe1, 0x80, 0x41]],
    [[0xf0, 0x80, 0x80, 0x80], [0xf0, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80]],
    [[0xf1, 0x80, 0x80, 0x41], [0xf5, 0x80, 0x80, 0x80], [0xf8], [0xfe], [0xff]],
  ].flat();

  it("decodes the boundary characters of Unicode table 3-7 in pieces of every size class", () => {
    const reference = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    for (const size of [0, 7, 31, 40, 1000, 4200]) {
      for (const filler of [0x00, 0x61]) {
        for (const sequence of BOUNDARY_SEQUENCES) {
          for (const at of [0, size >> 1, size]) {
            const bytes = new Uint8Array(size + sequence.length).fill(filler);
            bytes.set(sequence, at);
            const label = `${sequence} at ${at} of ${size} filled with ${filler}`;
            assert.equal(new Utf8StreamDecoder().push(bytes, true), reference.decode(bytes), label);
          }
        }
      }
    }
  });

  it("rejects each invalid sequence of Unicode table 3-7 in pieces of every size class", () => {
    for (const size of [0, 7, 31, 40, 1000, 4200]) {
      for (const filler of [0x00, 0x61]) {
        for (const sequence of INVALID_SEQUENCES) {
          for (const at of [0, size >> 1, size]) {
            const bytes = new Uint8Array(size + sequence.length).fill(filler);
            bytes.set(sequence, at);
            for (const last of [true, false]) {
              assert.throws(
                () => new Utf8StreamDecoder().push(bytes, last),
                INVALID_UTF8,
                `${sequence} at ${at} of ${size} filled with ${filler}, last ${last}`,
              );
            }
          }
        }
      }
    }
  });

  it("decodes or rejects a piece of any size like a fatal TextDecoder, ASCII or not (property)", () => {
    // Pieces from 0 to about 20 000 bytes: both sides of every size limit of the fast paths.
    const piece = fc.tuple(
      fc.oneof(
        fc.string({ unit: "binary-ascii", maxLength: 40 }),
        fc.string({ unit: "binary", maxLength: 40 }),
      ),
      fc.integer({ min: 1, max: 130 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0x80, max: 0xff })), { maxLength: 1 }),
      fc.nat({ max: 3 }),
    ).map(([unit, times, edits, cut]) => {
      const bytes = encoder.encode(unit.repeat(times));
      for (const [at, value] of edits) if (bytes.length > 0) bytes[at % bytes.length] = value;
      return bytes.subarray(0, Math.max(0, bytes.length - cut));
    });
    fc.assert(
      fc.property(piece, fc.boolean(), (bytes, last) => {
        const { invalidAt, incomplete } = scan(bytes);
        const decoder = new Utf8StreamDecoder();
        if (invalidAt >= 0 || (incomplete && last)) {
          assert.throws(() => decoder.push(bytes, last), INVALID_UTF8);
          return;
        }
        const reference = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
        assert.equal(decoder.push(bytes, last), reference.decode(bytes, { stream: !last }));
        if (incomplete) assert.throws(() => decoder.push(new Uint8Array(0), true), INVALID_UTF8);
        else assert.equal(decoder.push(new Uint8Array(0), true), "");
      }),
      { numRuns: 300 },
    );
  });

  it("fails on exactly the push that holds the first invalid byte (property)", () => {
    const nearUtf8 = fc.tuple(
      fc.string({ unit: "binary", maxLength: 12 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0x80, max: 0xff })), { maxLength: 2 }),
      fc.nat(),
    ).map(([text, edits, cut]) => {
      const bytes = encoder.encode(text);
      for (const [at, value] of edits) if (bytes.length > 0) bytes[at % bytes.length] = value;
      return bytes.subarray(
        0,
        bytes.length - (cut % 3 === 0 ? cut % Math.max(1, bytes.length) : 0),
      );
    });
    const bytesArb = fc.oneof(fc.uint8Array({ maxLength: 16 }), nearUtf8);
    fc.assert(
      fc.property(bytesArb, fc.array(fc.nat(), { maxLength: 5 }), (bytes, rawCuts) => {
        const pieces = split(bytes, rawCuts.map((c) => c % (bytes.length + 1)));
        const { invalidAt, incomplete } = scan(bytes);
        let expectedFailure = -1; // index of the piece that must throw
        if (invalidAt >= 0) {
          let end = 0;
          expectedFailure = pieces.findIndex((piece) => (end += piece.length) > invalidAt);
        } else if (incomplete) {
          expectedFailure = pieces.length - 1;
        }
        const decoder = new Utf8StreamDecoder();
        let failedAt = -1;
        for (let i = 0; i < pieces.length; i++) {
          try {
            decoder.push(pieces[i]!, i === pieces.length - 1);
          } catch (error) {
            assert.equal((error as { code?: string }).code, "INVALID_UTF8");
            failedAt = i;
            break;
          }
        }
        assert.equal(failedAt, expectedFailure);
      }),
      { numRuns: 1000 },
    );
  });
});
