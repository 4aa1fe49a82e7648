/**
 * The shape of a conformance case and the judge that turns what a {@linkcode Peer} recorded
 * into a verdict, the way the Autobahn TestSuite does: the events must match an expected list
 * (OK, or an accepted NON-STRICT alternative), the right side must start the closing handshake,
 * the target's close code must be one of the expected ones, and the target must close the
 * connection.
 *
 * @module
 */

import { describeEvents, Peer, type PeerEvent, type PeerOptions, sameEvents } from "./_peer.ts";
import type { Target, TargetLimits } from "./target.ts";

/** Outcome of one case. */
export type Verdict = "OK" | "NON-STRICT" | "INFORMATIONAL" | "FAILED";

/** Verdict and a one-line explanation. */
export interface CaseResult {
  /** The verdict. */
  verdict: Verdict;
  /** What happened (and for FAILED, what was wrong). */
  detail: string;
}

/** One case of the suite. */
export interface ConformanceCase {
  /** Autobahn-style id such as "5.9". */
  id: string;
  /** What the suite sends. */
  description: string;
  /** What a conforming echo target does. */
  expectation: string;
  /** Runs the case on a fresh connection to `target`. */
  run(target: Target, options?: PeerOptions): Promise<CaseResult>;
}

/** What a case expects. */
export interface Expectation {
  /** Events for OK. */
  ok: PeerEvent[];
  /** Events also accepted, as NON-STRICT. */
  nonStrict?: PeerEvent[];
  /** Who must start the closing handshake: the suite, the target (failing), or either. */
  closer: "suite" | "target" | "either";
  /** Close codes accepted from the target (an empty close frame is accepted too, as Autobahn does). */
  codes: number[];
  /** The target must answer with a close frame rather than just drop the connection. */
  clean?: boolean;
  /** The case only records what happened. */
  informational?: boolean;
  /** Close code the suite sends when it closes. @default 1000 */
  suiteCloseCode?: number;
  /** Words for the OK and NON-STRICT outcomes, shown in the detail. */
  notes?: { ok?: string; nonStrict?: string };
}

/** Judges what `peer` recorded against `expect`. */
export function judge(peer: Peer, expect: Expectation): CaseResult {
  const problems = [...peer.violations];
  let outcome: "ok" | "nonStrict" | undefined;
  if (sameEvents(peer.events, expect.ok)) outcome = "ok";
  else if (expect.nonStrict !== undefined && sameEvents(peer.events, expect.nonStrict)) {
    outcome = "nonStrict";
  } else if (!expect.informational) {
    const wanted = [expect.ok, ...(expect.nonStrict ? [expect.nonStrict] : [])];
    problems.push(
      `received ${describeEvents(peer.events)}; expected ${
        wanted.map(describeEvents).join(" or ")
      }`,
    );
  }
  const close = peer.closeReceived;
  if (expect.closer === "target" && peer.closedBySuite) {
    problems.push("the target did not fail the connection");
  }
  if (expect.closer === "suite" && close !== undefined && !peer.closedBySuite) {
    problems.push(`the target failed the connection with ${close.code ?? "an empty close"}`);
  }
  if (close?.code !== undefined && !expect.codes.includes(close.code) && !expect.informational) {
    problems.push(
      `the target sent close code ${close.code}, expected ${expect.codes.join(" or ")}`,
    );
  }
  if ((expect.clean ?? expect.closer === "suite") && close === undefined) {
    problems.push("the target dropped the connection without a close frame");
  }
  if (peer.eofMissing) problems.push("the target did not close the connection");
  const summary = summarize(peer);
  if (problems.length > 0) {
    return { verdict: "FAILED", detail: `${problems.join("; ")} (${summary})` };
  }
  const note = outcome === undefined ? undefined : expect.notes?.[outcome];
  const detail = note === undefined ? summary : `${note}: ${summary}`;
  if (expect.informational) return { verdict: "INFORMATIONAL", detail };
  return { verdict: outcome === "nonStrict" ? "NON-STRICT" : "OK", detail };
}

/** `text 13 B; close 1000 by suite, answered 1000` and the like. */
export function summarize(peer: Peer): string {
  const close = peer.closeReceived;
  const code = close === undefined ? "no close frame" : close.code ?? "empty close";
  const how = peer.closedBySuite
    ? `suite closed, target answered ${code}`
    : close === undefined
    ? "target dropped the connection"
    : `target closed with ${code}`;
  return `${describeEvents(peer.events)}; ${how}`;
}

/** Connects, runs `body` with a fresh {@linkcode Peer}, and always releases the connection. */
export async function withPeer(
  target: Target,
  options: PeerOptions | undefined,
  body: (peer: Peer) => Promise<CaseResult>,
): Promise<CaseResult> {
  let session;
  try {
    session = await target.connect();
  } catch (error) {
    return { verdict: "FAILED", detail: `could not connect: ${(error as Error).message}` };
  }
  try {
    return await body(new Peer(session, target.limits, target.deterministic, options));
  } catch (error) {
    return { verdict: "FAILED", detail: `the case stopped: ${(error as Error).stack ?? error}` };
  } finally {
    await session.dispose();
  }
}

/** Runs `script`, ends the connection as `expect.closer` says, and judges. */
export async function runScenario(
  peer: Peer,
  script: (peer: Peer) => Promise<void>,
  expect: Expectation,
): Promise<CaseResult> {
  await script(peer);
  if (expect.closer === "target") await peer.finishByTarget();
  else {
    const outcomes = [expect.ok, ...(expect.nonStrict ? [expect.nonStrict] : [])];
    await peer.finishBySuite(outcomes, expect.suiteCloseCode);
  }
  return judge(peer, expect);
}

/** A case made of a script and an expectation (which may depend on the target's limits). */
export function scenario(
  id: string,
  description: string,
  expectation: string,
  script: (peer: Peer) => Promise<void>,
  expect: Expectation | ((limits: TargetLimits) => Expectation),
): ConformanceCase {
  return {
    id,
    description,
    expectation,
    run: (target, options) =>
      withPeer(
        target,
        options,
        (peer) =>
          runScenario(peer, script, typeof expect === "function" ? expect(target.limits) : expect),
      ),
  };
}

/** The target answers with `events`, then completes the closing handshake the suite starts. */
export function answers(...events: PeerEvent[]): Expectation {
  return { ok: events, closer: "suite", codes: [1000] };
}

/**
 * The target fails the connection with one of `codes`, after sending `ok` events (or, as
 * NON-STRICT, `nonStrict` events).
 */
export function fails(
  codes: number | number[],
  ok: PeerEvent[] = [],
  nonStrict?: PeerEvent[],
): Expectation {
  return {
    ok,
    nonStrict,
    closer: "target",
    codes: typeof codes === "number" ? [codes] : codes,
    notes: nonStrict === undefined ? undefined : {
      ok: "answered what came before the bad frame",
      nonStrict: "failed before answering the frames that came before the bad one",
    },
  };
}
