"""Interop client for server/python_interop_test.ts, using the python-websockets library.

usage: python_client.py ws://HOST:PORT/ MAX_MESSAGE_SIZE

Prints one line per check ("ok NAME" or "FAIL NAME: why") and exits 0 when every check passed.
Uses the sync client on websockets >= 11, else the asyncio client. Every wait is bounded.
"""

import asyncio
import sys

import websockets

URL = sys.argv[1]
MAX = int(sys.argv[2])
TIMEOUT = 10
SIZES = [0, 1, 125, 126, 65535, 65536, 1_048_576]
MAJOR = int(websockets.version.version.split(".")[0])


class SyncAdapter:
    """Gives the sync client the awaitable interface the checks use."""

    def __init__(self, conn):
        self.conn = conn

    @property
    def subprotocol(self):
        return self.conn.subprotocol

    async def send(self, data):
        self.conn.send(data)

    async def recv(self):
        return self.conn.recv(timeout=TIMEOUT)

    async def ping(self, data):
        if not self.conn.ping(data).wait(TIMEOUT):
            raise TimeoutError("no pong")

    async def close(self, code, reason):
        self.conn.close(code, reason)

    async def wait_closed(self):
        self.conn.recv_events_thread.join(TIMEOUT)

    @property
    def close_code(self):
        return self.conn.close_rcvd.code if self.conn.close_rcvd else None

    @property
    def close_reason(self):
        return self.conn.close_rcvd.reason if self.conn.close_rcvd else None


class AsyncAdapter:
    def __init__(self, ws):
        self.ws = ws

    @property
    def subprotocol(self):
        return self.ws.subprotocol

    async def send(self, data):
        await asyncio.wait_for(self.ws.send(data), TIMEOUT)

    async def recv(self):
        return await asyncio.wait_for(self.ws.recv(), TIMEOUT)

    async def ping(self, data):
        waiter = await asyncio.wait_for(self.ws.ping(data), TIMEOUT)
        await asyncio.wait_for(waiter, TIMEOUT)

    async def close(self, code, reason):
        await asyncio.wait_for(self.ws.close(code, reason), TIMEOUT)

    async def wait_closed(self):
        await asyncio.wait_for(self.ws.wait_closed(), TIMEOUT)

    @property
    def close_code(self):
        return self.ws.close_code

    @property
    def close_reason(self):
        return self.ws.close_reason


async def connect(protocols=None):
    if MAJOR >= 11:
        from websockets.sync.client import connect as sync_connect

        conn = sync_connect(URL, subprotocols=protocols, max_size=None, open_timeout=TIMEOUT)
        return SyncAdapter(conn)
    ws = await asyncio.wait_for(
        websockets.connect(URL, subprotocols=protocols, max_size=None), TIMEOUT
    )
    return AsyncAdapter(ws)


async def check_echo(report):
    ws = await connect()
    for size in SIZES:
        text = "é" * (size // 2) + "a" * (size % 2)
        await ws.send(text)
        got = await ws.recv()
        report(f"text echo {size} B", got == text, f"got {len(got)} chars")
        data = bytes(i & 0xFF for i in range(size))
        await ws.send(data)
        got = await ws.recv()
        report(f"binary echo {size} B", got == data, f"got {type(got).__name__} {len(got)}")
    await ws.ping(b"are you there")
    report("ping answered", True, "")
    await ws.close(4002, "client bye")
    await ws.wait_closed()
    report("client close 4002 answered", ws.close_code == 4002, f"code {ws.close_code}")


async def check_protocol(report):
    ws = await connect(["nope", "chat.v1", "chat.v2"])
    report("subprotocol negotiated", ws.subprotocol == "chat.v2", f"got {ws.subprotocol}")
    await ws.send("close-me")
    try:
        await ws.recv()
        report("server close 4001 received", False, "got a message")
    except websockets.ConnectionClosed:
        report(
            "server close 4001 received",
            ws.close_code == 4001 and ws.close_reason == "server bye",
            f"code {ws.close_code} reason {ws.close_reason!r}",
        )


async def check_too_big(report):
    ws = await connect()
    await ws.send(bytes(MAX + 1))
    try:
        await ws.recv()
        report("1009 over the limit", False, "got a message")
    except websockets.ConnectionClosed:
        report("1009 over the limit", ws.close_code == 1009, f"code {ws.close_code}")


async def main():
    failed = []

    def report(name, ok, why):
        print(("ok " + name) if ok else f"FAIL {name}: {why}", flush=True)
        if not ok:
            failed.append(name)

    for check in (check_echo, check_protocol, check_too_big):
        try:
            await check(report)
        except Exception as error:  # noqa: BLE001 - report any failure with its check name
            report(check.__name__, False, repr(error))
    return 1 if failed else 0


sys.exit(asyncio.run(main()))
