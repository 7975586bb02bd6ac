"""A small asyncio websocket client (RFC 6455) for the live-socket tests and bench/websockets.py.

Thousands of them fit in one process: frames are parsed in the protocol's data_received (no task per
socket), and each JSON text message is kept with the time it arrived. It answers the server's pings (Daphne
pings idle sockets every 20 s and drops those that do not answer) and records the close code, so a test can
tell "still open" from "closed with 4429". `read=False` opens a socket that never reads, like a stalled phone.
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


class _Protocol(asyncio.Protocol):
    """Reads the handshake answer, then frames, straight from data_received (no task per socket)."""

    def __init__(self, client: WsClient) -> None:
        self.client = client
        self.buffer = bytearray()
        self.head: asyncio.Future = asyncio.get_running_loop().create_future()
        self.parts: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.client.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.head.done():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            self.head.set_result(bytes(self.buffer[: end + 4]).decode("latin-1"))
            del self.buffer[: end + 4]
        self._frames()

    def _frames(self) -> None:
        buffer, client = self.buffer, self.client
        while len(buffer) >= 2:
            b0, b1 = buffer[0], buffer[1]
            opcode, length, offset = b0 & 0x0F, b1 & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    return
                (length,), offset = struct.unpack_from("!H", buffer, 2), 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                (length,), offset = struct.unpack_from("!Q", buffer, 2), 10
            if len(buffer) < offset + length:
                return
            payload = bytes(buffer[offset : offset + length])
            del buffer[: offset + length]
            if opcode == OP_PING:
                client.transport.write(_frame(OP_PONG, payload))
            elif opcode == OP_CLOSE:
                client.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                client.close_reason = payload[2:].decode("utf-8", "replace")
                with contextlib.suppress(Exception):
                    client.transport.write(_frame(OP_CLOSE, payload[:2]))
                    client.transport.close()
                return
            elif opcode in (OP_TEXT, OP_BINARY, OP_CONT):
                self.parts.append(payload)
                if b0 & 0x80:
                    text = b"".join(self.parts).decode("utf-8")
                    self.parts = []
                    try:
                        data = json.loads(text)
                    except ValueError:
                        data = text
                    client.messages.put_nowait((time.time(), data))

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.head.done():
            self.head.set_exception(ConnectionResetError("closed during the handshake"))
        if self.client.close_code is None:
            self.client.close_code = 1006
        self.client.closed.set()


class WsClient:
    """One websocket. Use `await WsClient.open(...)`; then `recv()`, `wait_closed()`, `close()`."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.messages: asyncio.Queue[tuple[float, Any]] = asyncio.Queue()
        self.close_code: int | None = None
        self.close_reason = ""
        self.closed = asyncio.Event()

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
        client = cls()
        protocol = _Protocol(client)
        try:
            async with asyncio.timeout(timeout):
                await loop.sock_connect(sock, (host, int(port)))
                await loop.create_connection(lambda: protocol, sock=sock)
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
                client.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
                head = await protocol.head
        except BaseException:
            if client.transport is not None:
                client.transport.abort()
            else:
                sock.close()
            raise
        status = int(head.split(" ", 2)[1])
        if status != 101:
            client.transport.close()
            raise HandshakeError(status, head)
        if not read:
            client.transport.pause_reading()  # like a stalled phone: the kernel buffers fill up
        return client

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
        self.transport.write(_frame(OP_TEXT, json.dumps(data).encode()))

    async def close(self, code: int = 1000) -> None:
        if not self.closed.is_set():
            with contextlib.suppress(Exception):
                self.transport.write(_frame(OP_CLOSE, struct.pack("!H", code)))
            if not await self.wait_closed(5):
                self.transport.abort()

    def abort(self) -> None:
        """Drop the TCP connection without a close frame."""
        with contextlib.suppress(Exception):
            self.transport.abort()
