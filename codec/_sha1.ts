// This module is browser compatible.
/**
 * SHA-1 (FIPS 180-4) of a short byte string, synchronously: the opening handshake hashes about
 * 60 bytes per connection, for which WebCrypto's asynchronous `digest` costs far more (a promise
 * and, in Node, a trip through its WebCrypto layer) than the hashing itself. Not for secrets:
 * RFC 6455 uses SHA-1 only to prove the server read the key.
 *
 * @module
 */

/** Message schedule, reused by every call (nothing here is re-entrant). */
const w = new Uint32Array(80);
/** Padded message words of short inputs (up to 4 blocks), reused. */
const shortWords = new Uint32Array(64);

/** The 20-byte SHA-1 digest of `data`. */
export function sha1(data: Uint8Array): Uint8Array {
  const length = data.length;
  // Message, the 0x80 byte, zero padding and the 64-bit bit length, in 64-byte blocks.
  const blocks = Math.ceil((length + 9) / 64);
  const words = blocks <= 4 ? shortWords.fill(0, 0, blocks * 16) : new Uint32Array(blocks * 16);
  for (let i = 0; i < length; i++) words[i >> 2]! |= data[i]! << (24 - (i & 3) * 8);
  words[length >> 2]! |= 0x80 << (24 - (length & 3) * 8);
  words[blocks * 16 - 1] = (length * 8) >>> 0;
  words[blocks * 16 - 2] = Math.floor((length * 8) / 0x100000000);
  let h0 = 0x67452301, h1 = 0xefcdab89, h2 = 0x98badcfe, h3 = 0x10325476, h4 = 0xc3d2e1f0;
  for (let block = 0; block < blocks; block++) {
    for (let t = 0; t < 16; t++) w[t] = words[block * 16 + t]!;
    for (let t = 16; t < 80; t++) {
      const x = w[t - 3]! ^ w[t - 8]! ^ w[t - 14]! ^ w[t - 16]!;
      w[t] = (x << 1) | (x >>> 31);
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4;
    for (let t = 0; t < 80; t++) {
      let f: number, k: number;
      if (t < 20) (f = (b & c) | (~b & d)), (k = 0x5a827999);
      else if (t < 40) (f = b ^ c ^ d), (k = 0x6ed9eba1);
      else if (t < 60) (f = (b & c) | (b & d) | (c & d)), (k = 0x8f1bbcdc);
      else (f = b ^ c ^ d), (k = 0xca62c1d6);
      const temp = (((a << 5) | (a >>> 27)) + f + e + k + w[t]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = temp;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  const out = new Uint8Array(20);
  putWord(out, 0, h0);
  putWord(out, 4, h1);
  putWord(out, 8, h2);
  putWord(out, 12, h3);
  putWord(out, 16, h4);
  return out;
}

/** Writes `word` big-endian at `at` (no DataView: one object less per handshake). */
function putWord(out: Uint8Array, at: number, word: number): void {
  out[at] = word >>> 24;
  out[at + 1] = (word >>> 16) & 0xff;
  out[at + 2] = (word >>> 8) & 0xff;
  out[at + 3] = word & 0xff;
}
