// Binary events of 0 B, 1 B and 1 MiB in both directions, and binary answers, over real
// sockets on both engines: one binary frame each, the bytes unchanged.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { EventClient } from "./client.ts";
import type { EventSocket } from "./socket.ts";
import { ENGINES, Rig, until, within } from "./_helpers_test.ts";

interface ClientToServer {
  upload: (bytes: Uint8Array) => Uint8Array;
}
interface ServerToClient {
  download: (bytes: Uint8Array) => number;
}

const MiB = 1_048_576;

function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

for (const { engine, skip } of ENGINES) {
  describe(`binary events (engine ${engine})`, { skip }, () => {
    const rig = new Rig<ClientToServer, ServerToClient>();
    const uploads: Uint8Array[] = [];
    let socket: EventSocket<ClientToServer, ServerToClient> | undefined;
    let client: EventClient<ServerToClient, ClientToServer>;
    let frames = 0;

    before(async () => {
      rig.io.onConnection((s) => {
        socket = s;
        s.conn.on("message", (message) => {
          if (message.type === "binary") frames++;
        });
        s.on("upload", (bytes) => {
          uploads.push(bytes.slice());
          return bytes.slice().reverse();
        });
      });
      await rig.start(engine, { limits: { maxMessageSize: 2 * MiB } });
      client = await rig.client<ServerToClient, ClientToServer>();
    });
    after(() => rig.stop());

    for (const size of [0, 1, MiB]) {
      it(`carries ${size} bytes from client to server and back as the answer`, async () => {
        const data = pattern(size, size % 251);
        const before = frames;
        const answer = await within(client.emitWithAck("upload", data), 10_000, "upload");
        assert.equal(frames, before + 1, "a binary event is one binary message");
        assert.ok(answer instanceof Uint8Array);
        assert.deepEqual(uploads.at(-1), data);
        assert.deepEqual(answer, data.slice().reverse());
      });

      it(`carries ${size} bytes from server to client`, async () => {
        const data = pattern(size, 7);
        const received: Uint8Array[] = [];
        const off = client.on("download", (bytes) => {
          received.push(bytes.slice());
          return bytes.length;
        });
        await until(() => socket !== undefined, 5_000, "socket");
        const length = await within(socket!.emitWithAck("download", data), 10_000, "download");
        off();
        assert.equal(length, size);
        assert.equal(received.length, 1);
        assert.deepEqual(received[0], data);
      });
    }

    it("broadcasts 1 MiB of binary to a room, encoded once", async () => {
      const data = pattern(MiB, 3);
      const received: Uint8Array[] = [];
      client.on("download", (bytes) => {
        received.push(bytes);
      });
      socket!.join("bin");
      assert.equal(rig.io.to("bin").emit("download", data), 1);
      await until(() => received.length === 1, 10_000, "broadcast");
      assert.deepEqual(received[0], data);
    });
  });
}
