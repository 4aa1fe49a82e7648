// The backplane's message format: round trips, and everything that is not one of its messages
// decodes to `undefined` (never a throw), so a stray publisher cannot crash a server.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { PreparedMessage } from "../server/prepared_message.ts";
import {
  decodeMessage,
  encodeAnswer,
  encodeEnvelope,
  encodeEnvelopes,
  encodeQuery,
  sameRouting,
} from "./_wire.ts";

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
    // The body is the message framed once (by the publishing server, or here without a frame).
    const frame = new Uint8Array([0x82, 3, 0, 255, 7]);
    assert.deepEqual(decodeMessage(encodeEnvelope(envelope)), {
      kind: "broadcast",
      ...envelope,
      frame,
    });
    const text = { ...envelope, binary: false, payload: new TextEncoder().encode("héllo") };
    delete (text as { protocol?: string }).protocol;
    const textFrame = new PreparedMessage("héllo").bytes;
    const decoded = decodeMessage(encodeEnvelope({ ...text, frame: textFrame }));
    assert.deepEqual(decoded, { kind: "broadcast", ...text, frame: textFrame });
    // The payload is a view of the frame: a receiving server writes the frame as it is.
    assert.ok(decoded?.kind === "broadcast" && decoded.payload.buffer === decoded.frame?.buffer);
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

  it("carries consecutive broadcasts with the same routing as one message (kind 3)", () => {
    const text = (value: string) => new TextEncoder().encode(value);
    const base = { source: "a", rooms: ["r"], exceptRooms: ["x"], binary: false };
    const envelopes = ["one", "", "thrée"].map((value) => ({ ...base, payload: text(value) }));
    const bytes = encodeEnvelopes(envelopes);
    assert.equal(bytes[1], 3);
    const frames = ["one", "", "thrée"].map((value) => new PreparedMessage(value).bytes);
    assert.deepEqual(decodeMessage(bytes), {
      kind: "broadcasts",
      envelope: { ...base, payload: text("one"), frame: frames[0] },
      payloads: envelopes.map((envelope) => envelope.payload),
      frames,
    });
    // One envelope: the plain broadcast (kind 0).
    assert.deepEqual(decodeMessage(encodeEnvelopes(envelopes.slice(0, 1))), {
      kind: "broadcast",
      ...envelopes[0],
      frame: frames[0],
    });
    assert.ok(sameRouting(envelopes[0]!, { ...base, rooms: ["r"], payload: text("other") }));
    for (
      const other of [
        { source: "b" },
        { rooms: ["r", "s"] },
        { rooms: ["s"] },
        { exceptRooms: [] },
        { binary: true },
        { protocol: "" },
      ]
    ) assert.ok(!sameRouting(envelopes[0]!, { ...envelopes[0]!, ...other }), JSON.stringify(other));
    // A truncated run, a run of one, a payload that is not UTF-8 in a text run: not ours.
    assert.equal(decodeMessage(bytes.subarray(0, bytes.length - 1)), undefined);
    const single = new Uint8Array([...encodeEnvelope(envelopes[0]!)]);
    single[1] = 3;
    assert.equal(decodeMessage(single), undefined);
    const invalid = encodeEnvelopes([envelopes[0]!, { ...base, payload: new Uint8Array([0xc3]) }]);
    assert.equal(decodeMessage(invalid), undefined);
    const binary = encodeEnvelopes([
      { ...base, binary: true, payload: new Uint8Array([0xc3]) },
      { ...base, binary: true, payload: new Uint8Array([0xff, 0]) },
    ]);
    const decoded = decodeMessage(binary);
    assert.equal(decoded?.kind === "broadcasts" && decoded.payloads.length, 2);
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
      out.set([2, kind]);
      new DataView(out.buffer).setUint32(2, bytes.length);
      out.set(bytes, 6);
      return out;
    };
    for (
      const bad of [
        new Uint8Array(),
        new TextEncoder().encode("hello"),
        withByte(0, 1), // another version (1 carried payloads, not frames)
        withByte(1, 9), // unknown kind
        withByte(5, 200), // header longer than the message
        invalidText,
        withByte(good.length - 4, 0x82), // a binary frame in a text broadcast
        withByte(good.length - 4, 0x01), // not a final frame
        withByte(good.length - 4, 0xc1), // compressed (RSV1)
        withByte(good.length - 3, 0x82), // masked
        withByte(good.length - 3, 3), // a frame longer than the message
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
