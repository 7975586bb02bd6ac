"""Oversized request lines and headers get an answer from the real web process (issue 11).

Starts the Procfile's web command (``python -m config.web_server``: Daphne with GuardedHTTPChannel) in its
own process and talks raw HTTP to it: a 20 KB request line, a 64 KB cookie, a head of many medium headers.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def web_server():
    port = _free_port()
    web = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PYTHONPATH": str(ROOT),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    process = subprocess.Popen(
        ["sh", "-c", "exec " + web.split(":", 1)[1].strip()],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("web server did not start: " + process.stderr.read().decode()[-2000:]) from None
            time.sleep(0.2)
    yield port
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _exchange(port: int, head: bytes) -> bytes:
    """Send `head` (ignoring a reset once the server has answered) and read until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        try:
            sock.sendall(head)
        except (BrokenPipeError, ConnectionResetError):
            pass
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_20_kb_request_line_gets_a_414_page(web_server):
    answer = _exchange(web_server, b"GET /search/?q=" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 414 ")
    assert "请求地址过长".encode() in answer


def test_a_64_kb_cookie_gets_a_431_page(web_server):
    cookie = b"Cookie: junk=" + b"x" * 65_536 + b"\r\n"
    answer = _exchange(web_server, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + cookie + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert "请求头过大".encode() in answer


def test_a_head_over_the_total_limit_gets_a_431_page(web_server):
    headers = b"".join(b"X-Filler-%d: %s\r\n" % (i, b"y" * 1000) for i in range(40))
    answer = _exchange(web_server, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 431 ")


def test_a_malformed_request_line_gets_a_400_page(web_server):
    answer = _exchange(web_server, b"NONSENSE\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"<h1>400" in answer


def test_an_ordinary_request_is_served(web_server):
    answer = _exchange(web_server, b"GET /cart/count/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200 ")
