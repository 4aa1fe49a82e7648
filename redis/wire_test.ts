// The backplane's message format: round trips, and everything that is not one of its messages
// decodes to `undefined` (never a throw), so a stray publisher cannot crash a server.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeMessage, encodeAnswer, encodeEnvelope, encodeQuery } from "./_wire.ts";

describe("backplane wire format", () => {
  it("round-trips broadcasts, count queries and answers", () => {
    const envelope = {
      source: "a",
      rooms: ["r1", "r#2"],
      exceptRooms: ["x"],
      binary: true,
      payload: new Uint8Array([0, 255, 7]),
      protocol: "",
    };
    assert.deepEqual(decodeMessage(encodeEnvelope(envelope)), { kind: "broadcast", ...envelope });
    const text = { ...envelope, binary: false, payload: new TextEncoder().encode("héllo") };
    delete (text as { protocol?: string }).protocol;
    assert.deepEqual(decodeMessage(encodeEnvelope(text)), { kind: "broadcast", ...text });
    assert.deepEqual(decodeMessage(encodeQuery("b", 3, "lobby")), {
      kind: "count",
      source: "b",
      query: 3,
      room: "lobby",
    });
    assert.deepEqual(decodeMessage(encodeQuery("b", 4, undefined)), {
      kind: "count",
      source: "b",
      query: 4,
      room: undefined,
    });
    assert.deepEqual(decodeMessage(encodeAnswer("c", 3, 12)), {
      kind: "answer",
      source: "c",
      query: 3,
      members: 12,
    });
  });

  it("decodes anything else to undefined", () => {
    const good = encodeEnvelope({
      source: "a",
      rooms: [],
      exceptRooms: [],
      binary: false,
      payload: new TextEncoder().encode("hi"),
    });
    const withByte = (index: number, value: number): Uint8Array => {
      const copy = good.slice();
      copy[index] = value;
      return copy;
    };
    const invalidText = new Uint8Array([...good.subarray(0, good.length - 2), 0xc3, 0x28]);
    const header = (json: string, kind = 0): Uint8Array => {
      const bytes = new TextEncoder().encode(json);
      const out = new Uint8Array(6 + bytes.length);
      out.set([1, kind]);
      new DataView(out.buffer).setUint32(2, bytes.length);
      out.set(bytes, 6);
      return out;
    };
    for (
      const bad of [
        new Uint8Array(),
        new TextEncoder().encode("hello"),
        withByte(0, 2), // another version
        withByte(1, 9), // unknown kind
        withByte(5, 200), // header longer than the message
        invalidText,
        header("not json"),
        header("null"),
        header('{"s":1,"r":[],"x":[],"b":0}'),
        header('{"s":"a","r":[1],"x":[],"b":0}'),
        header('{"s":"a","r":[],"x":[],"b":2}'),
        header('{"s":"a","r":[],"x":[],"b":0,"p":5}'),
        header('{"s":"a","q":-1}', 1),
        header('{"s":"a","q":1,"r":5}', 1),
        header('{"s":"a","q":1,"n":1.5}', 2),
      ]
    ) {
      assert.equal(decodeMessage(bad), undefined, `${bad}`);
    }
  });
});
