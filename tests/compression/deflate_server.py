"""A permessage-deflate echo server on Python `websockets`, for tests/compression.rs
and the compression benchmark.

Usage: deflate_server.py MODE
  MODE takeover     context takeover both ways; the server asks the client for
                    client_max_window_bits=10 and uses a 12-bit window itself
  MODE takeover-15  context takeover both ways, 15-bit windows (zlib's default)
  MODE no-takeover  server_no_context_takeover and client_no_context_takeover
  MODE off          no compression (declines the offer)
Listens on 127.0.0.1 on a free port and prints "PORT <n>"; exits when its
standard input closes. The text message "extensions?" is answered with the
negotiated extensions (repr); every other message is echoed with its kind.
"""
import asyncio
import sys

from websockets.asyncio.server import serve
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory


async def echo(ws):
    async for msg in ws:
        if msg == "extensions?":
            await ws.send(repr(ws.protocol.extensions))
        else:
            await ws.send(msg)


async def main(mode):
    if mode == "takeover":
        exts = [ServerPerMessageDeflateFactory(server_max_window_bits=12, client_max_window_bits=10)]
    elif mode == "takeover-15":
        exts = [ServerPerMessageDeflateFactory()]
    elif mode == "no-takeover":
        exts = [ServerPerMessageDeflateFactory(server_no_context_takeover=True,
                                               client_no_context_takeover=True)]
    elif mode == "off":
        exts = []
    else:
        sys.exit("unknown mode %r" % mode)
    async with serve(echo, "127.0.0.1", 0, compression=None, extensions=exts,
                     max_size=64 << 20, max_queue=None, ping_interval=None) as server:
        port = server.sockets[0].getsockname()[1]
        print("PORT %d" % port, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
