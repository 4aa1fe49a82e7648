/**
 * Categories 1-4: framing (payload lengths), pings and pongs, reserved bits, reserved opcodes.
 *
 * @module
 */

import { answers, type ConformanceCase, fails, scenario } from "./_case.ts";
import { binaryEcho, binaryPayload, pongOf, textEcho, textPayload } from "./_payloads.ts";
import type { Chop, Peer } from "./_peer.ts";
import { closePayload, hex, OP, rawFrame, utf8 } from "./_wire.ts";

const HELLO = utf8("Hello, world!");
const CHOP_NAMES: Record<string, string> = {
  one: "all in one write",
  frame: "one write per frame",
  "1": "one byte per write",
};

function chopName(chop: Chop): string {
  return CHOP_NAMES[String(chop)] ?? `${chop}-byte writes`;
}

function framing(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  const lengths = [0, 125, 126, 127, 128, 65535, 65536];
  for (const [group, binary] of [[1, false], [2, true]] as const) {
    const kind = binary ? "binary" : "text";
    const opcode = binary ? OP.BINARY : OP.TEXT;
    const payloadOf = binary ? binaryPayload : textPayload;
    const echo = binary ? binaryEcho : textEcho;
    lengths.forEach((length, i) => {
      cases.push(scenario(
        `1.${group}.${i + 1}`,
        `Send a ${kind} message with a ${length}-byte payload.`,
        `The ${kind} message is echoed.`,
        (peer) => peer.send(rawFrame(opcode, payloadOf(length))),
        answers(echo(payloadOf(length))),
      ));
    });
    cases.push(scenario(
      `1.${group}.8`,
      `Send a ${kind} message with a 65536-byte payload in 997-byte writes.`,
      `The ${kind} message is echoed.`,
      (peer) => peer.send(rawFrame(opcode, payloadOf(65536)), 997),
      answers(echo(payloadOf(65536))),
    ));
  }
  return cases;
}

function pings(): ConformanceCase[] {
  const small = hex("00 ff fe fd fc fb 00 ff");
  const full = new Uint8Array(125).fill(0xfe);
  const tenPings = (chop: Chop) => (peer: Peer) =>
    peer.send(
      Array.from({ length: 10 }, (_, i) => rawFrame(OP.PING, utf8(`ping number ${i}`))),
      chop,
    );
  const tenPongs = Array.from({ length: 10 }, (_, i) => pongOf(`ping number ${i}`));
  return [
    scenario(
      "2.1",
      "Send a ping without payload.",
      "A pong without payload.",
      (peer) => peer.send(rawFrame(OP.PING)),
      answers(pongOf(new Uint8Array(0))),
    ),
    scenario(
      "2.2",
      "Send a ping with a small text payload.",
      "A pong with the same payload.",
      (peer) => peer.send(rawFrame(OP.PING, HELLO)),
      answers(pongOf(HELLO)),
    ),
    scenario(
      "2.3",
      "Send a ping with a small binary payload.",
      "A pong with the same payload.",
      (peer) => peer.send(rawFrame(OP.PING, small)),
      answers(pongOf(small)),
    ),
    scenario(
      "2.4",
      "Send a ping with a 125-byte payload (the largest allowed).",
      "A pong with the same payload.",
      (peer) => peer.send(rawFrame(OP.PING, full)),
      answers(pongOf(full)),
    ),
    scenario(
      "2.5",
      "Send a ping with a 126-byte payload (control frames may carry at most 125).",
      "The target fails the connection with 1002 and sends no pong.",
      (peer) => peer.send(rawFrame(OP.PING, new Uint8Array(126).fill(0xfe))),
      fails(1002),
    ),
    scenario(
      "2.6",
      "Send a ping with a 125-byte payload, one byte per write.",
      "A pong with the same payload.",
      (peer) => peer.send(rawFrame(OP.PING, full), 1),
      answers(pongOf(full)),
    ),
    scenario(
      "2.7",
      "Send an unsolicited pong without payload.",
      "Nothing: an unsolicited pong is ignored.",
      (peer) => peer.send(rawFrame(OP.PONG)),
      answers(),
    ),
    scenario(
      "2.8",
      "Send an unsolicited pong with a payload.",
      "Nothing: an unsolicited pong is ignored.",
      (peer) => peer.send(rawFrame(OP.PONG, utf8("unsolicited pong payload"))),
      answers(),
    ),
    scenario(
      "2.9",
      "Send an unsolicited pong with a payload, then a ping with a payload.",
      "A pong for the ping only.",
      (peer) =>
        peer.send([
          rawFrame(OP.PONG, utf8("unsolicited pong payload")),
          rawFrame(OP.PING, utf8("ping payload")),
        ]),
      answers(pongOf("ping payload")),
    ),
    ...(["frame", 1] as const).map((chop, i) =>
      scenario(
        `2.${10 + i}`,
        `Send 10 pings with distinct payloads, ${chopName(chop)}.`,
        "Ten pongs with the same payloads (NON-STRICT: only the most recent one, which RFC 6455 5.5.3 allows).",
        tenPings(chop),
        {
          ...answers(...tenPongs),
          nonStrict: [tenPongs[9]!],
          notes: { ok: "answered every ping", nonStrict: "answered only the most recent ping" },
        },
      )
    ),
  ];
}

function reservedBits(): ConformanceCase[] {
  const withEcho = (id: string, rsv: number, chop: Chop) =>
    scenario(
      id,
      `Send a small text message, then one with RSV = ${rsv}, then a ping, ${chopName(chop)}.`,
      "The first message is echoed, then the target fails with 1002 and sends no pong.",
      (peer) =>
        peer.send(
          [rawFrame(OP.TEXT, HELLO), rawFrame(OP.TEXT, HELLO, { rsv }), rawFrame(OP.PING)],
          chop,
        ),
      fails(1002, [textEcho(HELLO)], []),
    );
  return [
    scenario(
      "3.1",
      "Send a small text message with RSV = 1 (no extension was negotiated).",
      "The target fails the connection with 1002.",
      (peer) => peer.send(rawFrame(OP.TEXT, HELLO, { rsv: 1 })),
      fails(1002),
    ),
    withEcho("3.2", 2, "one"),
    withEcho("3.3", 3, "frame"),
    withEcho("3.4", 4, 1),
    scenario(
      "3.5",
      "Send a small binary message with RSV = 5.",
      "The target fails the connection with 1002.",
      (peer) => peer.send(rawFrame(OP.BINARY, hex("00 ff fe fd fc fb 00 ff"), { rsv: 5 })),
      fails(1002),
    ),
    scenario(
      "3.6",
      "Send a ping with RSV = 6.",
      "The target fails the connection with 1002 and sends no pong.",
      (peer) => peer.send(rawFrame(OP.PING, HELLO, { rsv: 6 })),
      fails(1002),
    ),
    scenario(
      "3.7",
      "Send a close frame (1000) with RSV = 7.",
      "The target answers with 1002 (not 1000): the frame itself is invalid.",
      (peer) => peer.send(rawFrame(OP.CLOSE, closePayload(1000), { rsv: 7 })),
      { ok: [], closer: "either", codes: [1002] },
    ),
  ];
}

function reservedOpcodes(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const [group, first] of [[1, 3], [2, 11]] as const) {
    const kind = group === 1 ? "non-control" : "control";
    const payload = utf8("reserved opcode payload");
    cases.push(
      scenario(
        `4.${group}.1`,
        `Send a frame with reserved ${kind} opcode ${first} and no payload.`,
        "The target fails the connection with 1002.",
        (peer) => peer.send(rawFrame(first)),
        fails(1002),
      ),
      scenario(
        `4.${group}.2`,
        `Send a frame with reserved ${kind} opcode ${first + 1} and a payload.`,
        "The target fails the connection with 1002.",
        (peer) => peer.send(rawFrame(first + 1, payload)),
        fails(1002),
      ),
    );
    ([[first + 2, false, "one"], [first + 3, true, "frame"], [first + 4, true, 1]] as const)
      .forEach(([opcode, withPayload, chop], i) => {
        cases.push(scenario(
          `4.${group}.${i + 3}`,
          `Send a small text message, a frame with reserved opcode ${opcode}${
            withPayload ? " and a payload" : ""
          }, then a ping, ${chopName(chop)}.`,
          "The message is echoed, then the target fails with 1002 and sends no pong.",
          (peer) =>
            peer.send([
              rawFrame(OP.TEXT, HELLO),
              rawFrame(opcode, withPayload ? payload : new Uint8Array(0)),
              rawFrame(OP.PING),
            ], chop),
          fails(1002, [textEcho(HELLO)], []),
        ));
      });
  }
  return cases;
}

/** Cases of categories 1-4. */
export function casesOneToFour(): ConformanceCase[] {
  return [...framing(), ...pings(), ...reservedBits(), ...reservedOpcodes()];
}

export { chopName };
