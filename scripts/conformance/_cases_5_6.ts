/**
 * Categories 5 (fragmentation) and 6 (UTF-8 handling, including fail-fast detection).
 *
 * @module
 */

import { answers, type ConformanceCase, type Expectation, fails, scenario } from "./_case.ts";
import { chopName } from "./_cases_1_4.ts";
import { mark, pongOf, textEcho } from "./_payloads.ts";
import type { Chop, Peer } from "./_peer.ts";
import { isValidUtf8, KOSME, utf8Groups } from "./_utf8_samples.ts";
import { concat, hex, OP, rawFrame, utf8 } from "./_wire.ts";

const F = ["fragment1", "fragment2", "fragment3", "fragment4", "fragment5"].map(utf8);
const CHOPS: readonly Chop[] = ["one", "frame", 1];

function text(payload: Uint8Array, fin = true): Uint8Array {
  return rawFrame(OP.TEXT, payload, { fin });
}

function cont(payload: Uint8Array, fin = true): Uint8Array {
  return rawFrame(OP.CONTINUATION, payload, { fin });
}

function fragmentation(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const [id, opcode, name] of [["5.1", OP.PING, "ping"], ["5.2", OP.PONG, "pong"]] as const) {
    cases.push(scenario(
      id,
      `Send a ${name} in two fragments (control frames must not be fragmented).`,
      "The target fails the connection with 1002.",
      (peer) =>
        peer.send([rawFrame(opcode, utf8("fragment1"), { fin: false }), cont(utf8("fragment2"))]),
      fails(1002),
    ));
  }
  const groups: [number, string, (chop: Chop) => (peer: Peer) => Promise<void>, Expectation][] = [
    [
      3,
      "Send a text message in two fragments",
      (chop) => (peer) => peer.send([text(F[0]!, false), cont(F[1]!)], chop),
      answers(textEcho(concat([F[0]!, F[1]!]))),
    ],
    [
      6,
      "Send a text message in two fragments with a ping between them",
      (chop) => (peer) =>
        peer.send([text(F[0]!, false), rawFrame(OP.PING, utf8("ping payload")), cont(F[1]!)], chop),
      answers(pongOf("ping payload"), textEcho(concat([F[0]!, F[1]!]))),
    ],
    [
      9,
      "Send a final continuation frame with nothing to continue, then a text message",
      (chop) => (peer) => peer.send([cont(F[0]!), text(utf8("Hello, world!"))], chop),
      fails(1002),
    ],
    [
      12,
      "Send a non-final continuation frame with nothing to continue, then a text message",
      (chop) => (peer) => peer.send([cont(F[0]!, false), text(utf8("Hello, world!"))], chop),
      fails(1002),
    ],
  ];
  for (const [first, description, script, expect] of groups) {
    CHOPS.forEach((chop, i) => {
      cases.push(scenario(
        `5.${first + i}`,
        `${description}, ${chopName(chop)}.`,
        expect.closer === "target"
          ? "The target fails the connection with 1002: there is no message to continue."
          : "The message is echoed (and the ping answered at once).",
        script(chop),
        expect,
      ));
    });
  }
  cases.push(
    scenario(
      "5.15",
      "Send a text message in two fragments, then a non-final continuation frame with nothing to continue, then a text message.",
      "The first message is echoed, then the target fails with 1002.",
      (peer) => peer.send([text(F[0]!, false), cont(F[1]!), cont(F[2]!, false), text(F[3]!)]),
      fails(1002, [textEcho(concat([F[0]!, F[1]!]))], []),
    ),
    ...([[16, false], [17, true]] as const).map(([n, fin]) =>
      scenario(
        `5.${n}`,
        `Twice: a ${
          fin ? "final" : "non-final"
        } continuation frame with nothing to continue, then a text message in two fragments.`,
        "The target fails the connection with 1002 at the first frame.",
        (peer) => {
          const round = [cont(F[0]!, fin), text(F[1]!, false), cont(F[2]!)];
          return peer.send([...round, ...round]);
        },
        fails(1002),
      )
    ),
    scenario(
      "5.18",
      "Send a text message in two fragments whose second fragment has the text opcode too.",
      "The target fails the connection with 1002.",
      (peer) => peer.send([text(F[0]!, false), text(F[1]!)]),
      fails(1002),
    ),
    ...([["5.19", "frame"], ["5.20", 1]] as const).map(([id, chop]) =>
      scenario(
        id,
        `Send a text message in five fragments with a ping after the second and the fourth, waiting for the first pong before going on, ${
          chopName(chop)
        }.`,
        "Each ping is answered while the message is still incomplete, then the message is echoed.",
        async (peer) => {
          await peer.send([
            text(F[0]!, false),
            cont(F[1]!, false),
            rawFrame(OP.PING, utf8("ping 1")),
          ], chop);
          await peer.waitForEvents(1);
          await peer.send(
            [
              cont(F[2]!, false),
              cont(F[3]!, false),
              rawFrame(OP.PING, utf8("ping 2")),
              cont(F[4]!),
            ],
            chop,
          );
        },
        answers(pongOf("ping 1"), pongOf("ping 2"), textEcho(concat(F))),
      )
    ),
  );
  return cases;
}

/** One text message, either echoed (valid) or failed with 1007 (invalid). */
function utf8Message(id: string, payload: Uint8Array, fragmentSize?: number): ConformanceCase {
  const valid = isValidUtf8(payload);
  const hexText = [...payload.slice(0, 24)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  const shown = payload.length > 24 ? `${hexText} ...` : hexText;
  const how = fragmentSize === undefined ? "in one frame" : `in ${fragmentSize}-byte fragments`;
  return scenario(
    id,
    `Send a text message with ${valid ? "valid" : "invalid"} UTF-8 ${how}: ${shown || "(empty)"}.`,
    valid ? "The message is echoed." : "The target fails the connection with 1007.",
    (peer) => {
      if (fragmentSize === undefined) return peer.send(text(payload));
      const frames: Uint8Array[] = [];
      for (let i = 0; i < payload.length; i += fragmentSize) {
        const fin = i + fragmentSize >= payload.length;
        const part = payload.subarray(i, i + fragmentSize);
        frames.push(i === 0 ? text(part, fin) : cont(part, fin));
      }
      return peer.send(frames);
    },
    valid ? answers(textEcho(payload)) : fails(1007),
  );
}

function failFast(id: string, parts: Uint8Array[], asFrames: boolean): ConformanceCase {
  const where = asFrames ? "three fragments" : "three writes of one frame";
  return scenario(
    id,
    `Send invalid UTF-8 text in ${where}, pausing after each; the second part makes it invalid.`,
    "The target fails with 1007 right after the second part (OK: fail-fast) or only at the end of the message (NON-STRICT).",
    async (peer) => {
      const frames = asFrames
        ? [text(parts[0]!, false), cont(parts[1]!, false), cont(parts[2]!)]
        : splitFrame(text(concat(parts)), parts.map((part) => part.length));
      for (let i = 0; i < frames.length; i++) {
        await peer.send(frames[i]!);
        if (i < 2 && !(await peer.pause(i === 0 ? "A" : "B"))) return;
      }
    },
    {
      ...fails(1007, [mark("A")], [mark("A"), mark("B")]),
      notes: { ok: "fail-fast", nonStrict: "failed only at the end of the message" },
    },
  );
}

/** Cuts a frame into writes: the header with the first payload part, then the other parts. */
function splitFrame(frame: Uint8Array, partLengths: number[]): Uint8Array[] {
  const total = partLengths.reduce((a, b) => a + b, 0);
  let offset = frame.length - total + partLengths[0]!;
  const out = [frame.subarray(0, offset)];
  for (const length of partLengths.slice(1)) {
    out.push(frame.subarray(offset, offset + length));
    offset += length;
  }
  return out;
}

function utf8Handling(): ConformanceCase[] {
  const hello = utf8("Hello-\u00b5@\u00df\u00f6\u00e4\u00fc\u00e0\u00e1-UTF-8!!");
  const invalid = concat([KOSME, hex("ed a0 80"), utf8("edited")]);
  const beyond = concat([KOSME, hex("f4 90 80 80"), utf8("edited")]);
  const cases: ConformanceCase[] = [
    scenario(
      "6.1.1",
      "Send an empty text message.",
      "The empty message is echoed.",
      (peer) => peer.send(text(new Uint8Array(0))),
      answers(textEcho("")),
    ),
    scenario(
      "6.1.2",
      "Send a text message made of three empty fragments.",
      "The empty message is echoed.",
      (peer) =>
        peer.send([
          text(new Uint8Array(0), false),
          cont(new Uint8Array(0), false),
          cont(new Uint8Array(0)),
        ]),
      answers(textEcho("")),
    ),
    scenario(
      "6.1.3",
      "Send a text message of three fragments: empty, non-empty, empty.",
      "The message is echoed.",
      (peer) =>
        peer.send([
          text(new Uint8Array(0), false),
          cont(utf8("middle frame payload"), false),
          cont(new Uint8Array(0)),
        ]),
      answers(textEcho("middle frame payload")),
    ),
    utf8Message("6.2.1", hello),
    scenario(
      "6.2.2",
      "Send valid UTF-8 text in two fragments split between code points.",
      "The message is echoed.",
      (peer) => peer.send([text(hello.subarray(0, 8), false), cont(hello.subarray(8))]),
      answers(textEcho(hello)),
    ),
    utf8Message("6.2.3", hello, 1),
    utf8Message("6.2.4", KOSME, 1),
    utf8Message("6.3.1", invalid),
    utf8Message("6.3.2", invalid, 1),
    failFast("6.4.1", [KOSME, beyond.subarray(11, 15), utf8("edited")], true),
    failFast("6.4.2", [beyond.subarray(0, 12), beyond.subarray(12, 13), beyond.subarray(13)], true),
    failFast("6.4.3", [KOSME, beyond.subarray(11, 15), utf8("edited")], false),
    failFast(
      "6.4.4",
      [beyond.subarray(0, 12), beyond.subarray(12, 13), beyond.subarray(13)],
      false,
    ),
  ];
  utf8Groups().forEach((group, g) => {
    group.samples.forEach((sample, s) => {
      const item = utf8Message(`6.${g + 5}.${s + 1}`, sample);
      cases.push({ ...item, description: `${group.title}. ${item.description}` });
    });
  });
  return cases;
}

/** Cases of categories 5 and 6. */
export function casesFiveAndSix(): ConformanceCase[] {
  return [...fragmentation(), ...utf8Handling()];
}
