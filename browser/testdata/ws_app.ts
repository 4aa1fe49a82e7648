/**
 * A tiny chat app written against the WebSocket API only, for
 * `browser/reconnecting_websocket_test.ts`: it runs over the page's global `WebSocket`, or over
 * `ReconnectingWebSocket` from the npm build (`wirely/client`, mapped to `npm/client/mod.js` by
 * esbuild) swapped in for it — the only line that differs. Bundled, never run by Deno.
 *
 * @module
 */

// @ts-ignore: a bare name Deno cannot resolve; esbuild maps it to the built npm/client/mod.js.
import { ReconnectingWebSocket as Built } from "wirely/client";
import type { ReconnectingWebSocket } from "../../client/mod.ts";

/** What the test reads of the app (JSON across the Playwright boundary). */
export interface WsAppView {
  readyState: number;
  opens: number;
  /** Close codes, and `r` when a retry follows (the drop-in's `willReconnect`). */
  closes: string[];
  texts: string[];
  bytes: number[][];
  /** `true` when every message event was a `MessageEvent` whose target is the socket. */
  realEvents: boolean;
}

/** What the page exposes as `globalThis.wsApp`. */
export interface WsAppApi {
  /** Starts the app on `url` with the global `WebSocket` or the drop-in. */
  start(url: string, kind: "global" | "reconnecting"): void;
  /** Sends a text message, as an app's "send" button would. */
  say(text: string): void;
  view(): WsAppView;
}

const view: WsAppView = {
  readyState: -1,
  opens: 0,
  closes: [],
  texts: [],
  bytes: [],
  realEvents: true,
};
let socket: WebSocket | undefined;

// --- the app: nothing below knows which WebSocket it runs on ---
function runApp(ws: WebSocket): void {
  ws.binaryType = "arraybuffer";
  ws.onopen = () => {
    view.opens++;
    ws.send(`hello #${view.opens}`);
    ws.send(new Uint8Array([view.opens, 2, 3]));
  };
  ws.onmessage = (event) => {
    if (!(event instanceof MessageEvent) || event.target !== ws) view.realEvents = false;
    if (typeof event.data === "string") view.texts.push(event.data);
    else view.bytes.push([...new Uint8Array(event.data as ArrayBuffer)]);
  };
  ws.addEventListener("close", (event) => {
    const retry = (event as CloseEvent & { willReconnect?: boolean }).willReconnect;
    view.closes.push(`${event.code}${retry ? "r" : ""}`);
  });
}

const api: WsAppApi = {
  start(url, kind): void {
    socket = kind === "global"
      ? new WebSocket(url)
      : new (Built as typeof ReconnectingWebSocket)(url, [], {
        backoff: { baseDelay: 20, maxDelay: 250 },
      }) as unknown as WebSocket;
    runApp(socket);
  },
  say(text): void {
    socket?.send(text);
  },
  view(): WsAppView {
    return { ...view, readyState: socket?.readyState ?? -1 };
  },
};
(globalThis as unknown as { wsApp: WsAppApi }).wsApp = api;
