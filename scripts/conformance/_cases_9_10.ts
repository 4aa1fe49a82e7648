/**
 * Category 9 (limits and performance, scaled down to fit a CI minute) and category 10
 * (auto-fragmentation and wire-level oddities: limits at the byte, unmasked frames, lengths).
 *
 * Sizes above the target's known `maxMessageSize` turn into limit checks: the target must
 * refuse the message with 1009 (OK at the frame header, NON-STRICT after the whole payload).
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
  withPeer,
} from "./_case.ts";
import { binaryEcho, binaryPayload, mark, size, textEcho, textPayload } from "./_payloads.ts";
import type { Chop, Peer } from "./_peer.ts";
import { OP, rawFrame, rawHeader, utf8 } from "./_wire.ts";

/** Messages per round-trip case (9.7, 9.8); Autobahn sends 1000. */
const ROUND_TRIPS = 1000;
const KiB = 1024;
const MiB = 1024 * 1024;

interface MessagePlan {
  id: string;
  description: string;
  binary: boolean;
  length: number;
  /** Fragment size; `undefined` = one frame. */
  fragment?: number;
  /** How the frames are cut into writes. */
  chop?: Chop;
}

function framesOf(plan: MessagePlan, payload: Uint8Array): Uint8Array[] {
  const opcode = plan.binary ? OP.BINARY : OP.TEXT;
  const step = plan.fragment ?? Math.max(1, payload.length);
  const frames: Uint8Array[] = [];
  for (let i = 0; i === 0 || i < payload.length; i += step) {
    const fin = i + step >= payload.length;
    frames.push(
      rawFrame(i === 0 ? opcode : OP.CONTINUATION, payload.subarray(i, i + step), { fin }),
    );
  }
  return frames;
}

/** A message that is echoed when it fits the target's limits, refused with 1009 otherwise. */
function messageCase(plan: MessagePlan): ConformanceCase {
  const payloadOf = () => (plan.binary ? binaryPayload : textPayload)(plan.length);
  return {
    id: plan.id,
    description: plan.description,
    expectation: "The message is echoed (or refused with 1009 if it is over the target's limit).",
    run: (target, options) =>
      withPeer(target, options, async (peer): Promise<CaseResult> => {
        const { maxMessageSize, maxFramesPerMessage } = target.limits;
        const payload = payloadOf();
        const frames = framesOf(plan, payload);
        if (maxMessageSize !== undefined && plan.length > maxMessageSize) {
          if (frames.length === 1) return await overLimitFrame(peer, frames[0]!, plan.length);
          return await runScenario(peer, (p) => p.send(frames, plan.chop), fails(1009));
        }
        if (maxFramesPerMessage !== undefined && frames.length > maxFramesPerMessage) {
          return await runScenario(peer, (p) => p.send(frames, plan.chop), {
            ...fails([1008, 1009]),
            notes: { ok: `refused ${frames.length} frames (limit ${maxFramesPerMessage})` },
          });
        }
        const echo = plan.binary ? binaryEcho(payload) : textEcho(payload);
        const result = await runScenario(peer, (p) => p.send(frames, plan.chop), answers(echo));
        if (
          result.verdict === "FAILED" && maxMessageSize === undefined &&
          peer.closeReceived?.code === 1009 && peer.violations.length === 0
        ) {
          return { verdict: "INFORMATIONAL", detail: `refused ${size(plan.length)} with 1009` };
        }
        return result;
      }),
  };
}

/**
 * Sends the header and the first 64 KiB of a frame over the target's limit, pauses, and only
 * sends the rest if the target is still listening.
 */
async function overLimitFrame(peer: Peer, frame: Uint8Array, length: number): Promise<CaseResult> {
  const expect: Expectation = {
    ...fails(1009, [], [mark("header")]),
    notes: { ok: "refused at the frame header", nonStrict: "refused only after the whole payload" },
  };
  return await runScenario(peer, async (p) => {
    const cut = frame.length - length + Math.min(length, 64 * KiB);
    await p.send(frame.subarray(0, cut));
    if (await p.pause("header")) await p.send(frame.subarray(cut));
  }, expect);
}

function skipped(id: string, description: string, why: string): ConformanceCase {
  return {
    id,
    description,
    expectation: why,
    run: () => Promise.resolve({ verdict: "INFORMATIONAL", detail: `skipped: ${why}` }),
  };
}

function kindOf(binary: boolean): string {
  return binary ? "binary" : "text";
}

function limits(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  const sizes = [64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB, 8 * MiB, 16 * MiB];
  const fragments = [64, 256, KiB, 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, MiB, 4 * MiB];
  const chops = [64, 128, 256, 512, 1024, 2048];
  const both = [false, true] as const;
  for (const binary of both) {
    sizes.forEach((length, i) =>
      cases.push(messageCase({
        id: `9.${binary ? 2 : 1}.${i + 1}`,
        description: `Send a ${size(length)} ${kindOf(binary)} message in one frame.`,
        binary,
        length,
      }))
    );
  }
  for (const binary of both) {
    fragments.forEach((fragment, i) =>
      cases.push(messageCase({
        id: `9.${binary ? 4 : 3}.${i + 1}`,
        description: `Send a 4 MiB ${kindOf(binary)} message in ${size(fragment)} fragments.`,
        binary,
        length: 4 * MiB,
        fragment,
        chop: "one",
      }))
    );
  }
  for (const binary of both) {
    chops.forEach((chop, i) =>
      cases.push(messageCase({
        id: `9.${binary ? 6 : 5}.${i + 1}`,
        description: `Send a 1 MiB ${kindOf(binary)} message in one frame, in ${chop}-byte writes.`,
        binary,
        length: MiB,
        chop,
      }))
    );
  }
  for (const binary of [false, true]) {
    const kind = binary ? "binary" : "text";
    [0, 16, 64, 256, 1024, 4096].forEach((length, i) => {
      const payload = (binary ? binaryPayload : textPayload)(length);
      const echo = binary ? binaryEcho(payload) : textEcho(payload);
      cases.push({
        id: `9.${binary ? 8 : 7}.${i + 1}`,
        description:
          `Send ${ROUND_TRIPS} ${kind} messages of ${length} bytes, each after the echo of the one before.`,
        expectation: `${ROUND_TRIPS} echoes, in order.`,
        run: (target, options) =>
          withPeer(target, options, (peer) =>
            runScenario(peer, async (p) => {
              const frame = rawFrame(binary ? OP.BINARY : OP.TEXT, payload);
              for (let n = 1; n <= ROUND_TRIPS && p.open; n++) {
                await p.send(frame);
                await p.waitForEvents(n);
              }
            }, answers(...Array.from({ length: ROUND_TRIPS }, () => echo)))),
      });
    });
  }
  return cases;
}

function misc(): ConformanceCase[] {
  const hello = utf8("Hello");
  const informational = (events = [textEcho(hello)]): Expectation => ({
    ok: events,
    nonStrict: [],
    closer: "either",
    codes: [1002],
    informational: true,
    notes: { ok: "accepted", nonStrict: "refused" },
  });
  const overLimit = (id: string, description: string, fragment?: number): ConformanceCase => ({
    id,
    description,
    expectation: "The target refuses the message with 1009.",
    run: (target, options) => {
      const limit = target.limits.maxMessageSize;
      if (limit === undefined) {
        return skipped(id, description, "the target's limit is unknown").run(target, options);
      }
      return messageCase({
        id,
        description,
        binary: true,
        length: limit + 1,
        fragment,
        chop: "frame",
      })
        .run(target, options);
    },
  });
  return [
    messageCase({
      id: "10.1.1",
      description: "Send a 65536-byte text message auto-fragmented into 1300-byte frames.",
      binary: false,
      length: 65536,
      fragment: 1300,
    }),
    overLimit("10.2.1", "Send a binary message one byte over the target's limit, in one frame."),
    overLimit(
      "10.2.2",
      "Send a binary message one byte over the target's limit, in 64 KiB fragments.",
      64 * KiB,
    ),
    {
      id: "10.3.1",
      description: "Send an unmasked text frame (a client must mask every frame).",
      expectation: "The target fails the connection with 1002.",
      run: (target, options) =>
        withPeer(
          target,
          options,
          (peer) =>
            runScenario(
              peer,
              (p) => p.send(rawFrame(OP.TEXT, hello, { mask: false })),
              fails(1002),
            ),
        ),
    },
    {
      id: "10.3.2",
      description: "Send a frame header with a 64-bit length whose most significant bit is set.",
      expectation: "The target fails the connection with 1002 (1009 is also accepted).",
      run: (target, options) =>
        withPeer(target, options, (peer) =>
          runScenario(
            peer,
            (p) => p.send(rawHeader(OP.BINARY, (1n << 63n) + 5n)),
            fails([1002, 1009]),
          )),
    },
    ...([["10.3.3", 16], ["10.3.4", 64]] as const).map(([id, form]): ConformanceCase => ({
      id,
      description: `Send "Hello" with its length in the ${form}-bit form (not the shortest).`,
      expectation: "RFC 6455 requires the shortest form but many accept others: recorded.",
      run: (target, options) =>
        withPeer(target, options, (peer) =>
          runScenario(
            peer,
            (p) => p.send(rawFrame(OP.TEXT, hello, { lengthForm: form })),
            informational(),
          )),
    })),
    {
      id: "10.3.5",
      description: 'Send a ping "Hello" with its length in the 16-bit form.',
      expectation: "Recorded: a pong (accepted) or 1002 (refused).",
      run: (target, options) =>
        withPeer(target, options, (peer) =>
          runScenario(
            peer,
            (p) => p.send(rawFrame(OP.PING, hello, { lengthForm: 16 })),
            informational([{ type: "pong", data: hello }]),
          )),
    },
  ];
}

/** Cases of categories 9 and 10. */
export function casesNineAndTen(): ConformanceCase[] {
  return [...limits(), ...misc()];
}
