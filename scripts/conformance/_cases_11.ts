/**
 * Category 11 (wirely's own, from field defects): messages before a protocol error or a close in
 * the same write, invalid UTF-8 detected inside one frame, fragments within the size limit, and
 * the HTTP request line and Host of the upgrade.
 *
 * @module
 */

import {
  answers,
  type CaseResult,
  type ConformanceCase,
  type Expectation,
  fails,
  runScenario,
  scenario,
  withPeer,
} from "./_case.ts";
import { binaryEcho, binaryPayload, mark, size, textEcho } from "./_payloads.ts";
import { closePayload, concat, OP, rawFrame, utf8 } from "./_wire.ts";
import type { Target } from "./target.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const A = utf8("first");
const B = utf8("second");

/** Messages, then a bad frame or a close, all in one write. */
function beforeTheEnd(): ConformanceCase[] {
  const answered = (
    id: string,
    what: string,
    bad: Uint8Array,
    code: number,
  ): ConformanceCase =>
    scenario(
      id,
      `Send two text messages, then ${what}, all in one write.`,
      `Both messages are echoed, then the target fails with ${code} (NON-STRICT: it fails first).`,
      (peer) => peer.send([rawFrame(OP.TEXT, A), rawFrame(OP.TEXT, B), bad], "one"),
      fails(code, [textEcho(A), textEcho(B)], []),
    );
  const reserved = rawFrame(OP.BINARY, utf8("r"));
  reserved[0] = 0x80 | 0x3;
  return [
    answered("11.1.1", "a frame with reserved opcode 3", reserved, 1002),
    answered("11.1.2", "a text frame with RSV1 set", rawFrame(OP.TEXT, A, { rsv: 4 }), 1002),
    answered("11.1.3", "a continuation frame with nothing to continue", rawFrame(0x0, A), 1002),
    answered(
      "11.1.4",
      "a text message that is not UTF-8",
      rawFrame(OP.TEXT, new Uint8Array([0x61, 0xff])),
      1007,
    ),
    scenario(
      "11.1.5",
      "Send a text message and a close frame (1000) in one write.",
      "The message is echoed, then the close is answered with 1000 (NON-STRICT: close first).",
      (peer) => peer.send([rawFrame(OP.TEXT, A), rawFrame(OP.CLOSE, closePayload(1000))], "one"),
      {
        ...answers(textEcho(A)),
        nonStrict: [],
        notes: { ok: "echoed before the close", nonStrict: "close handled before the message" },
      },
    ),
  ];
}

/** A 64 KiB text frame whose payload is sent in `parts`, pausing after each but the last. */
function insideOneFrame(): ConformanceCase[] {
  const length = 64 * KiB;
  const inFrame = (
    id: string,
    description: string,
    parts: Uint8Array[],
    expect: Expectation,
  ): ConformanceCase =>
    scenario(
      id,
      description,
      "The target fails with 1007 as soon as the invalid byte arrives (NON-STRICT: only when the frame is complete).",
      async (peer) => {
        const sent = parts.reduce((sum, part) => sum + part.length, 0);
        const rest = new Uint8Array(length - sent).fill(0x61);
        const frame = rawFrame(OP.TEXT, concat([...parts, rest]));
        const headerLength = frame.length - length;
        let offset = headerLength;
        for (let i = 0; i < parts.length; i++) {
          const end = offset + parts[i]!.length;
          await peer.send(frame.subarray(i === 0 ? 0 : offset, end));
          offset = end;
          if (!(await peer.pause(`part ${i + 1}`))) return;
        }
        await peer.send(frame.subarray(offset));
      },
      {
        ...expect,
        notes: { ok: "fail-fast inside the frame", nonStrict: "failed at the end of the frame" },
      },
    );
  return [
    inFrame(
      "11.2.1",
      `Send the header of a ${size(length)} text frame and "ok" + FF, pause, then the rest.`,
      [concat([utf8("ok"), new Uint8Array([0xff])])],
      fails(1007, [], [mark("part 1")]),
    ),
    inFrame(
      "11.2.2",
      `Send a ${
        size(length)
      } text frame in pieces: "ok" + F4 (a valid prefix), pause, 90 (now invalid), pause, the rest.`,
      [concat([utf8("ok"), new Uint8Array([0xf4])]), new Uint8Array([0x90])],
      fails(1007, [mark("part 1")], [mark("part 1"), mark("part 2")]),
    ),
  ];
}

/** Fragments of 256 bytes within the size limit, and a flood of empty fragments. */
function fragmentCounts(): ConformanceCase[] {
  const FLOOD = 200_000;
  return [
    {
      id: "11.3.1",
      description:
        "Send a binary message of 4 MiB (or the target's size limit) in 256-byte fragments.",
      expectation:
        "The message is echoed: a frame-count limit must not refuse fragments of 256 bytes within the size limit.",
      run: (target, options) =>
        withPeer(target, options, (peer): Promise<CaseResult> => {
          const length = Math.min(4 * MiB, target.limits.maxMessageSize ?? 4 * MiB);
          const payload = binaryPayload(length);
          const frames: Uint8Array[] = [];
          for (let at = 0; at < length; at += 256) {
            const opcode = at === 0 ? OP.BINARY : 0x0;
            frames.push(
              rawFrame(opcode, payload.subarray(at, at + 256), { fin: at + 256 >= length }),
            );
          }
          return runScenario(peer, (p) => p.send(frames, "one"), answers(binaryEcho(payload)));
        }),
    },
    scenario(
      "11.3.2",
      `Send a binary message of ${FLOOD} empty fragments (a flood), in one write.`,
      "A target with a frame-count limit fails with 1009 (or 1008); one without echoes an empty message (INFORMATIONAL).",
      (peer) => {
        const frames: Uint8Array[] = [rawFrame(OP.BINARY, new Uint8Array(0), { fin: false })];
        for (let i = 1; i < FLOOD; i++) {
          frames.push(rawFrame(0x0, new Uint8Array(0), { fin: i === FLOOD - 1 }));
        }
        return peer.send(frames, "one");
      },
      (limits) =>
        limits.maxFramesPerMessage !== undefined && limits.maxFramesPerMessage < FLOOD
          ? fails([1008, 1009])
          : { ...answers(binaryEcho(new Uint8Array(0))), informational: true },
    ),
  ];
}

/** A valid upgrade request head with `line` as its request line and `host` as its Host. */
function head(line: string, host: string): string {
  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  return `${line}\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
}

/** An upgrade request the target must refuse with 400 (or another 4xx/505, NON-STRICT). */
function refusedRequest(
  id: string,
  description: string,
  build: (host: string) => string,
): ConformanceCase {
  return {
    id,
    description,
    expectation: "The target refuses the upgrade with 400 (NON-STRICT: another 4xx or 505).",
    run: async (target: Target): Promise<CaseResult> => {
      if (target.request === undefined || target.host === undefined) {
        return { verdict: "INFORMATIONAL", detail: "the target has no HTTP handshake" };
      }
      const status = await target.request(build(target.host));
      const code = Number(/^HTTP\/1\.[01] (\d{3})/.exec(status)?.[1] ?? 0);
      if (code === 400) return { verdict: "OK", detail: status };
      if ((code > 400 && code < 500) || code === 505) {
        return { verdict: "NON-STRICT", detail: status };
      }
      return { verdict: "FAILED", detail: `expected a refusal, got "${status}"` };
    },
  };
}

function requestLine(): ConformanceCase[] {
  return [
    refusedRequest(
      "11.4.1",
      "Send a valid upgrade request over HTTP/1.0.",
      (host) => head("GET / HTTP/1.0", host),
    ),
    refusedRequest(
      "11.4.2",
      "Send an upgrade request with the request target *.",
      (host) => head("GET * HTTP/1.1", host),
    ),
    refusedRequest(
      "11.4.3",
      "Send an upgrade request whose Host header holds a space.",
      (host) => head("GET / HTTP/1.1", `exa mple.com ${host}`),
    ),
  ];
}

/** Cases of category 11. */
export function casesEleven(): ConformanceCase[] {
  return [...beforeTheEnd(), ...insideOneFrame(), ...fragmentCounts(), ...requestLine()];
}
