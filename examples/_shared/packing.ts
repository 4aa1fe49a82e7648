// This module is browser compatible.
/**
 * Binary messages with a small JSON header, for the image and voice apps (no base64): a 4-byte
 * big-endian header length, the header as UTF-8 JSON, then the payload bytes.
 *
 * @module
 */

/** Header length + JSON header + bytes, in one buffer. */
export function pack(header: object, bytes: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const packed = new Uint8Array(4 + json.length + bytes.length);
  new DataView(packed.buffer).setUint32(0, json.length);
  packed.set(json, 4);
  packed.set(bytes, 4 + json.length);
  return packed;
}

/** Splits a packed message (a view, no copy); `undefined` when the framing or JSON is broken. */
export function unpack(
  data: Uint8Array,
  maxHeaderBytes: number,
): { header: Record<string, unknown>; bytes: Uint8Array } | undefined {
  if (data.length < 4) return undefined;
  const length = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0);
  if (length > maxHeaderBytes || 4 + length > data.length) return undefined;
  try {
    const header = JSON.parse(new TextDecoder().decode(data.subarray(4, 4 + length)));
    if (typeof header !== "object" || header === null || Array.isArray(header)) return undefined;
    return { header, bytes: data.subarray(4 + length) };
  } catch {
    return undefined;
  }
}
