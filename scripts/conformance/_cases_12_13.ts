/**
 * Categories 12 and 13 (permessage-deflate, RFC 7692), modelled on Autobahn's: 12 sends
 * compressed messages of 16 bytes to 128 KiB, whole or fragmented, under the default offer; 13
 * varies the offer (no_context_takeover, window bits 9 and 15, combinations, a list of offers).
 *
 * Each case offers the extension in its upgrade request and checks that the answer is valid for
 * the offer, then sends five compressed messages (RSV1) one after another and checks that the
 * echoes (compressed or not, both legal) inflate to the same data. A target that declines the
 * offer (or has no HTTP handshake) gets INFORMATIONAL with "UNIMPLEMENTED" in the detail, as
 * Autobahn reports those cases.
 *
 * @module
 */

import { answers, type CaseResult, type ConformanceCase, runScenario } from "./_case.ts";
import { checkDeflateAnswer, deflateMessage, MessageInflater } from "./_deflate.ts";
import { binaryEcho, size, textEcho } from "./_payloads.ts";
import { Peer } from "./_peer.ts";
import { OP, rawFrame } from "./_wire.ts";

/** The offer of category 12, as browsers send it. */
export const DEFAULT_OFFER = "permessage-deflate; client_max_window_bits";
const MESSAGES = 5;
const SIZES = [16, 64, 256, 1024, 4096, 16384, 65536, 131072];
const KiB = 1024;

type Kind = "text" | "binary";

const PHRASE = "wirely compresses this line, message %m, line %l: the quick brown fox jumps.\n";

/** Message `k` of `length` bytes: repetitive ASCII text, or pseudo-random binary. */
function sample(kind: Kind, length: number, k: number): Uint8Array {
  const out = new Uint8Array(length);
  if (kind === "text") {
    let text = "";
    for (let line = 0; text.length < length; line++) {
      text += PHRASE.replace("%m", String(k)).replace("%l", String(line));
    }
    for (let i = 0; i < length; i++) out[i] = text.charCodeAt(i);
    return out;
  }
  let state = (length * 31 + k) ^ 0x2545f491;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

/** The frames of one compressed message: RSV1 on the first, `fragment` compressed bytes each. */
function compressedFrames(
  kind: Kind,
  data: Uint8Array,
  windowBits: number,
  fragment: number | undefined,
): Uint8Array[] {
  const compressed = deflateMessage(data, windowBits);
  const step = fragment ?? Math.max(1, compressed.length);
  const frames: Uint8Array[] = [];
  for (let at = 0; at === 0 || at < compressed.length; at += step) {
    frames.push(
      rawFrame(
        at === 0 ? (kind === "text" ? OP.TEXT : OP.BINARY) : OP.CONTINUATION,
        compressed.subarray(at, at + step),
        {
          fin: at + step >= compressed.length,
          rsv: at === 0 ? 4 : 0,
        },
      ),
    );
  }
  return frames;
}

/** One case: offer `offer`, then send five `kind` messages of `length` bytes compressed. */
function deflateCase(
  id: string,
  offer: string,
  kind: Kind,
  length: number,
  fragment?: number,
): ConformanceCase {
  const cut = fragment === undefined ? "one frame each" : `${fragment}-byte fragments`;
  return {
    id,
    description: `Offer "${offer}"; send ${MESSAGES} compressed ${kind} messages of ${
      size(length)
    } (${cut}).`,
    expectation:
      "A valid answer to the offer, and every message echoed (compressed or not); INFORMATIONAL (UNIMPLEMENTED) if the target declines.",
    run: async (target, options): Promise<CaseResult> => {
      let session;
      try {
        session = await target.connect({ extensions: offer });
      } catch (error) {
        return { verdict: "FAILED", detail: `could not connect: ${(error as Error).message}` };
      }
      try {
        const answer = session.extensions;
        if (answer === undefined || answer === "") {
          const why = answer === undefined ? "the target has no HTTP handshake" : "no extension";
          return { verdict: "INFORMATIONAL", detail: `UNIMPLEMENTED: declined (${why})` };
        }
        const agreed = checkDeflateAnswer(offer, answer);
        if (typeof agreed === "string") {
          return { verdict: "FAILED", detail: `invalid answer "${answer}": ${agreed}` };
        }
        const peer = new Peer(session, target.limits, target.deterministic, options);
        const inflater = new MessageInflater(!agreed.serverNoContextTakeover);
        peer.inflate = (data) => inflater.inflate(data);
        const messages = Array.from({ length: MESSAGES }, (_, k) => sample(kind, length, k));
        const echo = kind === "text" ? textEcho : binaryEcho;
        const result = await runScenario(peer, async (p) => {
          for (let k = 0; k < messages.length && p.open; k++) {
            await p.send(compressedFrames(kind, messages[k]!, agreed.clientWindowBits, fragment));
            await p.waitForEvents(k + 1);
          }
        }, answers(...messages.map((data) => echo(data))));
        return { ...result, detail: `"${answer}"; ${result.detail}` };
      } catch (error) {
        return {
          verdict: "FAILED",
          detail: `the case stopped: ${(error as Error).stack ?? error}`,
        };
      } finally {
        await session.dispose();
      }
    },
  };
}

/** Category 12: sizes × fragmentation under the default offer. */
function casesTwelve(): ConformanceCase[] {
  const sets: [Kind, number | undefined][] = [
    ["text", undefined],
    ["binary", undefined],
    ["text", 256],
    ["binary", 4 * KiB],
  ];
  return sets.flatMap(([kind, fragment], set) =>
    SIZES.map((length, i) =>
      deflateCase(`12.${set + 1}.${i + 1}`, DEFAULT_OFFER, kind, length, fragment)
    )
  );
}

/** The offers of category 13. */
export const OFFERS: readonly string[] = [
  "permessage-deflate",
  "permessage-deflate; client_no_context_takeover",
  "permessage-deflate; server_no_context_takeover",
  "permessage-deflate; client_max_window_bits=9",
  "permessage-deflate; client_max_window_bits=15",
  "permessage-deflate; server_max_window_bits=9",
  "permessage-deflate; server_max_window_bits=15",
  "permessage-deflate; client_no_context_takeover; server_no_context_takeover; " +
  "client_max_window_bits=9; server_max_window_bits=9",
  "permessage-deflate; server_max_window_bits=9; client_max_window_bits=9, " +
  "permessage-deflate; client_max_window_bits",
];

/** Category 13: each offer with a small text, a fragmented binary and a 64 KiB text message. */
function casesThirteen(): ConformanceCase[] {
  return OFFERS.flatMap((offer, i) => [
    deflateCase(`13.${i + 1}.1`, offer, "text", 256),
    deflateCase(`13.${i + 1}.2`, offer, "binary", 4 * KiB, 512),
    deflateCase(`13.${i + 1}.3`, offer, "text", 64 * KiB),
  ]);
}

/** Cases of categories 12 and 13. */
export function casesTwelveAndThirteen(): ConformanceCase[] {
  return [...casesTwelve(), ...casesThirteen()];
}
