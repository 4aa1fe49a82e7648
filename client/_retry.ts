// This module is browser compatible.
/**
 * The client's choice after a connection or an attempt ended: the close policy says retry or
 * stop, the backoff says how long to wait or that the retries are used up.
 *
 * @module
 */

import type { Backoff } from "./backoff.ts";
import type { CloseContext, ClosePolicy } from "./close_policy.ts";
import { ClientError } from "./errors.ts";
import { MAX_TIMER_DELAY } from "./_check.ts";

/**
 * Milliseconds to wait before the next attempt, or `undefined` to stop. A close policy that
 * throws, and a backoff out of retries (`MAX_RETRIES`), are passed to `report` and mean stop.
 */
export function retryDelay(
  closePolicy: ClosePolicy,
  backoff: Backoff,
  context: CloseContext,
  report: (error: Error) => void,
): number | undefined {
  try {
    const decision = closePolicy(context);
    if (decision.action !== "retry") return undefined;
    const base = backoff.next();
    if (base === undefined) {
      report(new ClientError("MAX_RETRIES", `Gave up after ${backoff.maxRetries} retries`));
      return undefined;
    }
    return Math.min(base + (decision.minDelay ?? 0), MAX_TIMER_DELAY);
  } catch (error) {
    report(error instanceof Error ? error : new Error(String(error)));
    return undefined;
  }
}
