// This module is browser compatible.
/// <reference lib="dom" />
/**
 * Page helpers shared by the example apps: the join form, the reconnecting client with the
 * settings the demos use, and the connection banner that makes the offline queue visible.
 *
 * @module
 */
import {
  browserNetworkSignals,
  followNetwork,
  heartbeat,
  WirelyClient,
  type WirelyClientOptions,
} from "../../client/mod.ts";

/** The element with this id (throws if the page lacks it). */
export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the page has no #${id}`);
  return element as T;
}

/** A random id for this tab (works on plain http too, where `randomUUID` is missing). */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Who joined where. */
export interface Joined {
  name: string;
  room: string;
}

/**
 * Wires the `#join` form (`#name`, `#room`; the room may come from `?room=`): on submit it hides
 * the form, shows `#app` and resolves.
 */
export function joinForm(): Promise<Joined> {
  const form = $<HTMLFormElement>("join");
  const name = $<HTMLInputElement>("name");
  const room = $<HTMLInputElement>("room");
  room.value = new URLSearchParams(location.search).get("room") ?? room.value;
  name.value = sessionStorage.getItem("wirely-demo-name") ?? "";
  name.focus();
  return new Promise((resolve) => {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const joined = { name: name.value.trim(), room: room.value.trim() || "lobby" };
      if (joined.name === "") return;
      sessionStorage.setItem("wirely-demo-name", joined.name);
      form.hidden = true;
      $("app").hidden = false;
      $("whoami").textContent = `${joined.name} in #${joined.room}`;
      resolve(joined);
    });
  });
}

/**
 * A client for `/ws` on this page's host with `params` in the query (read again before every
 * attempt), quick retries for a local demo, and the heartbeat on.
 */
export function connect(
  params: Record<string, string>,
  options: WirelyClientOptions = {},
): WirelyClient {
  const url = (): string => {
    const target = new URL("/ws", location.href);
    for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
    return target.href; // http: and https: are mapped to ws: and wss: by the client
  };
  const client = new WirelyClient(url, {
    heartbeat: heartbeat(),
    backoff: { baseDelay: 250, maxDelay: 2_000 },
    ...options,
  });
  followNetwork(client, browserNetworkSignals());
  return client;
}

/**
 * Shows `#banner` while the client is not open after having been open: "Reconnecting…" with
 * the attempt and how many sends wait (`waiting`, by default the client's offline queue).
 * Returns a function that refreshes the count (call it after queueing a send).
 */
export function connectionBanner(
  client: WirelyClient,
  noun = "message",
  waiting: () => number = () => client.queuedMessages,
): () => void {
  const banner = $("banner");
  let attempt = 0;
  let everOpen = false;
  const render = (): void => {
    const down = everOpen && client.state !== "open";
    banner.hidden = !down;
    document.body.classList.toggle("offline", down);
    if (!down) return;
    const count = waiting();
    const queued = count === 0
      ? `new ${noun}s are sent when it is back`
      : `${count} ${noun}${count === 1 ? "" : "s"} waiting to be sent`;
    banner.textContent = `Connection lost: reconnecting… (attempt ${attempt}) · ${queued}`;
  };
  client.on("reconnecting", (info) => {
    attempt = info.attempt;
    render();
  });
  client.on("state", ({ state }) => {
    if (state === "open") {
      everOpen = true;
      attempt = 0;
    }
    render();
  });
  return render;
}

/** `1536` -> `"1.5 KB"`, `3_200_000` -> `"3.2 MB"`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1_000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1_000).toFixed(1)} KB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** `HH:MM` of a timestamp, in the viewer's time zone. */
export function clock(at: number): string {
  return new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}
