// This module is browser compatible.
/**
 * Environment signals that make the client check its connection now: the browser went
 * `offline` or back `online`, or the page became visible again. A signal only triggers a
 * liveness check (or, while waiting to reconnect, an immediate retry); it never closes a
 * connection by itself. Opt-in: {@linkcode followNetwork} and {@linkcode browserNetworkSignals}
 * ship only with their import.
 *
 * @module
 */

import type { WirelyClient } from "./client.ts";
import { checkLiveness } from "./liveness.ts";

/**
 * A change in the environment: the network went down or up, or the page became visible.
 *
 * @example
 * ```ts
 * import type { NetworkSignal } from "@wirely/wirely/client";
 * const signal: NetworkSignal = "visible";
 * console.log(signal); // visible
 * ```
 */
export type NetworkSignal = "online" | "offline" | "visible";

/**
 * A source of {@linkcode NetworkSignal}s, for {@linkcode followNetwork}.
 *
 * @example A source the application drives itself
 * ```ts
 * import { followNetwork, type NetworkSignal, type NetworkSignals, WirelyClient } from "@wirely/wirely/client";
 * const listeners = new Set<(signal: NetworkSignal) => void>();
 * const network: NetworkSignals = {
 *   subscribe(listener) {
 *     listeners.add(listener);
 *     return () => listeners.delete(listener);
 *   },
 * };
 * const client = new WirelyClient("ws://127.0.0.1:9", { autoConnect: false });
 * followNetwork(client, network);
 * console.log(listeners.size); // 1
 * client.close();
 * console.log(listeners.size); // 0
 * ```
 */
export interface NetworkSignals {
  /**
   * Starts delivering signals to `listener`.
   *
   * @returns A function that stops the delivery.
   */
  subscribe(listener: (signal: NetworkSignal) => void): () => void;
}

/**
 * The part of `EventTarget` {@linkcode browserNetworkSignals} uses (`window` in a browser).
 *
 * @example
 * ```ts
 * import type { NetworkEventTarget } from "@wirely/wirely/client";
 * const target: NetworkEventTarget = new EventTarget();
 * console.log(typeof target.addEventListener); // function
 * ```
 */
export interface NetworkEventTarget {
  /** Adds a listener for `type`. */
  addEventListener(type: string, listener: () => void): void;
  /** Removes a listener added for `type`. */
  removeEventListener(type: string, listener: () => void): void;
}

/**
 * The part of `document` {@linkcode browserNetworkSignals} uses.
 *
 * @example
 * ```ts
 * import type { VisibilityEventTarget } from "@wirely/wirely/client";
 * const document: VisibilityEventTarget = Object.assign(new EventTarget(), {
 *   visibilityState: "visible",
 * });
 * console.log(document.visibilityState); // visible
 * ```
 */
export interface VisibilityEventTarget extends NetworkEventTarget {
  /** `"visible"` when the page is shown. */
  readonly visibilityState: string;
}

/**
 * Signals from a browser: `online`/`offline` events of `window` and `visibilitychange` of
 * `document` (a `visible` signal when it becomes visible).
 *
 * @param target Where `online`/`offline` fire. @default {globalThis.window}
 * @param document Where `visibilitychange` fires. @default {globalThis.document}
 * @returns The source, or `undefined` when neither is present (Deno, Node, Bun, workers
 *   without `window`).
 *
 * @example Outside a browser there is no source
 * ```ts
 * import { browserNetworkSignals } from "@wirely/wirely/client";
 * console.log(browserNetworkSignals() === undefined); // true (in Deno or Node)
 * ```
 */
export function browserNetworkSignals(
  target?: NetworkEventTarget,
  document?: VisibilityEventTarget,
): NetworkSignals | undefined {
  const globals = globalThis as unknown as {
    window?: NetworkEventTarget;
    document?: VisibilityEventTarget;
  };
  const window = target ?? globals.window;
  const doc = document ?? globals.document;
  if (!isEventTarget(window) && !isEventTarget(doc)) return undefined;
  return {
    subscribe(listener: (signal: NetworkSignal) => void): () => void {
      const online = (): void => listener("online");
      const offline = (): void => listener("offline");
      const visibility = (): void => {
        if (doc?.visibilityState === "visible") listener("visible");
      };
      if (isEventTarget(window)) {
        window.addEventListener("online", online);
        window.addEventListener("offline", offline);
      }
      if (isEventTarget(doc)) doc.addEventListener("visibilitychange", visibility);
      return () => {
        if (isEventTarget(window)) {
          window.removeEventListener("online", online);
          window.removeEventListener("offline", offline);
        }
        if (isEventTarget(doc)) doc.removeEventListener("visibilitychange", visibility);
      };
    },
  };
}

function isEventTarget(value: NetworkEventTarget | undefined): value is NetworkEventTarget {
  return typeof value?.addEventListener === "function" &&
    typeof value.removeEventListener === "function";
}

/**
 * Makes a client follow network signals until it closes: `online` while `reconnecting` starts
 * the retry now (the retry counter is unchanged); `offline`, `online` while open and the page
 * becoming visible run {@linkcode checkLiveness} (the heartbeat ping now, if the heartbeat is
 * on, and a ping frame on `tcpTransport`), which closes nothing by itself.
 *
 * @param client The client to drive.
 * @param source The signals, for example {@linkcode browserNetworkSignals}`()`; `undefined`
 *   (what `browserNetworkSignals()` gives outside a browser) follows nothing.
 * @returns A function that stops following (also done when the client closes or starts to).
 *
 * @example In a page
 * ```ts
 * import { browserNetworkSignals, followNetwork, heartbeat, WirelyClient } from "@wirely/wirely/client";
 * const client = new WirelyClient("ws://127.0.0.1:9", { heartbeat: heartbeat(), autoConnect: false });
 * followNetwork(client, browserNetworkSignals()); // nothing to follow in Deno or Node
 * client.close();
 * ```
 */
export function followNetwork(
  client: WirelyClient,
  source: NetworkSignals | undefined,
): () => void {
  if (source !== undefined && typeof source?.subscribe !== "function") {
    throw new TypeError(`Invalid 'source': ${typeof source}`);
  }
  if (source === undefined || client.state === "closed") return () => {};
  const unsubscribe = source.subscribe((signal) => {
    if (signal === "online" && client.state === "reconnecting") client.connect();
    else checkLiveness(client);
  });
  const offState = client.on("state", ({ state }) => {
    if (state === "closing" || state === "closed") stop();
  });
  const stop = (): void => {
    offState();
    unsubscribe();
  };
  return stop;
}
