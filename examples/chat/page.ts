// This module is browser compatible.
/// <reference lib="dom" />
/**
 * The chat room page: joins a room over one {@linkcode EventClient} with connection state
 * recovery, shows who is online, messages, join/leave notices and typing. Messages typed while
 * offline wait (shown as "queued") and go out when it reconnects; what was sent to the room
 * meanwhile arrives after the reconnect, in order, also from another node. When that is not
 * possible the page says so (`recovered: false`) and shows the room's recent history again.
 *
 * Nodes: the page connects to the server that served it, and when that one does not answer, to
 * the next of `?nodes=http://127.0.0.1:8002,...` (other nodes of the same cluster), in turn.
 *
 * @module
 */
import { browserNetworkSignals, followNetwork, heartbeat } from "../../client/mod.ts";
import { EventClient, recovery, type RecoveryResult } from "../../events/mod.ts";
import { $, clock, connectionBanner, joinForm, randomId } from "../_shared/page_kit.ts";
import type { ChatLine, ClientToServer, Member, ServerToClient } from "./protocol.ts";

/** Milliseconds a typing indicator stays without a fresh signal. */
const TYPING_SHOWN = 5_000;
/** Milliseconds between two "typing" signals, and of silence before "stopped typing". */
const TYPING_EVERY = 2_000;

/**
 * What the page received, for people curious in the console and for the tests: the ids of the
 * `message` events in arrival order (a repeated id counts in `duplicates`), every recovery
 * result, and the node of every welcome.
 */
const state = {
  received: [] as string[],
  duplicates: 0,
  recoveries: [] as RecoveryResult[],
  nodes: [] as string[],
  /** The node URL (`http://host:port`) of the current or last connection attempt. */
  target: "",
};
(globalThis as { chat?: typeof state }).chat = state;

/** This page's node first, then the others of `?nodes=` (comma-separated origins). */
function nodeList(): string[] {
  const others = (new URLSearchParams(location.search).get("nodes") ?? "").split(",");
  const origins = [location.origin];
  for (const other of others) {
    if (other.trim() === "") continue;
    const origin = new URL(other.trim(), location.href).origin;
    if (!origins.includes(origin)) origins.push(origin);
  }
  return origins;
}

const joined = await joinForm();
const me: Member = { id: randomId(), name: joined.name };
const nodes = nodeList();
let current = 0;
let openedSinceLastAttempt = true;
/** Called before every attempt: the same node again after it was open, else the next one. */
function nextUrl(): string {
  if (!openedSinceLastAttempt) current = (current + 1) % nodes.length;
  openedSinceLastAttempt = false;
  state.target = nodes[current]!;
  const url = new URL("/ws", state.target);
  url.search = new URLSearchParams({ name: me.name, room: joined.room, client: me.id }).toString();
  return url.href; // http: and https: are mapped to ws: and wss: by the client
}

const session = recovery();
const client = new EventClient<ServerToClient, ClientToServer>(nextUrl, {
  heartbeat: heartbeat(),
  backoff: { baseDelay: 250, maxDelay: 2_000 },
  recovery: session,
});
client.client.on("open", () => openedSinceLastAttempt = true);
followNetwork(client.client, browserNetworkSignals());
// Messages not confirmed by the server yet: those the recovery session will send again.
const refreshBanner = connectionBanner(client.client, "message", () => session.unconfirmed);
const log = $("log");
const shown = new Map<string, HTMLElement>();
const online = new Map<string, Member>();
const typing = new Map<string, { name: string; until: number }>();
let counter = 0;
let welcomed = false;

function scrollDown(): void {
  log.scrollTop = log.scrollHeight;
}

/** Shows `line` (or updates it), at the end or before `before`. */
function renderLine(line: ChatLine, sent: boolean, before?: Element | null): HTMLElement {
  let element = shown.get(line.id);
  if (element === undefined) {
    element = document.createElement("div");
    element.dataset.id = line.id;
    element.append(document.createElement("div"), document.createElement("div"));
    element.firstElementChild!.className = "meta";
    element.lastElementChild!.className = "text";
    if (before) log.insertBefore(element, before);
    else log.append(element);
    shown.set(line.id, element);
  }
  const mine = line.from.id === me.id;
  element.className = `line ${sent ? "sent" : "queued"}${mine ? " mine" : ""}`;
  element.firstElementChild!.textContent = `${mine ? "you" : line.from.name} · ${clock(line.at)}`;
  element.lastElementChild!.textContent = line.text; // text, never HTML
  scrollDown();
  return element;
}

/** Shows the room's history: lines not on the page yet go where they belong among the others. */
function renderHistory(history: ChatLine[]): void {
  let anchor: Element | null = null;
  for (let i = history.length - 1; i >= 0; i--) {
    const line = history[i]!;
    const element = shown.get(line.id);
    if (element !== undefined) element.classList.replace("queued", "sent");
    anchor = element ?? renderLine(line, true, anchor);
  }
}

function notice(text: string, warning = false): void {
  const element = document.createElement("div");
  element.className = warning ? "notice warning" : "notice";
  element.textContent = text;
  log.append(element);
  scrollDown();
}

function renderOnline(): void {
  const list = $("online");
  list.replaceChildren(
    ...[...online.values()].map((member) => {
      const item = document.createElement("li");
      item.textContent = member.id === me.id ? `${member.name} (you)` : member.name;
      item.classList.toggle("me", member.id === me.id);
      return item;
    }),
  );
  $("count").textContent = `(${online.size})`;
}

function renderTyping(): void {
  const now = Date.now();
  for (const [id, entry] of typing) if (entry.until <= now) typing.delete(id);
  const names = [...typing.values()].map((entry) => entry.name);
  $("typing").textContent = names.length === 0
    ? ""
    : `${names.join(" and ")} ${names.length === 1 ? "is" : "are"} typing…`;
}

function refresh(): void {
  renderOnline();
  renderTyping();
}

client.on("welcome", (welcome) => {
  online.clear();
  for (const member of welcome.online) online.set(member.id, member);
  online.set(me.id, me);
  renderHistory(welcome.history);
  const where = `node ${welcome.node} (${new URL(state.target).host})`;
  $("node").textContent = `· ${where}`;
  notice(welcomed ? `Reconnected to ${where}.` : `You joined #${welcome.room} on ${where}.`);
  welcomed = true;
  state.nodes.push(welcome.node);
  refresh();
});
client.on("message", (line) => {
  if (shown.has(line.id)) state.duplicates++;
  state.received.push(line.id);
  typing.delete(line.from.id);
  renderLine(line, true);
  refresh();
});
client.on("ack", ({ id }) => void shown.get(id)?.classList.replace("queued", "sent"));
client.on("joined", (member) => {
  online.set(member.id, member);
  notice(`${member.name} joined.`);
  refresh();
});
client.on("left", (member) => {
  online.delete(member.id);
  typing.delete(member.id);
  notice(`${member.name} left.`);
  refresh();
});
client.on("typing", ({ member, typing: on }) => {
  if (on) typing.set(member.id, { name: member.name, until: Date.now() + TYPING_SHOWN });
  else typing.delete(member.id);
  renderTyping();
});
session.onRecovery((result) => {
  state.recoveries.push(result);
  if (result.recovered) {
    if (result.replayed > 0) notice(`${result.replayed} missed events delivered.`);
  } else if (result.reason !== "new") {
    notice(
      `Messages sent while you were away could not be recovered (${result.reason}): ` +
        "the room's last 50 messages are shown again; reload the page for a clean history.",
      true,
    );
  }
});
setInterval(renderTyping, 1_000);

const input = $<HTMLInputElement>("text");
let typingSince = 0;
let typingTimer: ReturnType<typeof setTimeout> | undefined;

/** A typing signal, only while connected (a stale one is no use after a reconnect). */
function signalTyping(on: boolean): void {
  if (client.client.state === "open") client.emit("typing", on);
}

function stopTyping(): void {
  clearTimeout(typingTimer);
  if (typingSince !== 0) signalTyping(false);
  typingSince = 0;
}

input.addEventListener("input", () => {
  if (input.value === "") return stopTyping();
  if (Date.now() - typingSince > TYPING_EVERY) {
    typingSince = Date.now();
    signalTyping(true);
  }
  clearTimeout(typingTimer);
  typingTimer = setTimeout(stopTyping, TYPING_EVERY);
});

$<HTMLFormElement>("compose").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value;
  if (text.trim() === "") return;
  stopTyping();
  const id = `${me.id}-${++counter}`;
  renderLine({ id, from: me, text, at: Date.now() }, false);
  client.emit("say", { id, text }); // kept until the server confirms it, sent again if needed
  refreshBanner();
  input.value = "";
});
