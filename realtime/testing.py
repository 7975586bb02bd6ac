"""A small asyncio websocket client (RFC 6455) for the live-socket tests and bench/websockets.py.

Thousands of them fit in one process: no thread and one reader task per socket. It answers the server's
pings (Daphne pings idle sockets every 20 s and drops those that do not answer), keeps every JSON text
message with the time it arrived, and records the close code, so a test can tell "still open" from
"closed with 4429". `read=False` opens a socket that never reads, like a stalled phone.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import socket
import struct
import time
from typing import Any

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class HandshakeError(Exception):
    def __init__(self, status: int, head: str) -> None:
        super().__init__(f"websocket handshake answered {status}")
        self.status = status
        self.head = head


def _mask(payload: bytes, key: bytes) -> bytes:
    if not payload:
        return payload
    repeated = (key * (len(payload) // 4 + 1))[: len(payload)]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(len(payload), "big")


def _frame(opcode: int, payload: bytes) -> bytes:
    head = bytes([0x80 | opcode])
    length = len(payload)
    if length < 126:
        head += bytes([0x80 | length])
    elif length < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", length)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", length)
    key = os.urandom(4)
    return head + key + _mask(payload, key)


class WsClient:
    """One websocket. Use `await WsClient.open(...)`; then `recv()`, `wait_closed()`, `close()`."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.messages: asyncio.Queue[tuple[float, Any]] = asyncio.Queue()
        self.close_code: int | None = None
        self.close_reason = ""
        self.closed = asyncio.Event()
        self.task: asyncio.Task | None = None

    @classmethod
    async def open(
        cls,
        url: str,
        path: str,
        *,
        origin: str | None = None,
        cookies: dict[str, str] | None = None,
        local_host: str | None = None,
        read: bool = True,
        rcvbuf: int | None = None,
        timeout: float = 30,
    ) -> WsClient:
        """Connect to `path` on the server at `url` (http://host:port). Raises HandshakeError on a refusal."""
        host, port = url.split("://", 1)[-1].rstrip("/").rsplit(":", 1)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        if rcvbuf:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if local_host:
            sock.bind((local_host, 0))
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                await loop.sock_connect(sock, (host, int(port)))
                reader, writer = await asyncio.open_connection(sock=sock, limit=2**20)
                key = base64.b64encode(os.urandom(16)).decode()
                lines = [
                    f"GET {path} HTTP/1.1",
                    f"Host: {host}:{port}",
                    "Upgrade: websocket",
                    "Connection: Upgrade",
                    f"Sec-WebSocket-Key: {key}",
                    "Sec-WebSocket-Version: 13",
                    f"Origin: {origin or url}",
                ]
                if cookies:
                    lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
                writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        except BaseException:
            sock.close()
            raise
        status = int(head.split(" ", 2)[1])
        if status != 101:
            writer.close()
            raise HandshakeError(status, head)
        client = cls(reader, writer)
        if read:
            client.task = asyncio.ensure_future(client._read())
        return client

    async def _read(self) -> None:
        parts: list[bytes] = []
        code = 1006
        try:
            while True:
                b0, b1 = await self.reader.readexactly(2)
                opcode, length = b0 & 0x0F, b1 & 0x7F
                if length == 126:
                    (length,) = struct.unpack("!H", await self.reader.readexactly(2))
                elif length == 127:
                    (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
                payload = await self.reader.readexactly(length) if length else b""
                if opcode == OP_PING:
                    self.writer.write(_frame(OP_PONG, payload))
                elif opcode == OP_CLOSE:
                    code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                    self.close_reason = payload[2:].decode("utf-8", "replace")
                    with contextlib.suppress(OSError):
                        self.writer.write(_frame(OP_CLOSE, payload[:2]))
                    return
                elif opcode in (OP_TEXT, OP_BINARY, OP_CONT):
                    parts.append(payload)
                    if b0 & 0x80:
                        text = b"".join(parts).decode("utf-8")
                        parts = []
                        try:
                            data = json.loads(text)
                        except ValueError:
                            data = text
                        self.messages.put_nowait((time.time(), data))
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            return
        finally:
            self.close_code = code
            self.closed.set()
            with contextlib.suppress(Exception):
                self.writer.close()

    async def recv_timed(self, timeout: float = 10) -> tuple[float, Any]:
        """(arrival time.time(), message); raises TimeoutError, or ConnectionError once closed and drained."""
        if self.messages.empty() and self.closed.is_set():
            raise ConnectionError(f"socket closed with {self.close_code}")
        getter = asyncio.ensure_future(self.messages.get())
        closer = asyncio.ensure_future(self.closed.wait())
        try:
            done, _ = await asyncio.wait({getter, closer}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            closer.cancel()
        if getter in done:
            return getter.result()
        getter.cancel()
        if closer in done:
            raise ConnectionError(f"socket closed with {self.close_code}")
        raise TimeoutError(f"no message within {timeout} s")

    async def recv(self, timeout: float = 10) -> Any:
        return (await self.recv_timed(timeout))[1]

    async def recv_until(self, predicate, timeout: float = 10) -> Any:
        """The first message for which `predicate(message)` holds (earlier ones are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            message = await self.recv(max(0.01, deadline - time.monotonic()))
            if predicate(message):
                return message

    async def wait_closed(self, timeout: float) -> bool:
        """True if the server closed the socket within `timeout` seconds."""
        with contextlib.suppress(TimeoutError, asyncio.TimeoutError):
            await asyncio.wait_for(self.closed.wait(), timeout)
        return self.closed.is_set()

    def send_json(self, data: Any) -> None:
        self.writer.write(_frame(OP_TEXT, json.dumps(data).encode()))

    async def close(self, code: int = 1000) -> None:
        if not self.closed.is_set():
            with contextlib.suppress(OSError, RuntimeError):
                self.writer.write(_frame(OP_CLOSE, struct.pack("!H", code)))
            await self.wait_closed(5)
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(BaseException):
                await self.task
        with contextlib.suppress(Exception):
            self.writer.close()

    def abort(self) -> None:
        """Drop the TCP connection without a close frame."""
        with contextlib.suppress(Exception):
            self.writer.transport.abort()
        if self.task is not None:
            self.task.cancel()
