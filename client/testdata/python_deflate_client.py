"""Client with permessage-deflate for deflate/server_hook_test.ts, using python-websockets.

usage: python_deflate_client.py ws://HOST:PORT/

Sends four messages (text and binary, 1.2 kB to 300 kB), checks the echoes, and prints the
Sec-WebSocket-Extensions the server answered, "received compressed" / "sent compressed" for each
frame with RSV1 that its permessage-deflate extension decoded or encoded, then "ok" or "FAIL why".
"""

import asyncio
import sys

import websockets
from websockets.extensions import permessage_deflate as pmd

original_decode = pmd.PerMessageDeflate.decode
original_encode = pmd.PerMessageDeflate.encode


def decode(self, frame, *, max_size=None):
    if frame.rsv1:
        print("received compressed", flush=True)
    return original_decode(self, frame, max_size=max_size)


def encode(self, frame):
    out = original_encode(self, frame)
    if out.rsv1:
        print("sent compressed", flush=True)
    return out


pmd.PerMessageDeflate.decode = decode
pmd.PerMessageDeflate.encode = encode

MESSAGES = ["hello " * 200, bytes(i % 17 * 3 for i in range(5000)), "\u00e9" * 100_000, b"ab" * 150_000]


async def main():
    async with websockets.connect(sys.argv[1], open_timeout=10, close_timeout=5) as ws:
        print("extensions", ws.response_headers.get("Sec-WebSocket-Extensions"), flush=True)
        for message in MESSAGES:
            await ws.send(message)
            echo = await asyncio.wait_for(ws.recv(), 10)
            if echo != message:
                print("FAIL echo differs", flush=True)
                return
    print("ok", flush=True)


asyncio.run(asyncio.wait_for(main(), 30))
