/**
 * The close wiring both runtime bindings share: one close that runs once however often it is
 * called, also started by an `AbortSignal`.
 *
 * @module
 */

/**
 * Wraps `run` so that it runs at most once (later calls get the same promise) and runs when
 * `signal` aborts (at once if it already has).
 */
export function closeOnce(run: () => Promise<void>, signal?: AbortSignal): () => Promise<void> {
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    if (closing === undefined) {
      signal?.removeEventListener("abort", onAbort);
      closing = run();
    }
    return closing;
  };
  const onAbort = (): void => void close();
  signal?.addEventListener("abort", onAbort, { once: true });
  if (signal?.aborted) void close();
  return close;
}
