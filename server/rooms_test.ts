import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type AdapterServer,
  type BroadcastEnvelope,
  MemoryAdapter,
  PreparedMessage,
  type PubSubAdapter,
} from "./mod.ts";
import { type RoomMember, Rooms } from "./rooms.ts";

class Member implements RoomMember {
  static #next = 1;
  readonly id: number = Member.#next++;
  readonly received: PreparedMessage[] = [];
}

interface Setup {
  clients: Set<Member>;
  rooms: Rooms<Member>;
  errors: unknown[];
  add: () => Member;
}

function setup(adapter: PubSubAdapter = new MemoryAdapter()): Setup {
  const clients = new Set<Member>();
  const errors: unknown[] = [];
  const rooms = new Rooms<Member>(
    clients,
    adapter,
    (error) => errors.push(error),
    (member, message) => (member as Member).received.push(message),
  );
  const add = (): Member => {
    const member = new Member();
    clients.add(member);
    return member;
  };
  return { clients, rooms, errors, add };
}

describe("PreparedMessage", () => {
  it("encodes text and binary into one unmasked frame", () => {
    assert.deepEqual(new PreparedMessage("hi").bytes, new Uint8Array([0x81, 2, 0x68, 0x69]));
    const binary = new PreparedMessage(new Uint8Array([1, 2]).buffer);
    assert.equal(binary.binary, true);
    assert.deepEqual(binary.bytes, new Uint8Array([0x82, 2, 1, 2]));
    const asText = new PreparedMessage(new Uint8Array([0x68]), { binary: false });
    assert.deepEqual(asText.bytes, new Uint8Array([0x81, 1, 0x68]));
  });

  it("takes a frame encoded elsewhere as it is (framed), of any length, and refuses other bytes", () => {
    for (const size of [0, 125, 126, 65_535, 65_536]) {
      for (const data of ["x".repeat(size), new Uint8Array(size)]) {
        const there = new PreparedMessage(data);
        const here = new PreparedMessage(there.bytes, { framed: true });
        assert.equal(here.bytes, there.bytes);
        assert.equal(here.binary, typeof data !== "string");
        assert.equal(here.payload.length, size);
        assert.equal(here.payload.buffer, there.bytes.buffer);
      }
    }
    const good = new PreparedMessage("hey").bytes;
    const bad = (index: number, value: number): Uint8Array => {
      const copy = good.slice();
      copy[index] = value;
      return copy;
    };
    for (
      const data of [
        new Uint8Array(),
        new Uint8Array([0x81]),
        good.subarray(0, 4), // shorter than its length
        new Uint8Array([...good, 0]), // longer
        bad(0, 0x01), // not final
        bad(0, 0xc1), // compressed
        bad(0, 0x89), // a ping
        bad(1, 0x83), // masked
        new Uint8Array([0x81, 126, 0]), // a 16-bit length cut short
        new Uint8Array([0x82, 127, 0, 0, 0, 0, 0, 0, 0]), // a 64-bit length cut short
        "hey",
      ]
    ) {
      assert.throws(() => new PreparedMessage(data, { framed: true }), {
        name: "TypeError",
        message:
          "Cannot prepare a message as 'data' must be one final, unmasked, uncompressed text or binary frame",
      }, String(data));
    }
  });

  it("refuses other data types with a TypeError", () => {
    assert.throws(() => new PreparedMessage(42 as unknown as string), {
      name: "TypeError",
      message:
        "Cannot send as 'data' must be a string, a Uint8Array or an ArrayBuffer: current value is number",
    });
  });
});

describe("Rooms", () => {
  it("encodes a broadcast once and hands the same bytes to every recipient", () => {
    const { rooms, add } = setup();
    const [a, b, c] = [add(), add(), add()];
    assert.equal(rooms.broadcast("hello"), 3);
    assert.equal(a.received.length, 1);
    assert.equal(a.received[0], b.received[0]);
    assert.equal(b.received[0], c.received[0]);
    assert.deepEqual(a.received[0]!.bytes, new PreparedMessage("hello").bytes);
  });

  it("reaches only a room's members and skips the excepted ones", () => {
    const { rooms, add } = setup();
    const [a, b, c, d] = [add(), add(), add(), add()];
    rooms.join(a, "lobby");
    rooms.join(b, "lobby");
    rooms.join(c, "lobby");
    assert.equal(rooms.broadcast("x", { room: "lobby", except: a }), 2);
    assert.equal(rooms.broadcast("y", { room: "lobby", except: [b, c] }), 1);
    assert.equal(rooms.broadcast("z", { room: "empty" }), 0);
    assert.deepEqual([a, b, c, d].map((m) => m.received.length), [1, 1, 1, 0]);
  });

  it("tracks memberships and subscribes the adapter on first join and last leave", () => {
    const calls: string[] = [];
    const adapter: PubSubAdapter = {
      start: () => {},
      publish: () => {},
      subscribe: (_id, room) => void calls.push(`+${room}`),
      unsubscribe: (_id, room) => void calls.push(`-${room}`),
      count: () => Promise.resolve(0),
      stop: () => {},
    };
    const { rooms, add } = setup(adapter);
    const [a, b] = [add(), add()];
    rooms.join(a, "r1");
    rooms.join(b, "r1");
    rooms.join(a, "r2");
    assert.deepEqual([...rooms.roomsOf(a)], ["r1", "r2"]);
    rooms.leave(a, "r1");
    assert.equal(rooms.members("r1").size, 1);
    rooms.leaveAll(a);
    rooms.leaveAll(b);
    assert.equal(rooms.roomsOf(a).size, 0);
    assert.deepEqual(calls, ["+r1", "+r2", "-r2", "-r1"]);
  });

  it("spreads rooms across servers sharing a MemoryAdapter, without echoing to the sender", () => {
    const adapter = new MemoryAdapter();
    const one = setup(adapter);
    const two = setup(adapter);
    assert.equal(adapter.servers, 2);
    const [a, b] = [one.add(), two.add()];
    const outsider = two.add();
    one.rooms.join(a, "lobby");
    two.rooms.join(b, "lobby");
    assert.equal(one.rooms.broadcast("hi", { room: "lobby", except: a }), 0);
    assert.equal(a.received.length, 0);
    assert.equal(b.received.length, 1);
    assert.equal(outsider.received.length, 0);
    assert.deepEqual(b.received[0]!.bytes, new PreparedMessage("hi").bytes);
    // The other server writes the publishing server's frame as it is: encoded once in all.
    one.rooms.join(a, "both");
    two.rooms.join(b, "both");
    one.rooms.broadcast("once", { room: "both" });
    assert.equal(b.received[1]!.bytes, a.received[0]!.bytes);
    one.rooms.broadcast(new Uint8Array([1]));
    assert.equal(outsider.received.length, 1);
    assert.equal(outsider.received[0]!.binary, true);
  });

  it("passes envelopes with source, rooms, rooms left out, kind, payload and protocol", () => {
    const published: BroadcastEnvelope[] = [];
    const adapter: PubSubAdapter = {
      start: () => {},
      publish: (envelope) => void published.push(envelope),
      subscribe: () => {},
      unsubscribe: () => {},
      count: () => Promise.resolve(0),
      stop: () => {},
    };
    const { rooms, add } = setup(adapter);
    const a = add();
    rooms.broadcast("yo", { room: "r", except: a });
    rooms.broadcast("all", { room: [], exceptRoom: ["x", "x"], protocol: "" });
    rooms.broadcast(new Uint8Array([7]), { room: ["r", "s", "r"], exceptRoom: "x" });
    assert.deepEqual(published, [{
      source: rooms.serverId,
      rooms: ["r"],
      exceptRooms: [],
      binary: false,
      payload: new TextEncoder().encode("yo"),
      frame: new PreparedMessage("yo").bytes,
    }, {
      source: rooms.serverId,
      rooms: [],
      exceptRooms: ["x"],
      binary: false,
      payload: new TextEncoder().encode("all"),
      frame: new PreparedMessage("all").bytes,
      protocol: "",
    }, {
      source: rooms.serverId,
      rooms: ["r", "s"],
      exceptRooms: ["x"],
      binary: true,
      payload: new Uint8Array([7]),
      frame: new Uint8Array([0x82, 1, 7]),
    }]);
    // The payload is the tail of the frame, not a copy.
    assert.equal(published[0]!.payload.buffer, published[0]!.frame!.buffer);
  });

  it("resolves several rooms and rooms left out on each server as one process would", () => {
    const adapter = new MemoryAdapter();
    const one = setup(adapter);
    const two = setup(adapter);
    // On each server: in a, in b, in a and b, in a and c, in c, in nothing.
    const layout = [["a"], ["b"], ["a", "b"], ["a", "c"], ["c"], []];
    const place = (s: Setup): Member[] =>
      layout.map((rooms) => {
        const member = s.add();
        for (const room of rooms) s.rooms.join(member, room);
        return member;
      });
    const [m1, m2] = [place(one), place(two)];
    assert.equal(one.rooms.broadcast("x", { room: ["a", "b"], exceptRoom: "c", except: m1[0] }), 2);
    assert.deepEqual(m1.map((m) => m.received.length), [0, 1, 1, 0, 0, 0]);
    assert.deepEqual(m2.map((m) => m.received.length), [1, 1, 1, 0, 0, 0]);
    two.rooms.broadcast("y", { exceptRoom: ["a", "b"] });
    assert.deepEqual(m1.map((m) => m.received.length), [0, 1, 1, 0, 1, 1]);
  });

  it("counts a room's members on every server of a MemoryAdapter", async () => {
    const adapter = new MemoryAdapter();
    const one = setup(adapter);
    const two = setup(adapter);
    const [a, b, c] = [one.add(), two.add(), two.add()];
    for (const [s, m] of [[one, a], [two, b], [two, c]] as const) s.rooms.join(m, "lobby");
    assert.equal(await adapter.count("lobby"), 3);
    assert.equal(await adapter.count(), 3);
    two.rooms.leave(c, "lobby");
    assert.equal(await adapter.count("lobby"), 2);
    await one.rooms.stop();
    assert.equal(await adapter.count("lobby"), 1);
  });

  it("refuses a room that is not a string or an array of strings with a TypeError", () => {
    const { rooms } = setup();
    assert.throws(() => rooms.broadcast("x", { room: 3 as unknown as string }), {
      name: "TypeError",
      message:
        "Cannot broadcast as 'room' must be a string or an array of strings: current value is number",
    });
    assert.throws(
      () => rooms.broadcast("x", { exceptRoom: ["a", undefined as unknown as string] }),
      {
        name: "TypeError",
        message:
          "Cannot broadcast as 'exceptRoom' must be a string or an array of strings: current value is an array holding undefined",
      },
    );
  });

  it("reports adapter throws and rejections to onError instead of throwing", async () => {
    const adapter: PubSubAdapter = {
      start: () => {},
      publish: () => Promise.reject(new Error("broker down")),
      subscribe: () => {
        throw new Error("cannot subscribe");
      },
      unsubscribe: () => {},
      count: () => Promise.resolve(0),
      stop: () => {},
    };
    const { rooms, add, errors } = setup(adapter);
    const a = add();
    rooms.join(a, "r");
    assert.equal(rooms.broadcast("x", { room: "r" }), 1);
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.deepEqual(errors.map((e) => (e as Error).message), [
      "cannot subscribe",
      "broker down",
    ]);
  });

  it("reports an envelope whose frame is not one to onError and delivers nothing of it", () => {
    let server: AdapterServer | undefined;
    const adapter: PubSubAdapter = {
      start: (_id, started) => void (server = started),
      publish: () => {},
      subscribe: () => {},
      unsubscribe: () => {},
      count: () => Promise.resolve(0),
      stop: () => {},
    };
    const { add, errors } = setup(adapter);
    const a = add();
    const envelope = { source: "other", rooms: [], exceptRooms: [], binary: false };
    server!.deliver({ ...envelope, payload: new Uint8Array([0x68]), frame: new Uint8Array([1]) });
    assert.equal(a.received.length, 0);
    assert.equal((errors[0] as Error).name, "TypeError");
    server!.deliver({ ...envelope, payload: new Uint8Array([0x68]) }); // no frame: framed here
    assert.deepEqual(a.received[0]!.bytes, new Uint8Array([0x81, 1, 0x68]));
  });
});
