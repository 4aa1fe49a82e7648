"""Sizes and fragments client for server/interop_sizes_test.ts (python-websockets, asyncio API).

usage: python_sizes.py ws://HOST:PORT/

Echoes text and binary messages of every size in SIZES (compared in full), then messages sent in
several frames (python-websockets sends an iterable as fragments). Prints one line per check
("ok NAME" or "FAIL NAME: why") and exits 0 when every check passed. Every wait is bounded.
"""

import asyncio
import sys

import websockets

URL = sys.argv[1]
TIMEOUT = 30
SIZES = [0, 1, 125, 126, 65535, 65536, 1 << 20, 16 << 20]
# A period of 251 bytes (prime) never lines up with the 4-byte mask.
PATTERN = bytes(range(251))


def pattern(size):
    return (PATTERN * (size // len(PATTERN) + 1))[:size]


def text_of(size):
    """A string whose UTF-8 encoding is `size` bytes, mostly 2-byte characters."""
    return "é" * (size // 2) + "a" * (size % 2)


FRAGMENTED = [
    ("text in 3 fragments", ["hé", "llo ", "wörld"]),
    ("binary with empty fragments", [b"", b"abc", b""]),
    ("1 MiB binary in 16 fragments", [pattern(65536)] * 16),
    ("16 MiB text in 256 fragments", [text_of(65536)] * 256),
]


async def echo(ws, data):
    await asyncio.wait_for(ws.send(data), TIMEOUT)
    return await asyncio.wait_for(ws.recv(), TIMEOUT)


async def main():
    failed = []

    def report(name, ok, why):
        print(("ok " + name) if ok else f"FAIL {name}: {why}", flush=True)
        if not ok:
            failed.append(name)

    try:
        ws = await asyncio.wait_for(websockets.connect(URL, max_size=None), TIMEOUT)
        for size in SIZES:
            sent = text_of(size)
            got = await echo(ws, sent)
            report(f"text {size} B", got == sent, f"got {type(got).__name__} {len(got)}")
            sent = pattern(size)
            got = await echo(ws, sent)
            report(f"binary {size} B", got == sent, f"got {type(got).__name__} {len(got)}")
        for name, parts in FRAGMENTED:
            got = await echo(ws, parts)
            whole = parts[0][:0].join(parts)
            report(name, got == whole, f"got {type(got).__name__} {len(got)}")
        await asyncio.wait_for(ws.close(1000, "done"), TIMEOUT)
        report("close 1000", ws.close_code == 1000, f"code {ws.close_code}")
    except Exception as error:  # noqa: BLE001 - report any failure
        report("run", False, repr(error))
    return 1 if failed else 0


sys.exit(asyncio.run(main()))
