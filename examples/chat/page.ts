// This module is browser compatible.
/// <reference lib="dom" />
/**
 * The chat room page: joins a room over one {@linkcode WirelyClient}, shows who is online,
 * messages, join/leave notices and typing; messages typed while offline wait in the client's
 * queue (shown as "queued") and go out when it reconnects.
 *
 * @module
 */
import type { WirelyClient } from "../../client/mod.ts";
import { $, clock, connect, connectionBanner, joinForm, randomId } from "../_shared/page_kit.ts";
import type { ChatLine, ClientMessage, Member, ServerMessage } from "./protocol.ts";
import { onJson, sendJson } from "../../client/json.ts";

/** Milliseconds a typing indicator stays without a fresh signal. */
const TYPING_SHOWN = 5_000;
/** Milliseconds between two "typing" signals, and of silence before "stopped typing". */
const TYPING_EVERY = 2_000;

const joined = await joinForm();
const me: Member = { id: randomId(), name: joined.name };
const client: WirelyClient = connect({ name: me.name, room: joined.room, client: me.id });
const refreshBanner = connectionBanner(client);
const log = $("log");
const shown = new Map<string, HTMLElement>();
const online = new Map<string, Member>();
const typing = new Map<string, { name: string; until: number }>();
let counter = 0;
let welcomed = false;

function send(message: ClientMessage, volatile = false): void {
  sendJson(client, message, { volatile });
  refreshBanner();
}

function scrollDown(): void {
  log.scrollTop = log.scrollHeight;
}

function renderLine(line: ChatLine, state: "queued" | "sent"): void {
  let element = shown.get(line.id);
  if (element === undefined) {
    element = document.createElement("div");
    element.dataset.id = line.id;
    element.append(document.createElement("div"), document.createElement("div"));
    element.firstElementChild!.className = "meta";
    element.lastElementChild!.className = "text";
    log.append(element);
    shown.set(line.id, element);
  }
  const mine = line.from.id === me.id;
  element.className = `line ${state}${mine ? " mine" : ""}`;
  element.firstElementChild!.textContent = `${mine ? "you" : line.from.name} · ${clock(line.at)}`;
  element.lastElementChild!.textContent = line.text; // text, never HTML
  scrollDown();
}

function notice(text: string): void {
  const element = document.createElement("div");
  element.className = "notice";
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

function handle(message: ServerMessage): void {
  switch (message.type) {
    case "welcome":
      online.clear();
      for (const member of message.online) online.set(member.id, member);
      for (const line of message.history) if (!shown.has(line.id)) renderLine(line, "sent");
      notice(welcomed ? "Reconnected." : `You joined #${message.room}.`);
      welcomed = true;
      break;
    case "message":
      typing.delete(message.line.from.id);
      renderLine(message.line, "sent");
      break;
    case "ack":
      shown.get(message.id)?.classList.replace("queued", "sent");
      break;
    case "joined":
      online.set(message.member.id, message.member);
      notice(`${message.member.name} joined.`);
      break;
    case "left":
      online.delete(message.member.id);
      typing.delete(message.member.id);
      notice(`${message.member.name} left.`);
      break;
    case "typing":
      if (message.typing) {
        typing.set(message.member.id, {
          name: message.member.name,
          until: Date.now() + TYPING_SHOWN,
        });
      } else typing.delete(message.member.id);
      break;
  }
  renderOnline();
  renderTyping();
}

onJson(client, (value) => handle(value as ServerMessage));
setInterval(renderTyping, 1_000);

const input = $<HTMLInputElement>("text");
let typingSince = 0;
let typingTimer: ReturnType<typeof setTimeout> | undefined;

function stopTyping(): void {
  clearTimeout(typingTimer);
  if (typingSince !== 0) send({ type: "typing", typing: false }, true);
  typingSince = 0;
}

input.addEventListener("input", () => {
  if (input.value === "") return stopTyping();
  if (Date.now() - typingSince > TYPING_EVERY) {
    typingSince = Date.now();
    send({ type: "typing", typing: true }, true); // volatile: stale while offline
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
  renderLine({ id, from: me, text, at: Date.now() }, "queued");
  send({ type: "say", id, text }); // queued by the client while offline
  input.value = "";
});
