/**
 * Groups of UTF-8 samples for category 6: valid text of every sequence length and boundary, and
 * the classic ways to get UTF-8 wrong (stray continuation bytes, truncated and overlong
 * sequences, surrogates, code points above U+10FFFF, bytes that never occur). Whether a sample
 * is valid is decided by a fatal `TextDecoder`, not by hand.
 *
 * @module
 */

import { hex, utf8 } from "./_wire.ts";

/** A titled group of samples. */
export interface Utf8Group {
  /** What the group is about. */
  title: string;
  /** The samples, sent as one text message each. */
  samples: Uint8Array[];
}

const fatal = new TextDecoder("utf-8", { fatal: true });

/** Whether `bytes` is valid UTF-8 (the oracle for the expected outcome). */
export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    fatal.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** "κόσμε" (Greek "world"), a short string with 2- and 3-byte sequences. */
export const KOSME: Uint8Array = hex("ce ba e1 bd b9 cf 83 ce bc ce b5");

function hexList(...items: string[]): Uint8Array[] {
  return items.map(hex);
}

function range(from: number, to: number, each: (i: number) => number[]): Uint8Array {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(...each(i));
  return new Uint8Array(out);
}

/** Encodes a code point with the UTF-8 bit pattern of `length` bytes (may be overlong). */
function encodeAs(codePoint: number, length: number): Uint8Array {
  if (length === 1) return new Uint8Array([codePoint]);
  const out = new Uint8Array(length);
  let rest = codePoint;
  for (let i = length - 1; i > 0; i--) {
    out[i] = 0x80 | (rest & 0x3f);
    rest = Math.floor(rest / 64);
  }
  out[0] = ((0xff << (8 - length)) & 0xff) | rest;
  return out;
}

function surrogate(cp: number): Uint8Array {
  return encodeAs(cp, 3);
}

/** The sample groups, in case order (the first is 6.5). */
export function utf8Groups(): Utf8Group[] {
  const truncated = hexList(
    "c0",
    "e0 80",
    "f0 80 80",
    "f8 80 80 80",
    "fc 80 80 80 80",
    "df",
    "ef bf",
    "f7 bf bf",
    "fb bf bf bf",
    "fd bf bf bf bf",
  );
  const nonCharacters: Uint8Array[] = [];
  for (let plane = 0; plane <= 16; plane += 4) {
    nonCharacters.push(utf8(String.fromCodePoint(plane * 0x10000 + 0xfffe)));
    nonCharacters.push(utf8(String.fromCodePoint(plane * 0x10000 + 0xffff)));
  }
  return [
    {
      title: "Valid text with 1- to 4-byte sequences",
      samples: [
        utf8("hello$world"),
        utf8("hello\u00a2world"),
        utf8("hello\u20acworld"),
        utf8("hello\u{24b62}world"),
        KOSME,
      ],
    },
    {
      title: "Every prefix of a valid multi-byte string",
      samples: Array.from({ length: KOSME.length }, (_, i) => KOSME.slice(0, i + 1)),
    },
    {
      title: "First code point of each sequence length",
      samples: [0, 0x80, 0x800, 0x10000].map((cp) => utf8(String.fromCodePoint(cp))),
    },
    {
      title: "Five- and six-byte forms (not UTF-8 since RFC 3629)",
      samples: [encodeAs(0x200000, 5), encodeAs(0x4000000, 6)],
    },
    {
      title: "Last code point of each sequence length",
      samples: [0x7f, 0x7ff, 0xffff, 0x10ffff].map((cp) => utf8(String.fromCodePoint(cp))),
    },
    {
      title: "Bit patterns beyond U+10FFFF",
      samples: [encodeAs(0x1fffff, 4), encodeAs(0x3ffffff, 5), encodeAs(0x7fffffff, 6)],
    },
    {
      title: "Around the surrogate range and the top of Unicode",
      samples: [
        utf8("\ud7ff"),
        utf8("\ue000"),
        utf8("\ufffd"),
        utf8("\u{10ffff}"),
        encodeAs(0x110000, 4),
      ],
    },
    {
      title: "Continuation bytes without a lead byte",
      samples: [
        ...hexList("80", "bf", "80 bf", "80 bf 80", "80 bf 80 bf", "80 bf 80 bf 80"),
        range(0x80, 0xbf, (i) => [i]),
      ],
    },
    {
      title: "Lead bytes each followed by a space",
      samples: [[0xc0, 0xdf], [0xe0, 0xef], [0xf0, 0xf7], [0xf8, 0xfb], [0xfc, 0xfd]].map((
        [from, to],
      ) => range(from!, to!, (i) => [i, 0x20])),
    },
    { title: "Sequences missing their last byte", samples: truncated },
    {
      title: "All the truncated sequences in a row",
      samples: [new Uint8Array(truncated.flatMap((bytes) => [...bytes]))],
    },
    { title: "Bytes that never occur in UTF-8", samples: hexList("fe", "ff", "fe fe ff ff") },
    {
      title: "Overlong forms of '/'",
      samples: [2, 3, 4, 5, 6].map((length) => encodeAs(0x2f, length)),
    },
    {
      title: "Largest overlong form of each length",
      samples: [[0x7f, 2], [0x7ff, 3], [0xffff, 4], [0x1fffff, 5], [0x3ffffff, 6]].map((
        [cp, length],
      ) => encodeAs(cp!, length!)),
    },
    {
      title: "Overlong forms of NUL",
      samples: [2, 3, 4, 5, 6].map((length) => encodeAs(0, length)),
    },
    {
      title: "Lone UTF-16 surrogates",
      samples: [0xd800, 0xdb7f, 0xdb80, 0xdbff, 0xdc00, 0xdf80, 0xdfff].map(surrogate),
    },
    {
      title: "UTF-16 surrogate pairs encoded as two 3-byte sequences",
      samples: [[0xd800, 0xdc00], [0xd800, 0xdfff], [0xdbff, 0xdc00], [0xdbff, 0xdfff]].map((
        [high, low],
      ) => new Uint8Array([...surrogate(high!), ...surrogate(low!)])),
    },
    { title: "Non-characters (valid UTF-8)", samples: nonCharacters },
    {
      title: "Specials block, including U+FFFD (valid UTF-8)",
      samples: [0xfff9, 0xfffa, 0xfffb, 0xfffc, 0xfffd].map((cp) => utf8(String.fromCodePoint(cp))),
    },
  ];
}
