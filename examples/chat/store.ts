/**
 * What the chat servers share: each room's last messages, which message ids were stored (so a
 * retransmitted message is stored and broadcast once), and who is online. In memory for one
 * process ({@linkcode MemoryChatStore}); in Redis for several nodes ({@linkcode RedisChatStore}:
 * lists, keys and hashes under `chat#`, beside wirely's own `wirely#` keys).
 *
 * @module
 */
import type { RedisClientType } from "redis";
import { type ChatLine, HISTORY_SIZE, type Member } from "./protocol.ts";

/** How many stored message ids the memory store remembers (oldest forgotten first). */
const MEMORY_IDS = 10_000;
/** Milliseconds a stored message id is remembered in Redis. */
const ID_TTL = 600_000;
/** Milliseconds a node counts as alive after its last heartbeat, and between two heartbeats. */
const NODE_TTL = 15_000;
const NODE_EVERY = 5_000;
/** Stores a line once per id: KEYS line id key, history list; ARGV ttl, line JSON, history size. */
const ADD = `if redis.call("SET", KEYS[1], "1", "NX", "PX", ARGV[1]) then
  redis.call("RPUSH", KEYS[2], ARGV[2])
  redis.call("LTRIM", KEYS[2], -tonumber(ARGV[3]), -1)
  return 1
end
return 0`;

/** The shared state of the chat (see the module doc). */
export interface ChatStore {
  /** The last {@linkcode HISTORY_SIZE} lines of `room`, oldest first. */
  history(room: string): Promise<ChatLine[]>;
  /**
   * Stores `line` unless its id was stored before (then resolves `false`). The command leaves
   * before this returns, on the connection wirely's `RedisStore` uses too: Redis runs it before
   * whatever the caller sends to the log afterwards.
   */
  add(room: string, line: ChatLine): Promise<boolean>;
  /** `member` is online in `room` on this node; `true` when it was not online anywhere. */
  enter(room: string, member: Member): Promise<boolean>;
  /** `member` left `room` on this node; `true` when it was online here (and is no more). */
  leave(room: string, member: Member): Promise<boolean>;
  /** Who is online in `room` (on live nodes). */
  online(room: string): Promise<Member[]>;
  /** Stops timers. */
  close(): void;
}

/** The chat's state in this process. */
export class MemoryChatStore implements ChatStore {
  readonly #history = new Map<string, ChatLine[]>();
  readonly #ids = new Map<string, number>();
  readonly #online = new Map<string, Map<string, Member>>();

  history(room: string): Promise<ChatLine[]> {
    return Promise.resolve([...this.#history.get(room) ?? []]);
  }

  add(room: string, line: ChatLine): Promise<boolean> {
    if (this.#ids.has(line.id)) return Promise.resolve(false);
    this.#ids.set(line.id, line.at);
    if (this.#ids.size > MEMORY_IDS) this.#ids.delete(this.#ids.keys().next().value!);
    const lines = this.#history.get(room) ?? [];
    lines.push(line);
    this.#history.set(room, lines.slice(-HISTORY_SIZE));
    return Promise.resolve(true);
  }

  enter(room: string, member: Member): Promise<boolean> {
    const members = this.#online.get(room) ?? new Map<string, Member>();
    this.#online.set(room, members);
    const before = members.has(member.id);
    members.set(member.id, member);
    return Promise.resolve(!before);
  }

  leave(room: string, member: Member): Promise<boolean> {
    return Promise.resolve(this.#online.get(room)?.delete(member.id) ?? false);
  }

  online(room: string): Promise<Member[]> {
    return Promise.resolve([...this.#online.get(room)?.values() ?? []]);
  }

  close(): void {}
}

/**
 * The chat's state in Redis, shared by every node: `chat#history#ROOM` (a list of JSON lines,
 * trimmed to {@linkcode HISTORY_SIZE}), `chat#line#ID` (stored message ids, 10 minutes),
 * `chat#online#ROOM` (a hash: member id → `{ name, node }`) and `chat#node#NODE` (a node's
 * heartbeat, 15 s: members of a node that died, SIGKILL included, drop out of `online` then).
 */
export class RedisChatStore implements ChatStore {
  readonly #redis: RedisClientType;
  readonly #node: string;
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(redis: RedisClientType, node: string) {
    this.#redis = redis;
    this.#node = node;
    const beat = (): void =>
      void redis.set(`chat#node#${node}`, "1", { PX: NODE_TTL }).catch(() => {});
    beat();
    this.#timer = setInterval(beat, NODE_EVERY);
  }

  async history(room: string): Promise<ChatLine[]> {
    const lines = await this.#redis.lRange(`chat#history#${room}`, 0, -1);
    return lines.map((line) => JSON.parse(line) as ChatLine);
  }

  add(room: string, line: ChatLine): Promise<boolean> {
    // One script, sent at once (no await before it): see ChatStore.add.
    const reply = this.#redis.sendCommand([
      "EVAL",
      ADD,
      "2",
      `chat#line#${line.id}`,
      `chat#history#${room}`,
      String(ID_TTL),
      JSON.stringify(line),
      String(HISTORY_SIZE),
    ]);
    return reply.then((added) => Number(added) === 1);
  }

  async enter(room: string, member: Member): Promise<boolean> {
    const key = `chat#online#${room}`;
    const before = await this.#redis.hGet(key, member.id);
    await this.#redis.hSet(key, member.id, JSON.stringify({ name: member.name, node: this.#node }));
    if (before === null || before === undefined) return true;
    const { node } = JSON.parse(before) as { node: string };
    return node !== this.#node && await this.#redis.exists(`chat#node#${node}`) === 0;
  }

  async leave(room: string, member: Member): Promise<boolean> {
    const key = `chat#online#${room}`;
    const entry = await this.#redis.hGet(key, member.id);
    if (entry === null || entry === undefined) return false;
    if ((JSON.parse(entry) as { node: string }).node !== this.#node) return false; // moved on
    await this.#redis.hDel(key, member.id);
    return true;
  }

  async online(room: string): Promise<Member[]> {
    const entries = await this.#redis.hGetAll(`chat#online#${room}`);
    const members: Member[] = [];
    const alive = new Map<string, boolean>();
    for (const [id, json] of Object.entries(entries)) {
      const { name, node } = JSON.parse(json) as { name: string; node: string };
      if (!alive.has(node)) {
        alive.set(node, await this.#redis.exists(`chat#node#${node}`) === 1);
      }
      if (alive.get(node)) members.push({ id, name });
    }
    return members;
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
