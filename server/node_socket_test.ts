// The Node socket adapter's allocator of payload buffers (frames that span reads): memory from
// `Buffer.allocUnsafeSlow` handed out as a plain Uint8Array, used by the codec for such frames.
// The interop tests (`interop_sizes_test.ts`) echo 1 MiB and 16 MiB messages through it on Node.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Connection } from "../codec/connection.ts";
import { encodeFrame } from "../codec/frame_encoder.ts";
import { Opcode } from "../codec/constants.ts";
import { NodeSocket } from "./_node_socket.ts";

describe("NodeSocket.allocate", () => {
  it("gives a plain Uint8Array of the size asked, over memory of its own", () => {
    const allocate = new NodeSocket({} as never, new Uint8Array(0)).allocate;
    assert.equal(typeof allocate, "function");
    const a = allocate!(70_000);
    const b = allocate!(70_000);
    assert.equal(Object.getPrototypeOf(a), Uint8Array.prototype);
    assert.equal(a.length, 70_000);
    assert.notEqual(a.buffer, b.buffer);
  });

  it("a connection given it delivers a spanning binary message as that plain Uint8Array", () => {
    const allocate = new NodeSocket({} as never, new Uint8Array(0)).allocate!;
    const sizes: number[] = [];
    const connection = new Connection({
      role: "server",
      allocate: (size) => (sizes.push(size), allocate(size)),
    });
    const payload = new Uint8Array(100_000).map((_, i) => i % 251);
    const bytes = encodeFrame(Opcode.BINARY, payload, { mask: new Uint8Array([1, 2, 3, 4]) });
    for (let at = 0; at < bytes.length; at += 65_536) {
      connection.receive(bytes.slice(at, at + 65_536));
    }
    const [event] = connection.takeEvents();
    assert.deepEqual(sizes, [100_000]);
    assert.equal(event?.type, "binary");
    const data = event?.type === "binary" ? event.data : new Uint8Array(0);
    assert.equal(Object.getPrototypeOf(data), Uint8Array.prototype);
    assert.deepEqual(data, payload);
  });
});
