"""Echo server with permessage-deflate for client/tcp_deflate_test.ts, using python-websockets.

usage: python_deflate_server.py

Prints "port N" once listening, then for each connection the Sec-WebSocket-Extensions it
answered, and "received compressed" / "sent compressed" for each frame with RSV1 that the
permessage-deflate extension decoded or encoded. Exits after 30 seconds at most.
"""

import asyncio

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


async def echo(ws, *args):
    print("extensions", ws.response_headers.get("Sec-WebSocket-Extensions"), flush=True)
    try:
        async for message in ws:
            await ws.send(message)
    except websockets.ConnectionClosed:
        pass


async def main():
    async with websockets.serve(echo, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        print("port", port, flush=True)
        await asyncio.sleep(30)


asyncio.run(main())
