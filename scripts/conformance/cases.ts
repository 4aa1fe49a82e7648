/**
 * The conformance cases, modelled on the Autobahn TestSuite's fuzzingclient categories 1-7, 9
 * and 10 (our own cases and text), plus category 11: wirely's own cases from field defects, and
 * categories 12 and 13 (permessage-deflate: message sizes, fragments, offers).
 * Each case plays the client against an echo target and returns a verdict:
 *
 * - `OK`: what RFC 6455 (and Autobahn) expects.
 * - `NON-STRICT`: an outcome Autobahn also accepts, such as failing only at the end of an
 *   invalid UTF-8 message instead of at the first bad byte.
 * - `INFORMATIONAL`: behaviour the RFC leaves open; the detail records what happened.
 * - `FAILED`: anything else; the detail says what was wrong.
 *
 * @module
 */

import { casesOneToFour } from "./_cases_1_4.ts";
import { casesFiveAndSix } from "./_cases_5_6.ts";
import { casesSeven } from "./_cases_7.ts";
import { casesNineAndTen } from "./_cases_9_10.ts";
import { casesEleven } from "./_cases_11.ts";
import { casesTwelveAndThirteen } from "./_cases_12_13.ts";
import type { CaseResult, ConformanceCase, Verdict } from "./_case.ts";

export type { CaseResult, ConformanceCase, Verdict };
export type { PeerOptions } from "./_peer.ts";

/** Every case, in id order. */
export const cases: readonly ConformanceCase[] = [
  ...casesOneToFour(),
  ...casesFiveAndSix(),
  ...casesSeven(),
  ...casesNineAndTen(),
  ...casesEleven(),
  ...casesTwelveAndThirteen(),
];
