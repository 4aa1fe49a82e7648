/**
 * Runs conformance cases against a target, one fresh connection per case, and counts verdicts.
 *
 * @module
 */

import {
  type CaseResult,
  cases,
  type ConformanceCase,
  type PeerOptions,
  type Verdict,
} from "./cases.ts";
import type { Target } from "./target.ts";

/** Options of {@linkcode runCase} and {@linkcode runAll}. */
export interface RunOptions extends PeerOptions {
  /** Give up on a case after this long, in milliseconds; `Infinity` for no limit. @default 30_000 */
  caseTimeoutMs?: number;
  /** Only the cases whose id starts with one of these prefixes ("6.4", "7."). @default every case */
  only?: readonly string[];
  /** Called after each case. */
  onResult?: (result: CaseOutcome) => void;
}

/** The result of one case. */
export interface CaseOutcome extends CaseResult {
  /** The case id. */
  id: string;
  /** What the case sends. */
  description: string;
  /** How long it took, in milliseconds. */
  durationMs: number;
}

/** Runs one case, bounded by `caseTimeoutMs`. */
export async function runCase(
  target: Target,
  item: ConformanceCase,
  options: RunOptions = {},
): Promise<CaseOutcome> {
  const { caseTimeoutMs = 30_000 } = options;
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<CaseResult>((resolve) => {
    if (!Number.isFinite(caseTimeoutMs)) return;
    timer = setTimeout(
      () => resolve({ verdict: "FAILED", detail: `timed out after ${caseTimeoutMs} ms` }),
      caseTimeoutMs,
    );
  });
  try {
    const result = await Promise.race([item.run(target, options), timeout]);
    return {
      id: item.id,
      description: item.description,
      ...result,
      durationMs: performance.now() - started,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the selected cases one after another. */
export async function runAll(target: Target, options: RunOptions = {}): Promise<CaseOutcome[]> {
  const selected = cases.filter((item) =>
    options.only === undefined || options.only.some((prefix) => item.id.startsWith(prefix))
  );
  const results: CaseOutcome[] = [];
  for (const item of selected) {
    const result = await runCase(target, item, options);
    options.onResult?.(result);
    results.push(result);
  }
  return results;
}

/** How many cases got each verdict. */
export function countVerdicts(results: readonly CaseResult[]): Record<Verdict, number> {
  const counts: Record<Verdict, number> = { OK: 0, "NON-STRICT": 0, INFORMATIONAL: 0, FAILED: 0 };
  for (const result of results) counts[result.verdict]++;
  return counts;
}
