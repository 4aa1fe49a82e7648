/**
 * Category 7: the closing handshake, close codes and close payloads.
 *
 * @module
 */

import { answers, type ConformanceCase, scenario } from "./_case.ts";
import { textEcho, textPayload } from "./_payloads.ts";
import { KOSME } from "./_utf8_samples.ts";
import { closePayload, concat, hex, OP, rawFrame, utf8 } from "./_wire.ts";

const HELLO = utf8("Hello World!");

function closeFrame(code?: number, reason: Uint8Array | string = ""): Uint8Array {
  return rawFrame(OP.CLOSE, closePayload(code, reason));
}

function basics(): ConformanceCase[] {
  return [
    scenario(
      "7.1.1",
      "Send a text message, then a close frame (1000).",
      "The message is echoed, then the close is answered with 1000.",
      (peer) => peer.send([rawFrame(OP.TEXT, HELLO), closeFrame(1000)]),
      answers(textEcho(HELLO)),
    ),
    scenario(
      "7.1.2",
      "Send two close frames.",
      "One close frame in answer (1000); the second close is ignored.",
      (peer) => peer.send([closeFrame(1000), closeFrame(1000)]),
      answers(),
    ),
    scenario(
      "7.1.3",
      "Send a close frame, then a ping.",
      "The close is answered; the ping after it is not.",
      (peer) => peer.send([closeFrame(1000), rawFrame(OP.PING, utf8("late ping"))]),
      answers(),
    ),
    scenario(
      "7.1.4",
      "Send a close frame, then a text message.",
      "The close is answered; the message after it is not echoed.",
      (peer) => peer.send([closeFrame(1000), rawFrame(OP.TEXT, HELLO)]),
      answers(),
    ),
    scenario(
      "7.1.5",
      "Send the first fragment of a text message, a close frame, then the last fragment.",
      "The close is answered; the unfinished message is never echoed.",
      (peer) =>
        peer.send([
          rawFrame(OP.TEXT, utf8("fragment1"), { fin: false }),
          closeFrame(1000),
          rawFrame(OP.CONTINUATION, utf8("fragment2")),
        ]),
      answers(),
    ),
    scenario(
      "7.1.6",
      "Send a 256 KiB text message, a small text message, a close frame and a ping, back to back.",
      "Implementation defined: both echoes before the close answer, or the close handled first.",
      (peer) =>
        peer.send(
          [
            rawFrame(OP.TEXT, textPayload(256 * 1024)),
            rawFrame(OP.TEXT, HELLO),
            closeFrame(1000),
            rawFrame(OP.PING),
          ],
          "one",
        ),
      {
        ...answers(textEcho(textPayload(256 * 1024)), textEcho(HELLO)),
        nonStrict: [],
        informational: true,
        notes: {
          ok: "both messages echoed before the close",
          nonStrict: "close handled before the messages",
        },
      },
    ),
  ];
}

function payloads(): ConformanceCase[] {
  const reason123 = textPayload(123);
  const reason124 = textPayload(124);
  return [
    scenario(
      "7.3.1",
      "Send a close frame with an empty payload.",
      "The close is answered with 1000 or an empty close frame.",
      (peer) => peer.send(closeFrame()),
      answers(),
    ),
    scenario(
      "7.3.2",
      "Send a close frame with a 1-byte payload.",
      "The target answers with 1002 (or drops the connection).",
      (peer) => peer.send(rawFrame(OP.CLOSE, hex("03"))),
      { ok: [], closer: "suite", codes: [1002], clean: false },
    ),
    scenario(
      "7.3.3",
      "Send a close frame with code 1000 and no reason.",
      "The close is answered with 1000.",
      (peer) => peer.send(closeFrame(1000)),
      answers(),
    ),
    scenario(
      "7.3.4",
      "Send a close frame with code 1000 and a reason.",
      "The close is answered with 1000.",
      (peer) => peer.send(closeFrame(1000, HELLO)),
      answers(),
    ),
    scenario(
      "7.3.5",
      "Send a close frame with code 1000 and a 123-byte reason (a 125-byte payload, the most allowed).",
      "The close is answered with 1000.",
      (peer) => peer.send(closeFrame(1000, reason123)),
      answers(),
    ),
    scenario(
      "7.3.6",
      "Send a close frame with code 1000 and a 124-byte reason (a 126-byte control frame).",
      "The target answers with 1002 (or drops the connection).",
      (peer) => peer.send(closeFrame(1000, reason124)),
      { ok: [], closer: "suite", codes: [1002], clean: false },
    ),
    scenario(
      "7.5.1",
      "Send a close frame with code 1000 and a reason that is not valid UTF-8.",
      "The target answers with 1007 or 1002 (or drops the connection).",
      (peer) => peer.send(closeFrame(1000, concat([KOSME, hex("ed a0 80"), utf8("edited")]))),
      { ok: [], closer: "suite", codes: [1007, 1002], clean: false },
    ),
  ];
}

function codes(): ConformanceCase[] {
  const valid = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999];
  const invalid = [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999];
  return [
    ...valid.map((code, i) =>
      scenario(
        `7.7.${i + 1}`,
        `Send a close frame with the valid code ${code}.`,
        `The close is answered with 1000 or ${code}.`,
        (peer) => peer.send(closeFrame(code)),
        { ok: [], closer: "suite", codes: [1000, code] },
      )
    ),
    ...invalid.map((code, i) =>
      scenario(
        `7.9.${i + 1}`,
        `Send a close frame with code ${code}, which may not appear on the wire.`,
        "The target answers with 1002 (or drops the connection).",
        (peer) => peer.send(closeFrame(code)),
        { ok: [], closer: "suite", codes: [1002], clean: false },
      )
    ),
    ...[5000, 65535].map((code, i) =>
      scenario(
        `7.13.${i + 1}`,
        `Send a close frame with code ${code} (outside every range RFC 6455 defines).`,
        "Not defined by the RFC (1002 is usual); recorded.",
        (peer) => peer.send(closeFrame(code)),
        { ok: [], closer: "suite", codes: [1002], clean: false, informational: true },
      )
    ),
  ];
}

/** Cases of category 7. */
export function casesSeven(): ConformanceCase[] {
  return [...basics(), ...payloads(), ...codes()];
}
